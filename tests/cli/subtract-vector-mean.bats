#!/usr/bin/env bats
# subtract-vector-mean: Kaldi's ivector-subtract-global-mean, byte for byte.

load backend-common

setup() { setup_backend; }

@test "subtract-vector-mean: with mean.vec and with the input's own mean, identical to Kaldi" {
  subtract-vector-mean mean.vec scp:train_xvector.scp ark,t:sub.txt
  cmp sub.txt train_sub.txt
  subtract-vector-mean scp:train_xvector.scp ark,t:self.txt
  cmp self.txt train_sub_selfmean.txt
  subtract-vector-mean mean.vec "ark:average-vectors ark:enroll_spk2utt scp:enroll_xvector.scp ark:- |" ark,t:e.txt
  cmp e.txt enroll_sub.txt
  subtract-vector-mean mean.vec scp:test_xvector.scp ark,t:t.txt
  cmp t.txt test_sub.txt
  assert_no_tmp_files
}

@test "subtract-vector-mean: dimension mismatch with the mean, NaN" {
  run subtract-vector-mean --help
  [[ "$output" == *"ivector-subtract-global-mean"* ]]
  printf 'a [ 1 2 3 ]\n' > bad.txt
  run subtract-vector-mean mean.vec ark,t:bad.txt ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector a has dimension 3, the mean in mean.vec 24"* ]]
  printf 'a 3 1 2 3\nb 3 1 inf 3\n' | make_binary_vectors nan.ark
  run subtract-vector-mean ark:nan.ark ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector b has a NaN or Inf element"* ]]
  [ ! -e out.ark ]
  assert_no_tmp_files
}
