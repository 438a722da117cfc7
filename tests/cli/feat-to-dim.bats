#!/usr/bin/env bats
# feat-to-dim: feature dimensions as an int32 table, or the first one as text.

load tables-common

setup() {
  setup_fixture_copy
  cd "$BATS_TEST_TMPDIR/tables"
}

@test "feat-to-dim: int32 text table identical to Kaldi's float_mats.dim.txt (empty matrix: 0)" {
  feat-to-dim ark:float_mats.ark ark,t:dim.txt
  cmp dim.txt float_mats.dim.txt
  feat-to-dim scp:float_mats.scp ark,t:- | cmp - float_mats.dim.txt
}

@test "feat-to-dim: a non-table output prints the first utterance's dimension" {
  run feat-to-dim scp:float_mats.scp -
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "0" ]
  tail -n +7 float_mats.scp > last.scp
  [ "$(feat-to-dim scp:last.scp - 2>/dev/null)" = "80" ]
  feat-to-dim scp:last.scp dim.out
  [ "$(cat dim.out)" = "80" ]
}

@test "feat-to-dim: reads compressed and h5 input" {
  [ "$(feat-to-dim ark:../compress/fbank.cm1.ark - 2>/dev/null)" = "80" ]
  copy-feats ark:float_mats.ark h5:f.h5
  feat-to-dim h5:f.h5 ark,t:- | cmp - float_mats.dim.txt
}

@test "feat-to-dim: empty input and a truncated archive fail, no output left" {
  : > empty.ark
  run feat-to-dim ark:empty.ark ark,t:dim.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"empty input"* ]]
  [ ! -e dim.txt ]
  run feat-to-dim ark:empty.ark -
  [ "$status" -eq 1 ]
  head -c 1000 float_mats.ark > trunc.ark
  run feat-to-dim ark:trunc.ark ark,t:dim.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key fbank_123x80 from ark:trunc.ark"* ]]
  [ ! -e dim.txt ]
  assert_no_tmp_files
}
