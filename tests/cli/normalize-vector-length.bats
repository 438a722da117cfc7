#!/usr/bin/env bats
# normalize-vector-length: Kaldi's ivector-normalize-length.

load backend-common

setup() { setup_backend; }

@test "normalize-vector-length: Kaldi's lengths and log, --scaleup=false" {
  run normalize-vector-length ark,t:train_lda.txt ark,t:norm.txt
  [ "$status" -eq 0 ]
  [[ "$output" == *"Average ratio of vector to expected length was 1.52796, standard deviation was 0.343654"* ]]
  compare vectors norm.txt train_lda_norm.txt --tol=1e-5
  normalize-vector-length --scaleup=false ark,t:train_lda.txt ark,t:norm1.txt
  compare vectors norm1.txt train_lda_norm_noscaleup.txt --tol=1e-5
  # The whole chain from raw x-vectors, against Kaldi's (LDA rows have arbitrary signs).
  normalize-vector-length "ark:subtract-vector-mean scp:train_xvector.scp ark:- | transform-vec transform.mat ark:- ark:- |" ark,t:chain.txt
  compare vectors chain.txt train_lda_norm.txt
}

@test "normalize-vector-length: zero vector warns, NaN fails" {
  printf 'a [ 0 0 ]\nb [ 3 4 ]\n' > z.txt
  run normalize-vector-length --scaleup=false ark,t:z.txt ark,t:out.txt
  [ "$status" -eq 0 ]
  [[ "$output" == *"vector a is zero"* ]]
  grep -q 'b  \[ 0.6 0.8 \]' out.txt
  printf 'a 2 1 nan\n' | make_binary_vectors nan.ark
  run normalize-vector-length ark:nan.ark ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector a has a NaN or Inf element (index 1)"* ]]
  [ ! -e out.ark ]
}
