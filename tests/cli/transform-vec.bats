#!/usr/bin/env bats
# transform-vec: Kaldi's transform-vec with Kaldi's LDA matrix.

load backend-common

setup() { setup_backend; }

@test "transform-vec: Kaldi's affine LDA on each stage of the recipe" {
  transform-vec transform.mat ark,t:train_sub_selfmean.txt ark,t:lda.txt
  compare vectors lda.txt train_lda.txt
  transform-vec transform.mat ark,t:enroll_sub.txt ark,t:e.txt
  compare vectors e.txt enroll_lda.txt
  transform-vec transform.mat ark,t:test_sub.txt ark,t:t.txt
  compare vectors t.txt test_lda.txt
  # A linear (square) transform: the identity.
  printf ' [\n 1 0\n 0 1 ]\n' > eye.txt
  printf 'a [ 3 4 ]\n' > v.txt
  transform-vec eye.txt ark,t:v.txt ark,t:- | grep -q 'a  \[ 3 4 \]'
}

@test "transform-vec: dimension mismatch names the key and the shapes" {
  printf 'a [ 1 2 3 ]\n' > bad.txt
  run transform-vec transform.mat ark,t:bad.txt ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector a and transform transform.mat: transform is 16 x 25 but the vector has dimension 3"* ]]
  [ ! -e out.ark ]
}
