#!/usr/bin/env bats
# copy-vector: single vectors and vector tables, against Kaldi's tables/ fixtures.

load tables-common

setup() {
  setup_fixture_copy
  cd "$BATS_TEST_TMPDIR/tables"
}

@test "copy-vector: text table -> ark,scp and text, byte-identical to Kaldi (empty vector too)" {
  copy-vector ark,t:float_vecs.in.txt ark,scp:out.ark,out.scp
  cmp out.ark float_vecs.ark
  sed 's/ out.ark:/ float_vecs.ark:/' out.scp | cmp - float_vecs.scp
  copy-vector ark,t:float_vecs.in.txt ark,t:out.txt
  cmp out.txt float_vecs.txt
  copy-vector scp:float_vecs.scp ark,t:- | cmp - float_vecs.txt
  assert_no_tmp_files
}

@test "copy-vector: single objects, byte-identical to Kaldi" {
  copy-vector --binary=true single_vec.in.txt out.bin
  cmp out.bin single_vec.bin
  copy-vector --binary=false single_vec.in.txt - | cmp - single_vec.txt
}

@test "copy-vector: double vectors (DV) are read as float as Kaldi does" {
  copy-vector --binary=false double_mean.bin - | cmp - double_mean.asfloat.txt
  copy-vector ark:double_vecs.hand.ark ark,t:- | cmp - double_vecs.hand.kaldi.txt
  copy-vector ark:double_vecs.hand.ark ark:- | cmp - double_vecs.hand.asfloat.ark
}

@test "copy-vector: h5 round trip; vectors are 1-D datasets" {
  copy-vector ark:float_vecs.ark h5:v.h5
  copy-vector h5:v.h5 ark:- | cmp - float_vecs.ark
  h5dump -H -d xvec_512 v.h5 | grep -q '( 512 )'
}

@test "copy-vector: a matrix where a vector is expected fails naming the key" {
  run copy-vector ark:float_mats.ark ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key empty_0x0 from ark:float_mats.ark"* ]]
  [ ! -e out.ark ]
  assert_no_tmp_files
}

@test "copy-vector: truncated archive, NaN and empty input fail with no output left" {
  head -c 2000 float_vecs.ark > trunc.ark
  run copy-vector ark:trunc.ark ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key xvec_512 from ark:trunc.ark"* ]]
  printf 'v1 [ 1 nan 3 ]\n' > nan.txt
  run copy-vector ark,t:nan.txt ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"v1"* ]]
  : > empty.ark
  run copy-vector ark:empty.ark ark:out.ark
  [ "$status" -eq 1 ]
  [ ! -e out.ark ]
  assert_no_tmp_files
}
