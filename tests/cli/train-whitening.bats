#!/usr/bin/env bats
# train-whitening: the whitened training vectors have zero mean and identity covariance.

load backend-common

setup() { setup_backend; }

check_white() {
  "$PYTHON" -c '
import sys
vecs = [[float(x) for x in l.split("[")[1].split("]")[0].split()] for l in open(sys.argv[1])]
n, d = len(vecs), len(vecs[0])
mean = [sum(c) / n for c in zip(*vecs)]
assert all(abs(m) < 1e-4 for m in mean), mean
for i in range(d):
    for j in range(d):
        c = sum((v[i] - mean[i]) * (v[j] - mean[j]) for v in vecs) / n
        assert abs(c - (1.0 if i == j else 0.0)) < 1e-3, (i, j, c)
' "$1"
}

@test "train-whitening: zca and pca whiten the training data" {
  for t in zca pca; do
    train-whitening --type=$t scp:train_xvector.scp w.mat
    transform-vec w.mat scp:train_xvector.scp ark,t:white.txt
    check_white white.txt
  done
}

@test "train-whitening: bad type, singular covariance warns, NaN fails" {
  run train-whitening --type=foo scp:train_xvector.scp w.mat
  [ "$status" -eq 1 ]
  [[ "$output" == *"--type must be zca or pca"* ]]
  head -10 train_xvector.scp > few.scp
  run train-whitening scp:few.scp w.mat
  [ "$status" -eq 0 ]
  [[ "$output" == *"the covariance is singular or nearly so"* ]]
  printf 'a 3 1 2 3\nb 3 1 nan 3\n' | make_binary_vectors nan.ark
  rm -f w.mat
  run train-whitening ark:nan.ark w.mat
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector b has a NaN or Inf element"* ]]
  [ ! -e w.mat ]
}
