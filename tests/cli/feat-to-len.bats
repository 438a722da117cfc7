#!/usr/bin/env bats
# feat-to-len: frame counts as an int32 table, or of one feature file.

load tables-common

setup() {
  setup_fixture_copy
  cd "$BATS_TEST_TMPDIR/tables"
}

@test "feat-to-len: text and binary int32 tables identical to Kaldi's float_mats.len.*" {
  feat-to-len scp:float_mats.scp ark,t:len.txt
  cmp len.txt float_mats.len.txt
  feat-to-len scp:float_mats.scp ark:len.ark
  cmp len.ark float_mats.len.ark
  feat-to-len ark:float_mats.ark ark,t:- | cmp - float_mats.len.txt
}

@test "feat-to-len: Kaldi's fbank_default.len.txt from its scp" {
  [ -d "$KALDI_FIXTURES/features" ] || skip "features fixtures missing"
  cd "$KALDI_FIXTURES/features"
  feat-to-len scp:fbank_default.scp ark,t:- | cmp - fbank_default.len.txt
}

@test "feat-to-len: one feature file (an rxfilename with an offset) prints its rows" {
  run feat-to-len float_mats.ark:618
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "123" ]
  [ "$(feat-to-len single_mat.bin 2>/dev/null)" = "2" ]
}

@test "feat-to-len: h5 input" {
  copy-feats ark:float_mats.ark h5:f.h5
  feat-to-len h5:f.h5 ark,t:- | cmp - float_mats.len.txt
}

@test "feat-to-len: missing scp target, bad offset and empty input fail, no output left" {
  echo "x nothere.ark:5" > miss.scp
  run feat-to-len scp:miss.scp ark,t:len.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key x from scp:miss.scp"* ]]
  [ ! -e len.txt ]
  echo "x float_mats.ark:11" > off.scp
  run feat-to-len scp:off.scp ark,t:len.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key x from scp:off.scp"* ]]
  [ ! -e len.txt ]
  : > empty.ark
  run feat-to-len ark:empty.ark ark,t:len.txt
  [ "$status" -eq 1 ]
  [ ! -e len.txt ]
  assert_no_tmp_files
}
