#!/usr/bin/env bats
# wav-to-h5: audio into HDF5, checked with h5dump and h5py (no project code) against the
# fixture wavs read by Python's own wave module.

load audio-common

setup() {
  setup_audio_fixture
}

# Prints "key dtype shape rate ok" per dataset, where ok says the samples equal the wav's
# 16-bit samples (times 1/32768 for float32), read with Python's wave module.
check_with_h5py() {
  "$PYTHON" - "$@" <<'PY'
import sys, wave, h5py, numpy
h5, scale = sys.argv[1], float(sys.argv[2])
f = h5py.File(h5, 'r')
for line in open(sys.argv[3]):
    key, path = line.split()
    w = wave.open(path)
    pcm = numpy.frombuffer(w.readframes(w.getnframes()), dtype='<i2')
    pcm = pcm.reshape(-1, w.getnchannels()).T.squeeze()
    d = f[key]
    ok = d.shape == pcm.shape and numpy.array_equal(d[()], pcm / scale if scale != 1 else pcm)
    print(key, d.dtype, d.shape, d.attrs['sample_rate'], ok)
print('root', f.attrs['sample_rate'], f.attrs['sample_format'])
PY
}

@test "wav-to-h5: int16 datasets equal the wav samples (h5py), with sample_rate attributes" {
  need_h5py
  run wav-to-h5 scp:wav.scp out.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 5, errors 0"* ]]
  run check_with_h5py out.h5 1 wav.scp
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "a_speech int16 (22885,) 16000.0 True" ]
  [ "${lines[4]}" = "e_stereo int16 (2, 8000) 16000.0 True" ]
  [ "$(grep -c True <<< "$output")" -eq 5 ]
  [ "${lines[5]}" = "root 16000.0 int16" ]
  assert_no_tmp_files
}

@test "wav-to-h5: float32 datasets are samples / 32768" {
  need_h5py
  wav-to-h5 --format=float32 scp:wav.scp out.h5
  run check_with_h5py out.h5 32768 wav.scp
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "a_speech float32 (22885,) 16000.0 True" ]
  [ "$(grep -c True <<< "$output")" -eq 5 ]
  [ "${lines[5]}" = "root 16000.0 float32" ]
}

@test "wav-to-h5: h5dump reads the file; --compress stores deflate-compressed chunks" {
  need_h5dump
  wav-to-h5 scp:wav.scp plain.h5
  wav-to-h5 --compress=6 scp:wav.scp packed.h5
  run h5dump -p -d /d_short packed.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"CHUNKED"* ]]
  [[ "$output" == *"DEFLATE"* ]]
  [[ "$output" == *"H5T_STD_I16LE"* ]]
  [ "$(stat -c %s packed.h5)" -lt "$(stat -c %s plain.h5)" ]
  h5dump -a /sample_rate plain.h5 | grep -q '16000'
}

@test "wav-to-h5: keys with '/' become groups; segments become datasets" {
  need_h5py
  sed 's#^#spk/#' wav.scp > nested.scp
  wav-to-h5 scp:nested.scp nested.h5
  run "$PYTHON" -c "import h5py; f = h5py.File('nested.h5'); print(list(f['spk'].keys()))"
  [ "$output" = "['a_speech', 'b_tones', 'c_noisy', 'd_short', 'e_stereo']" ]
  printf 's1 a_speech 0.1 0.5\ns2 e_stereo 0 0.25 1\n' > segments
  wav-to-h5 --segments=segments scp:wav.scp seg.h5
  run "$PYTHON" -c "import h5py; f = h5py.File('seg.h5'); print([(k, f[k].shape) for k in f])"
  [ "$output" = "[('s1', (6400,)), ('s2', (4000,))]" ]
}

