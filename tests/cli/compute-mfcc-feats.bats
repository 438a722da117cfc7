#!/usr/bin/env bats
# compute-mfcc-feats: Kaldi's fixtures (default and the VoxCeleb config) and bad input.
load feat-helpers

setup() { feat_setup; }

@test "compute-mfcc-feats --help" {
  run compute-mfcc-feats --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: compute-mfcc-feats"* ]]
  [[ "$output" == *"--num-ceps"* ]]
  [[ "$output" == *"--cepstral-lifter"* ]]
}

@test "VoxCeleb MFCC config (--config) matches Kaldi" {
  run compute-mfcc-feats --config=conf/mfcc.conf --dither=0 scp:wav.scp ark,t:$OUT/m.txt
  [ "$status" -eq 0 ]
  d=$(max_abs_diff $OUT/m.txt mfcc_vox.txt)
  under "$d" 0.05
}

@test "default MFCC and 8 kHz MFCC match Kaldi" {
  compute-mfcc-feats --dither=0 scp:wav.scp ark,t:$OUT/m.txt
  under "$(max_abs_diff $OUT/m.txt mfcc_default.txt)" 0.05
  compute-mfcc-feats --dither=0 --sample-frequency=8000 scp:wav_8k.scp ark,t:$OUT/m8.txt
  under "$(max_abs_diff $OUT/m8.txt mfcc_8k.txt)" 0.05
}

@test "wrong sample rate, too many ceps, missing wav" {
  run compute-mfcc-feats --dither=0 scp:wav_8k.scp ark:$OUT/m.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"8000 Hz"* ]]
  [ ! -e $OUT/m.ark ]
  run compute-mfcc-feats --num-ceps=40 scp:wav.scp ark:$OUT/m.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--num-ceps=40"* ]]
  echo "x /nonexistent.wav" > $OUT/wav.scp
  run compute-mfcc-feats scp:$OUT/wav.scp ark:$OUT/m.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"Done 0, errors 1"* ]]
  [ ! -e $OUT/m.ark ]
}
