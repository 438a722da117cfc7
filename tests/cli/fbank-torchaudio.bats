#!/usr/bin/env bats
# compute-fbank-feats / compute-mfcc-feats against torchaudio.compliance.kaldi on a grid of
# options (window types, snip-edges, energy, htk-compat, 8 and 16 kHz, 23/40/64/80 bins,
# low/high frequencies). The reference is computed now, by tests/reference/fbank_torchaudio.py
# with Debian's torch; without torch these tests skip and say so.
load feat-helpers

setup() {
  feat_setup
  "${VOX_PYTHON:-/usr/bin/python3}" -c 'import torchaudio' 2>/dev/null ||
    skip "torchaudio not importable by ${VOX_PYTHON:-/usr/bin/python3} (apt install python3-torchaudio)"
}

# check TOOL WAV OPTIONS...: run our tool on one wav, compare with torchaudio.
check() {
  local kind=$1 wav=$2
  shift 2
  echo "x $wav" > $OUT/wav.scp
  compute-$kind-feats --dither=0 "$@" scp:$OUT/wav.scp ark,t:$OUT/ours.txt
  run "${VOX_PYTHON:-/usr/bin/python3}" "$VOX_ROOT/tests/reference/fbank_torchaudio.py" $kind "$wav" $OUT/ours.txt "$@"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "fbank hamming, 23 bins" { check fbank wav/a_speech.wav --window-type=hamming --num-mel-bins=23; }
@test "fbank hanning, no snip-edges, 40 bins" { check fbank wav/c_noisy.wav --window-type=hanning --snip-edges=false --num-mel-bins=40; }
@test "fbank rectangular, energy, 64 bins" { check fbank wav/a_speech.wav --window-type=rectangular --use-energy=true --num-mel-bins=64; }
@test "fbank blackman, energy, htk-compat, 80 bins" { check fbank wav/c_noisy.wav --window-type=blackman --use-energy=true --htk-compat=true --num-mel-bins=80; }
@test "fbank povey, low/high freq, 64 bins" { check fbank wav/a_speech.wav --low-freq=40 --high-freq=-200 --num-mel-bins=64; }
@test "fbank energy after pre-emphasis (raw-energy false), 40 bins" { check fbank wav/c_noisy.wav --use-energy=true --raw-energy=false --num-mel-bins=40; }
@test "fbank 320-point FFT, magnitude, 20/8 ms frames" { check fbank wav/a_speech.wav --round-to-power-of-two=false --use-power=false --frame-length=20 --frame-shift=8; }
@test "fbank 8 kHz, 23 bins" { check fbank wav/f_nb8k.wav --sample-frequency=8000 --num-mel-bins=23; }
@test "fbank 8 kHz, no snip-edges, high-freq 3800, 40 bins" { check fbank wav/f_nb8k.wav --sample-frequency=8000 --snip-edges=false --high-freq=3800 --num-mel-bins=40; }
@test "mfcc default" { check mfcc wav/a_speech.wav; }
@test "mfcc VoxCeleb options" { check mfcc wav/c_noisy.wav --num-ceps=30 --num-mel-bins=30 --snip-edges=false --low-freq=20 --high-freq=-400; }
@test "mfcc htk-compat without energy" { check mfcc wav/a_speech.wav --htk-compat=true --use-energy=false; }
@test "mfcc 8 kHz" { check mfcc wav/f_nb8k.wav --sample-frequency=8000; }
