#!/usr/bin/env bats
# augment-wav: noise made by sox, a synthetic RIR, the fixture wavs as talkers; what is
# written is checked with h5py (no project code) against the input and the reported choices.

load audio-common

setup() {
  setup_audio_fixture
}

# Noise lists at 16 kHz: two white/pink noises (one shorter than every utterance, so it is
# tiled), a tone "music", the fixture speech as talkers, and two RIRs written by Python's
# wave module: a decaying one with its direct path at 200, and one impulse at 300.
make_lists() {
  need_sox
  mkdir -p aug
  sox -n -r 16000 -b 16 aug/white.wav synth 3 whitenoise vol 0.2
  sox -n -r 16000 -b 16 aug/pink.wav synth 0.2 pinknoise vol 0.2
  sox -n -r 16000 -b 16 aug/tones.wav synth 4 sine 300 sine 700 vol 0.3
  printf 'white aug/white.wav\npink aug/pink.wav\n' > noise.scp
  printf 'tones aug/tones.wav\n' > music.scp
  grep -v e_stereo wav.scp > speech.scp
  "$PYTHON" - <<'PY'
import wave, numpy
def write(path, x):
    w = wave.open(path, 'wb')
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(numpy.round(x).astype('<i2').tobytes())
rng = numpy.random.default_rng(0)
rir = rng.normal(0, 1, 4000) * numpy.exp(-numpy.arange(4000) / 800.0) * 2000
rir[:200] = 0
rir[200] = 30000
write('aug/room.wav', rir)
imp = numpy.zeros(1000); imp[300] = 12000
write('aug/impulse.wav', imp)
PY
  printf 'room aug/room.wav\n' > rir.scp
  printf 'impulse aug/impulse.wav\n' > impulse.scp
}

# Prints, per key of the input scp, "key ok" if out.h5 holds it; used with the checks below.
h5_compare() {
  "$PYTHON" - "$@" <<'PY'
import sys, wave, h5py, numpy
mode, h5, scp = sys.argv[1], sys.argv[2], sys.argv[3]
f = h5py.File(h5, 'r')
aug = {}
if len(sys.argv) > 4:
    for line in open(sys.argv[4]):
        k, v = line.split()
        aug[k] = dict(p.split('=') for p in v.split(';'))
for line in open(scp):
    key, path = line.split()
    w = wave.open(path)
    x = numpy.frombuffer(w.readframes(w.getnframes()), dtype='<i2').reshape(-1, w.getnchannels())[:, 0].astype(float)
    y = f[key][()].astype(float)
    if mode == 'snr':   # measured SNR minus the reported one, in dB
        snr = 10 * numpy.log10(numpy.mean(x ** 2) / numpy.mean((y - x) ** 2))
        print(key, aug[key]['type'], '%.3f' % abs(snr - float(aug[key]['snr'])))
    elif mode == 'same':
        print(key, y.shape == x.shape and numpy.array_equal(x, y))
    elif mode == 'length':
        print(key, len(x), len(y), f[key].attrs['sample_rate'])
PY
}

@test "augment-wav: --help" {
  run augment-wav --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: augment-wav"* ]]
  [[ "$output" == *"--noise-scp"*"--aug-prob"*"--speeds"*"--seed"* ]]
}

@test "augment-wav: noise at the reported SNR (within 0.1 dB), also when tiled" {
  make_lists
  need_h5py
  run augment-wav --noise-scp=noise.scp --aug-prob=1 --channel=0 --write-augmentation=ark,t:aug.txt \
    scp:wav.scp h5:out.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 5, errors 0"* ]]
  grep -q 'source=pink' aug.txt    # shorter than the utterance: tiled
  grep -q 'source=white' aug.txt   # longer: cropped
  run h5_compare snr out.h5 wav.scp aug.txt
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 5 ]
  # 16-bit rounding of the output adds ~1/12 to the noise power: far below 0.1 dB here.
  awk '{ if ($2 != "noise" || $3 > 0.1) bad = 1 } END { exit bad }' <<< "$output"
  assert_no_tmp_files
}

@test "augment-wav: every type with all lists; same seed same audio, whatever the split" {
  make_lists
  need_h5py
  opts="--noise-scp=noise.scp --music-scp=music.scp --speech-scp=speech.scp --rir-scp=rir.scp --aug-prob=1 --gain-db=-3:3 --seed=5"
  for i in 1 2 3 4 5 6 7 8; do sed "s/^/r$i-/" wav.scp; done > many.scp
  run augment-wav $opts --write-augmentation=ark,t:aug.txt scp:many.scp h5:full.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 40, errors 0"* ]]
  for t in noise music babble reverb; do grep -q "type=$t;" aug.txt; done
  # Reverb keeps the length (no speed here): every dataset as long as its input.
  run "$PYTHON" -c "
import h5py, wave
f = h5py.File('full.h5')
print(all(f[l.split()[0]].shape[-1] == wave.open(l.split()[1]).getnframes() for l in open('many.scp')))"
  [ "$output" = "True" ]
  # A split of the data, in another order, gives the same audio and choices.
  tac many.scp | head -7 > part.scp
  augment-wav $opts --write-augmentation=ark,t:part.txt scp:part.scp h5:part.h5
  run "$PYTHON" -c "
import h5py, numpy
a, b = h5py.File('full.h5'), h5py.File('part.h5')
print(len(b), all(numpy.array_equal(a[k][()], b[k][()]) for k in b))"
  [ "$output" = "7 True" ]
  while read -r k v; do grep -qxF "$k $v" aug.txt; done < part.txt
  # Another seed, other choices.
  augment-wav ${opts/--seed=5/--seed=6} --write-augmentation=ark,t:aug6.txt scp:many.scp h5:s6.h5
  run cmp -s aug.txt aug6.txt
  [ "$status" -ne 0 ]
}

