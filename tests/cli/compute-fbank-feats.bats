#!/usr/bin/env bats
# compute-fbank-feats: Kaldi's fixtures, options, and bad input (wrong rate, empty wav,
# zero-length segment). Numbers are checked tightly in tests/unit/feat/fbank-test.cc; here
# the tool as a user runs it: 0.05 covers the FFT-noise bins that test explains.
load feat-helpers

setup() { feat_setup; }

@test "compute-fbank-feats --help prints usage and options" {
  run compute-fbank-feats --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: compute-fbank-feats"* ]]
  [[ "$output" == *"--num-mel-bins"* ]]
  [[ "$output" == *"--sample-rate"* ]]
}

@test "default fbank equals Kaldi's (frame counts, values) and utt2dur" {
  run compute-fbank-feats --dither=0 --write-utt2dur=ark,t:$OUT/utt2dur scp:wav.scp ark,t:$OUT/f.txt
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 5, errors 0"* ]]
  [[ "$output" == *"e_stereo"*"2 channels"* ]]
  d=$(max_abs_diff $OUT/f.txt fbank_default.txt)
  under "$d" 0.05
  cmp $OUT/utt2dur utt2dur.txt
}

@test "80 bins, no snip-edges, binary ark,scp output" {
  run compute-fbank-feats --dither=0 --num-mel-bins=80 --snip-edges=false scp:wav.scp ark,scp:$OUT/f.ark,$OUT/f.scp
  [ "$status" -eq 0 ]
  copy-feats scp:$OUT/f.scp ark,t:$OUT/f.txt
  d=$(max_abs_diff $OUT/f.txt fbank_80_nosnip.txt)
  under "$d" 0.05
}

@test "--allow-upsample uses Kaldi's resampler and matches Kaldi" {
  run compute-fbank-feats --dither=0 --allow-upsample=true scp:wav_8k.scp ark,t:$OUT/f.txt
  [ "$status" -eq 0 ]
  d=$(max_abs_diff $OUT/f.txt fbank_8k_upsampled.txt)
  under "$d" 0.05
}

@test "8 kHz audio without --sample-rate is an error naming the fix, nothing written" {
  run compute-fbank-feats --dither=0 scp:wav_8k.scp ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"f_nb8k"*"8000 Hz"*"--sample-rate=16000"* ]]
  [ ! -e $OUT/f.ark ]
}

@test "--sample-rate=16000 resamples 8 kHz audio (libsoxr)" {
  run compute-fbank-feats --dither=0 --sample-rate=16000 scp:wav_8k.scp ark,t:$OUT/f.txt
  [ "$status" -eq 0 ]
  # Same frame count as Kaldi's upsampled features; values differ (another resampler).
  [ "$(grep -c '^ ' $OUT/f.txt)" -eq "$(grep -c '^ ' fbank_8k_upsampled.txt)" ]
}

@test "--sample-rate resamples as wav-to-h5 --sample-rate does (one resampler for every tool)" {
  compute-fbank-feats --dither=0 --sample-rate=16000 scp:wav_8k.scp ark,t:$OUT/direct.txt
  wav-to-h5 --format=float32 --sample-rate=16000 scp:wav_8k.scp $OUT/16k.h5
  compute-fbank-feats --dither=0 h5:$OUT/16k.h5 ark,t:$OUT/via-h5.txt
  # float32 datasets hold samples / 32768 exactly, so the features are the same numbers.
  cmp $OUT/direct.txt $OUT/via-h5.txt
  # With segments the recording is resampled first, then cut at 16 kHz.
  printf 's1 f_nb8k 0.2 0.7\n' > $OUT/segments
  run compute-fbank-feats --dither=0 --sample-rate=16000 --segments=$OUT/segments scp:wav_8k.scp ark,t:$OUT/seg.txt
  [ "$status" -eq 0 ]
  [ "$(grep -c '^ ' $OUT/seg.txt)" -eq 48 ]  # 0.5 s at 16 kHz: (8000 - 400) / 160 + 1 frames
}

@test "--sample-rate differing from --sample-frequency is refused at startup" {
  run compute-fbank-feats --sample-rate=8000 scp:wav.scp ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--sample-rate=8000 differs from --sample-frequency=16000"* ]]
}

@test "an empty wav and a too-short wav are counted errors; --max-errors lets the rest through" {
  : > $OUT/empty.wav
  sox -n -r 16000 -b 16 -c 1 $OUT/short.wav trim 0 0.01
  printf 'a_speech wav/a_speech.wav\nempty %s\nshort %s\n' $OUT/empty.wav $OUT/short.wav > $OUT/wav.scp
  run compute-fbank-feats --dither=0 scp:$OUT/wav.scp ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"empty"* ]]
  [[ "$output" == *"short"*"shorter than one frame"* ]]
  [[ "$output" == *"Done 1, errors 2"* ]]
  [ ! -e $OUT/f.ark ]
  run compute-fbank-feats --dither=0 --max-errors=2 scp:$OUT/wav.scp ark,t:$OUT/f.txt
  [ "$status" -eq 0 ]
  [ "$(grep -c '\[' $OUT/f.txt)" -eq 1 ]
}

@test "a zero-length segment stops the run naming the line; a sub-sample one is a counted error" {
  printf 'seg1 a_speech 0.10 0.60\nseg0 a_speech 0.50 0.50\n' > $OUT/segments
  run compute-fbank-feats --dither=0 --segments=$OUT/segments scp:wav_a.scp ark,t:$OUT/f.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"line 2"*"seg0"* ]]
  [ ! -e $OUT/f.txt ]
  printf 'seg1 a_speech 0.10 0.60\nseg0 a_speech 0.50 0.50001\n' > $OUT/segments
  run compute-fbank-feats --dither=0 --segments=$OUT/segments scp:wav_a.scp ark,t:$OUT/f.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"seg0"* ]]
  [ ! -e $OUT/f.txt ]
  run compute-fbank-feats --dither=0 --max-errors=1 --segments=$OUT/segments scp:wav_a.scp ark,t:$OUT/f.txt
  [ "$status" -eq 0 ]
  [ "$(grep -c '^seg1' $OUT/f.txt)" -eq 1 ]
  [ "$(grep -c '^seg0' $OUT/f.txt)" -eq 0 ]
}

@test "dither is reproducible with --seed and changes with it" {
  compute-fbank-feats --seed=1 scp:wav_a.scp ark,t:$OUT/a.txt
  compute-fbank-feats --seed=1 scp:wav_a.scp ark,t:$OUT/b.txt
  compute-fbank-feats --seed=2 scp:wav_a.scp ark,t:$OUT/c.txt
  cmp $OUT/a.txt $OUT/b.txt
  ! cmp -s $OUT/a.txt $OUT/c.txt
}

@test "bad option values name the option" {
  run compute-fbank-feats --window-type=kaiser scp:wav.scp ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--window-type=kaiser"* ]]
  run compute-fbank-feats --high-freq=9000 scp:wav.scp ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--high-freq=9000"* ]]
}
