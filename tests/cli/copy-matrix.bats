#!/usr/bin/env bats
# copy-matrix: single matrices and matrix tables, against Kaldi's tables/ fixtures.

load tables-common

setup() {
  setup_fixture_copy
  cd "$BATS_TEST_TMPDIR/tables"
}

@test "copy-matrix: single object, text input to binary and text, byte-identical to Kaldi" {
  copy-matrix --binary=true single_mat.in.txt out.bin
  cmp out.bin single_mat.bin
  copy-matrix --binary=false single_mat.in.txt out.txt
  cmp out.txt single_mat.txt
  copy-matrix --binary=false single_mat.bin - | cmp - single_mat.txt
  assert_no_tmp_files
}

@test "copy-matrix: table mode writes the same archive as copy-feats (Kaldi checked this too)" {
  copy-matrix ark,t:float_mats.in.txt ark,scp:out.ark,out.scp
  cmp out.ark float_mats.ark
  sed 's/ out.ark:/ float_mats.ark:/' out.scp | cmp - float_mats.scp
}

@test "copy-matrix: double matrices are read as float exactly as Kaldi does" {
  copy-matrix ark:double_mats.hand.ark ark,t:- | cmp - double_mats.hand.kaldi.txt
  copy-matrix ark:double_mats.hand.ark ark:- | cmp - double_mats.hand.asfloat.ark
}

@test "copy-matrix: --scale multiplies every element" {
  copy-matrix --scale=2 --binary=false single_mat.in.txt out.txt
  grep -q '3 -4 6' out.txt
  grep -q '8 10.5 -0.00012' out.txt
}

@test "copy-matrix: h5 table round trip" {
  copy-matrix ark:float_mats.ark h5:m.h5
  copy-matrix h5:m.h5 ark:- | cmp - float_mats.ark
}

@test "copy-matrix: a missing input file fails naming it, no output left" {
  run copy-matrix nothere.mat out.mat
  [ "$status" -eq 1 ]
  [[ "$output" == *"nothere.mat"* ]]
  [ ! -e out.mat ]
  assert_no_tmp_files
}

@test "copy-matrix: a truncated single object fails, no output left" {
  head -c 30 single_mat.bin > trunc.bin
  run copy-matrix trunc.bin out.mat
  [ "$status" -eq 1 ]
  [[ "$output" == *"trunc.bin"* || "$output" == *"truncated"* ]]
  [ ! -e out.mat ]
  assert_no_tmp_files
}

@test "copy-matrix: NaN in a text table fails naming the key, no output left" {
  printf 'm1 [ 1 2 ]\nm2 [ 1 nan ]\n' > nan.txt
  run copy-matrix ark,t:nan.txt ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key m2 from ark,t:nan.txt"* ]]
  [ ! -e out.ark ]
  assert_no_tmp_files
}

@test "copy-matrix: a ragged text matrix (wrong dims) fails naming the key" {
  printf 'm1 [ 1 2\n 3 ]\n' > ragged.txt
  run copy-matrix ark,t:ragged.txt ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key m1 from ark,t:ragged.txt"* ]]
  [ ! -e out.ark ]
}

@test "copy-matrix: empty table input is an error" {
  : > empty.ark
  run copy-matrix ark:empty.ark ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"empty input"* ]]
  [ ! -e out.ark ]
}
