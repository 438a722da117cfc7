#!/usr/bin/env bats
# compute-vector-mean: Kaldi's ivector-mean (global), byte for byte.

load backend-common

setup() { setup_backend; }

@test "compute-vector-mean: same text and binary double vector as Kaldi's ivector-mean" {
  compute-vector-mean scp:train_xvector.scp out.vec
  cmp out.vec mean.vec
  compute-vector-mean --binary=true scp:train_xvector.scp out.bin
  cmp out.bin mean.vec.bin
  assert_no_tmp_files
}

@test "compute-vector-mean: --help, dimension mismatch, NaN, empty input" {
  run compute-vector-mean --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"See also"*"ivector-mean"* ]]
  printf 'a [ 1 2 3 ]\nb [ 1 2 ]\n' > bad.txt
  run compute-vector-mean ark,t:bad.txt out.vec
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector b has dimension 2, the previous ones 3"* ]]
  printf 'a 3 1 2 3\nb 3 1 nan 3\n' | make_binary_vectors nan.ark
  run compute-vector-mean ark:nan.ark out.vec
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector b has a NaN or Inf element"* ]]
  : > empty.ark
  run compute-vector-mean ark:empty.ark out.vec
  [ "$status" -eq 1 ]
  [[ "$output" == *"no vectors"* ]]
  [ ! -e out.vec ]
  assert_no_tmp_files
}
