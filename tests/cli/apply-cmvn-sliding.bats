#!/usr/bin/env bats
# apply-cmvn-sliding: identical to Kaldi's on the fixtures (three option sets); bad input.
load feat-helpers

setup() { feat_setup; }

@test "apply-cmvn-sliding --help" {
  run apply-cmvn-sliding --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"--cmn-window"* ]]
  [[ "$output" == *"--center"* ]]
}

@test "VoxCeleb centred window is identical to Kaldi's" {
  apply-cmvn-sliding --norm-vars=false --center=true --cmn-window=300 ark:mfcc_vox.ark ark,t:$OUT/c.txt
  cmp $OUT/c.txt cmvn_vox.txt
}

@test "variance normalisation and a left window match Kaldi's" {
  apply-cmvn-sliding --norm-vars=true --center=true --cmn-window=50 --min-cmn-window=10 ark:mfcc_default.ark ark,t:$OUT/a.txt
  under "$(max_abs_diff $OUT/a.txt cmvn_normvars_w50.txt)" 1e-4
  apply-cmvn-sliding --norm-vars=false --center=false --cmn-window=100 --min-cmn-window=20 ark:mfcc_default.ark ark,t:$OUT/b.txt
  under "$(max_abs_diff $OUT/b.txt cmvn_left_w100.txt)" 1e-4
}

@test "bad window options and a missing input are errors" {
  run apply-cmvn-sliding --cmn-window=50 ark:mfcc_default.ark ark:$OUT/c.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--min-cmn-window=100"* ]]
  run apply-cmvn-sliding ark:/nonexistent.ark ark:$OUT/c.ark
  [ "$status" -eq 1 ]
  [ ! -e $OUT/c.ark ]
}