@test "augment-wav: an impulse RIR gives the input back, aligned (direct path at 300)" {
  make_lists
  need_h5py
  run augment-wav --rir-scp=impulse.scp --aug-prob=1 --channel=0 scp:wav.scp h5:out.h5
  [ "$status" -eq 0 ]
  run h5_compare same out.h5 wav.scp
  [ "$(grep -c True <<< "$output")" -eq 5 ]
}

@test "augment-wav: --speeds=1.1 gives length / 1.1 (+-1); --sample-rate resamples the input" {
  make_lists
  need_h5py
  run augment-wav --speeds=1.1 --aug-prob=0 --write-augmentation=ark,t:aug.txt scp:wav_a.scp h5:out.h5
  [ "$status" -eq 0 ]
  run h5_compare length out.h5 wav_a.scp
  read -r key n_in n_out rate <<< "$output"
  awk -v a="$n_in" -v b="$n_out" 'BEGIN { d = a / 1.1 - b; exit !(d <= 1 && d >= -1) }'
  grep -q '^a_speech speed=1.1;type=none;gain=0.00$' aug.txt
  # 8 kHz input, 16 kHz noise: refused without --sample-rate, resampled with it.
  run augment-wav --noise-scp=noise.scp --aug-prob=1 scp:wav_8k.scp h5:nb.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"f_nb8k"*"noise "*"is sampled at 16000 Hz but the utterance at 8000 Hz"* ]]
  [ ! -e nb.h5 ]
  run augment-wav --noise-scp=noise.scp --aug-prob=1 --sample-rate=16000 scp:wav_8k.scp h5:nb.h5
  [ "$status" -eq 0 ]
  run h5_compare length nb.h5 wav_8k.scp
  [ "$output" = "f_nb8k 9821 19642 16000.0" ]
}

@test "augment-wav: bad lists fail with a clear error and leave no output" {
  make_lists
  # A missing noise file: a per-utterance error naming the noise key and path.
  printf 'gone aug/no-such.wav\n' > missing.scp
  run augment-wav --noise-scp=missing.scp --aug-prob=1 scp:wav.scp ark,scp:out.ark,out.scp
  [ "$status" -eq 1 ]
  [[ "$output" == *"WARNING"*"noise gone: cannot read 'aug/no-such.wav'"* ]]
  [[ "$output" == *"Done 0, errors 5"* ]]
  [ ! -e out.ark ]
  [ ! -e out.scp ]
  # Noise at another sample rate.
  sox -n -r 8000 -b 16 aug/nb.wav synth 1 whitenoise
  printf 'nb aug/nb.wav\n' > nb.scp
  run augment-wav --noise-scp=nb.scp --aug-prob=1 --write-augmentation=ark,t:aug.txt scp:wav.scp ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"noise nb is sampled at 8000 Hz but the utterance at 16000 Hz"* ]]
  [ ! -e out.ark ]
  [ ! -e aug.txt ]
  # An empty list, a missing list, no list at all.
  : > empty.scp
  run augment-wav --noise-scp=empty.scp scp:wav.scp ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--noise-scp=empty.scp holds no entries"* ]]
  run augment-wav --rir-scp=no-such.scp scp:wav.scp ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"no-such.scp"* ]]
  run augment-wav scp:wav.scp ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--aug-prob=0.6 but no RIR, noise, music or speech list"* ]]
  [ ! -e out.ark ]
  # Bad option values name the option.
  run augment-wav --noise-scp=noise.scp --noise-snr=15:0 scp:wav.scp ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--noise-snr=15:0 is invalid"* ]]
  run augment-wav --noise-scp=noise.scp --speeds=0.9,fast scp:wav.scp ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--speeds=0.9,fast is invalid"* ]]
  run augment-wav scp:wav.scp
  [ "$status" -eq 1 ]
  [[ "$output" == *"Usage: augment-wav"* ]]
  assert_no_tmp_files
}

@test "augment-wav: a gain that would clip scales the utterance down, or clips with a warning" {
  need_sox
  need_h5py
  sox -n -r 16000 -b 16 loud.wav synth 0.5 sine 440 vol 0.9
  echo "loud loud.wav" > loud.scp
  # +12 dB on a 0.9 full-scale sine: 3.6x full scale.
  run augment-wav --aug-prob=0 --gain-db=12:12 scp:loud.scp h5:fit.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"1 utterance(s) scaled down to fit the 16-bit range"* ]]
  [[ "$output" != *"lipped"* ]]
  "$PYTHON" -c '
import h5py, numpy
x = h5py.File("fit.h5", "r")["loud"][()].astype(float)
assert 32000 <= numpy.abs(x).max() <= 32767, numpy.abs(x).max()
'
  for out in h5:clip.h5 ark:clip.ark; do
    run augment-wav --aug-prob=0 --gain-db=12:12 --limit-peak=false scp:loud.scp "$out"
    [ "$status" -eq 0 ]
    [[ "$output" == *"WARNING"*"lipped "[0-9]*" of 8000 samples to the 16-bit range"* ]]
  done
}
