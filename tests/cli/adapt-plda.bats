#!/usr/bin/env bats
# adapt-plda: Kaldi's ivector-adapt-plda (no Kaldi fixture: the defining property is checked,
# and the library's unit test checks the maths).

load backend-common

setup() { setup_backend; }

@test "adapt-plda: the model's mean becomes the adaptation data's; scoring still works" {
  adapt-plda --binary=false plda ark,t:test_norm.txt adapted.txt
  grep -q '<Plda>' adapted.txt
  score-plda adapted.txt ark,t:enroll_norm.txt ark,t:test_norm.txt trials s
  [ "$(wc -l < s)" -eq 108 ]
  # Mean of test_norm.txt equals the adapted model's mean.
  "$PYTHON" -c '
import re
vecs = [[float(x) for x in l.split("[")[1].split("]")[0].split()] for l in open("test_norm.txt")]
mean = [sum(c) / len(vecs) for c in zip(*vecs)]
m = [float(x) for x in re.search(r"<Plda>\s*\[(.*?)\]", open("adapted.txt").read(), re.S).group(1).split()]
assert all(abs(a - b) < 1e-5 for a, b in zip(mean, m)), (mean, m)
'
}

@test "adapt-plda: dimension mismatch and NaN" {
  run adapt-plda --help
  [[ "$output" == *"ivector-adapt-plda"* ]]
  run adapt-plda plda scp:test_xvector.scp out
  [ "$status" -eq 1 ]
  [[ "$output" == *"dimension 24"* ]]
  printf 'a 16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 nan\n' | make_binary_vectors nan.ark
  run adapt-plda plda ark:nan.ark out
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector a has a NaN or Inf element"* ]]
  [ ! -e out ]
}
