#!/usr/bin/env bats
# select-voiced-frames: identical to Kaldi's on the fixtures; missing and mismatched VAD.
load feat-helpers

setup() { feat_setup; }

@test "select-voiced-frames --help" {
  run select-voiced-frames --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: select-voiced-frames"* ]]
}

@test "default and VoxCeleb order (CMN, then VAD) are identical to Kaldi's" {
  select-voiced-frames ark:mfcc_default.ark ark,t:vad_default.txt ark,t:$OUT/s.txt
  cmp $OUT/s.txt voiced_default.txt
  select-voiced-frames "ark:apply-cmvn-sliding --norm-vars=false --center=true --cmn-window=300 ark:mfcc_vox.ark ark:- |" ark,t:vad_vox.txt ark,t:$OUT/sv.txt
  cmp $OUT/sv.txt voiced_vox.txt
}

@test "missing VAD and wrong VAD length are counted errors" {
  grep -v '^a_speech' vad_default.txt > $OUT/vad.txt
  run select-voiced-frames ark:mfcc_default.ark ark,t:$OUT/vad.txt ark:$OUT/s.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"a_speech: no VAD"* ]]
  [[ "$output" == *"Done 4, errors 1"* ]]
  [ ! -e $OUT/s.ark ]
  sed -E 's/^b_tones  \[ [01] /b_tones  [ /' vad_default.txt > $OUT/vad2.txt
  run select-voiced-frames --max-errors=1 ark:mfcc_default.ark ark,t:$OUT/vad2.txt ark:$OUT/s.ark
  [ "$status" -eq 0 ]
  [[ "$output" == *"b_tones: 78 frames but the VAD has 77"* ]]
}
