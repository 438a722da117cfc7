#!/usr/bin/env bats
# compute-vad: decisions byte-identical to Kaldi's on the fixtures, and bad input.
load feat-helpers

setup() { feat_setup; }

@test "compute-vad --help" {
  run compute-vad --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"--vad-energy-threshold"* ]]
  [[ "$output" == *"--vad-frames-context"* ]]
}

@test "default and VoxCeleb VAD are identical to Kaldi's" {
  compute-vad ark:mfcc_default.ark ark,t:$OUT/v.txt
  cmp $OUT/v.txt vad_default.txt
  compute-vad --config=conf/vad.conf ark:mfcc_vox.ark ark,t:$OUT/vv.txt
  cmp $OUT/vv.txt vad_vox.txt
}

@test "bad proportion threshold and empty features are errors" {
  run compute-vad --vad-proportion-threshold=1.5 ark:mfcc_default.ark ark:$OUT/v.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--vad-proportion-threshold=1.5"* ]]
  printf 'e  [ ]\n' > $OUT/empty.txt
  run compute-vad ark,t:$OUT/empty.txt ark:$OUT/v.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"e: empty features"* ]]
  [ ! -e $OUT/v.ark ]
}

@test "a truncated archive is an error" {
  head -c 3000 mfcc_default.ark > $OUT/trunc.ark
  run compute-vad ark:$OUT/trunc.ark ark:$OUT/v.ark
  [ "$status" -eq 1 ]
  [ ! -e $OUT/v.ark ]
}