@test "wav-to-h5: 8 kHz FLAC and 24-bit input" {
  need_sox
  need_h5py
  sox -n -r 8000 -b 16 x.flac synth 0.5 sine 440
  sox -n -r 8000 -b 24 x24.wav synth 0.25 sine 440 gain -1
  printf 'f x.flac\nw x24.wav\n' > sox.scp
  wav-to-h5 scp:sox.scp out.h5
  run "$PYTHON" -c "import h5py; f = h5py.File('out.h5'); print(f['f'].shape, f['w'].shape, f.attrs['sample_rate'], abs(f['w'][()]).max() > 20000)"
  [ "$output" = "(4000,) (2000,) 8000.0 True" ]
}

@test "wav-to-h5: each bad input fails naming the key, and leaves no file behind" {
  make_bad_wavs
  for bad in "missing bad/nonexistent.wav" "text bad/text.wav" "empty bad/empty.wav" \
             "truncated bad/truncated.wav"; do
    key=${bad%% *}
    printf 'a_speech wav/a_speech.wav\n%s\n' "$bad" > bad.scp
    run wav-to-h5 scp:bad.scp out.h5
    [ "$status" -eq 1 ]
    [[ "$output" == *"WARNING"*"$key: cannot read audio"* ]]
    [[ "$output" == *"Done 1, errors 1"* ]]
    [ ! -e out.h5 ]
    assert_no_tmp_files
  done
}

@test "wav-to-h5: --sample-rate=16000 resamples 8 kHz input; attributes say 16000" {
  need_h5py
  cat wav.scp wav_8k.scp > mixed.scp
  run wav-to-h5 --sample-rate=16000 scp:mixed.scp out.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 6, errors 0"* ]]
  # Every second sample of the 16 kHz output is the 8 kHz input up to the resampler's
  # pass-band edge (~3.6 kHz of 4): measured 0.5% relative RMS difference, limit 2%.
  run "$PYTHON" - <<'PY'
import wave, h5py, numpy
f = h5py.File('out.h5', 'r')
w = wave.open('wav/f_nb8k.wav')
x = numpy.frombuffer(w.readframes(w.getnframes()), dtype='<i2').astype(float)
y = f['f_nb8k'][()].astype(float)
w = wave.open('wav/a_speech.wav')
a = numpy.frombuffer(w.readframes(w.getnframes()), dtype='<i2')
rel = numpy.sqrt(numpy.mean((y[::2] - x) ** 2) / numpy.mean(x ** 2))
print(f['f_nb8k'].shape, f['f_nb8k'].attrs['sample_rate'], f.attrs['sample_rate'], rel < 0.02,
      numpy.array_equal(f['a_speech'][()], a))
PY
  [ "$output" = "(19642,) 16000.0 16000.0 True True" ]
  # Without --sample-rate the 8 kHz audio is written as it is, and the root has no rate.
  run wav-to-h5 scp:mixed.scp as-is.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"different sample rates"* ]]
  run "$PYTHON" -c "import h5py; f = h5py.File('as-is.h5'); print(f['f_nb8k'].shape, f['f_nb8k'].attrs['sample_rate'], 'sample_rate' in f.attrs)"
  [ "$output" = "(9821,) 8000.0 False" ]
  assert_no_tmp_files
}

@test "wav-to-h5: --help says what --sample-rate does" {
  run wav-to-h5 --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"--sample-rate=R resamples input at another rate"* ]]
  [[ "$output" == *"--sample-rate"*"Output audio at this rate in Hz"* ]]
}

@test "wav-to-h5: bad options and outputs" {
  run wav-to-h5 --format=int8 scp:wav.scp out.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"--format=int8 is invalid"* ]]
  run wav-to-h5 --compress=10 scp:wav.scp out.h5
  [ "$status" -eq 1 ]
  run wav-to-h5 scp:wav.scp -
  [ "$status" -eq 1 ]
  [[ "$output" == *"plain file name"* ]]
  run wav-to-h5 scp:no-such.scp out.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"no-such.scp"* ]]
  [ ! -e out.h5 ]
  run wav-to-h5 scp:wav.scp
  [ "$status" -eq 1 ]
  [[ "$output" == *"Usage: wav-to-h5"* ]]
}
