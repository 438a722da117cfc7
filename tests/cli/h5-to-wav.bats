#!/usr/bin/env bats
# h5-to-wav: HDF5 back to wav; wav -> h5 -> wav must give Kaldi's bytes again.

load audio-common

setup() {
  setup_audio_fixture
}

@test "h5-to-wav: wav -> h5 -> wav archive is byte-identical to Kaldi's wav-copy output" {
  wav-to-h5 scp:wav_copy.scp x.h5
  run h5-to-wav x.h5 ark,scp:out.ark,out.scp
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 2, errors 0"* ]]
  cmp out.ark wavs.ark
  sed 's/ out.ark:/ wavs.ark:/' out.scp | cmp - wavs.scp
  # The same through float32 datasets.
  wav-to-h5 --format=float32 scp:wav_copy.scp f.h5
  h5-to-wav f.h5 ark:- | cmp - wavs.ark
  assert_no_tmp_files
}

@test "h5-to-wav: --out-dir writes one wav per key, equal to the 16-bit input, and a wav.scp" {
  wav-to-h5 scp:wav.scp x.h5
  h5-to-wav --out-dir=out x.h5 out.scp
  for k in a_speech b_tones c_noisy d_short e_stereo; do
    cmp out/$k.wav wav/$k.wav
  done
  [ "$(head -1 out.scp)" = "a_speech out/a_speech.wav" ]
  [ "$(wc -l < out.scp)" -eq 5 ]
  # The wav.scp it wrote reads back.
  wav-to-duration scp:out.scp ark,t:- | cmp - durations.txt
  sed 's#^#g/#' wav_copy.scp > nested.scp
  wav-to-h5 scp:nested.scp n.h5
  h5-to-wav --out-dir=nested n.h5 -
  cmp nested/g/d_short.wav wav/d_short.wav
}

@test "h5-to-wav: float datasets written by h5py are read as [-1, 1)" {
  need_h5py
  "$PYTHON" -c "
import h5py, numpy
f = h5py.File('py.h5', 'w')
f.attrs['sample_rate'] = 8000
f['a'] = numpy.array([0.5, -0.25, 0.0, -1.0], dtype='float32')
f['b'] = numpy.array([[1, 2], [3, 4]], dtype='int16')
"
  h5-to-wav py.h5 ark,scp:o.ark,o.scp
  run "$PYTHON" -c "
import wave, numpy
for off in [l.split(':')[-1] for l in open('o.scp')]:
    f = open('o.ark', 'rb'); f.seek(int(off)); w = wave.open(f)
    print(w.getframerate(), w.getnchannels(), list(numpy.frombuffer(w.readframes(9), '<i2')))
"
  [ "${lines[0]}" = "8000 1 [16384, -8192, 0, -32768]" ]
  [ "${lines[1]}" = "8000 2 [1, 3, 2, 4]" ]
}

@test "h5-to-wav: a dataset that is not audio fails naming it, and no output is left" {
  need_h5py
  "$PYTHON" -c "
import h5py, numpy
f = h5py.File('bad.h5', 'w')
f['good'] = numpy.zeros(100, dtype='int16'); f['good'].attrs['sample_rate'] = 16000
f['cube'] = numpy.zeros((2, 2, 2), dtype='int16')
"
  run h5-to-wav bad.h5 ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"dataset cube in bad.h5"*"rank 3"* ]]
  [ ! -e out.ark ]
  run h5-to-wav --out-dir=od bad.h5 od.scp
  [ "$status" -eq 1 ]
  [ ! -e od/good.wav ]
  [ ! -e od.scp ]
  run h5-to-wav --max-errors=1 bad.h5 ark:out.ark
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 1, errors 1"* ]]
  assert_no_tmp_files
}

@test "h5-to-wav: no sample_rate anywhere is an error unless --sample-rate is given" {
  need_h5py
  "$PYTHON" -c "
import h5py, numpy
h5py.File('norate.h5', 'w')['x'] = numpy.ones(10, dtype='int16')
"
  run h5-to-wav norate.h5 ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"dataset x"*"no sample_rate"* ]]
  [ ! -e out.ark ]
  h5-to-wav --sample-rate=22050 norate.h5 ark:out.ark
  [ "$(wav-to-duration ark:out.ark ark,t:-)" = "x 0.0004535147 " ]
}

@test "h5-to-wav: missing or non-HDF5 input" {
  run h5-to-wav nothing.h5 ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"nothing.h5"*"no such file"* ]]
  run h5-to-wav wav.scp ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"not an HDF5 file"* ]]
  [ ! -e out.ark ]
  run h5-to-wav wav.scp
  [ "$status" -eq 1 ]
  [[ "$output" == *"Usage: h5-to-wav"* ]]
}
