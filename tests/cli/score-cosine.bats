#!/usr/bin/env bats
# score-cosine: cosine scores against a direct computation in Python.

load backend-common

setup() { setup_backend; }

@test "score-cosine: equals the cosine of mean-subtracted vectors" {
  score-cosine --mean=mean.vec ark,t:enroll_spk_xvector.txt scp:test_xvector.scp trials ours
  "$PYTHON" -c '
import re
def load(p):
    return {l.split()[0]: [float(x) for x in l.split("[")[1].split("]")[0].split()] for l in open(p)}
e, t = load("enroll_spk_xvector.txt"), load("test_xvector.txt")
m = [float(x) for x in open("mean.vec").read().replace("[", " ").replace("]", " ").split()]
for line in open("trials"):
    a, b, _ = line.split()
    x = [u - v for u, v in zip(e[a], m)]
    y = [u - v for u, v in zip(t[b], m)]
    dot = sum(u * v for u, v in zip(x, y))
    print("%s %s %.7g" % (a, b, dot / (sum(u * u for u in x) * sum(v * v for v in y)) ** 0.5))
' > ref
  compare scores ours ref --tol=1e-5
  [ "$(wc -l < ours)" -eq 108 ]
}

@test "score-cosine: unknown key, dimension mismatch, zero vector" {
  run score-cosine ark,t:enroll_spk_xvector.txt scp:test_xvector.scp trials_missing out
  [ "$status" -eq 1 ]
  [[ "$output" == *"Key ev99 (line 2 of the trials) not present in enrollment vectors."* ]]
  [ ! -e out ]
  run score-cosine ark,t:enroll_lda.txt scp:test_xvector.scp trials out
  [ "$status" -eq 1 ]
  [[ "$output" == *"enrollment vectors have dimension 16, test vectors 24"* ]]
  printf 'ev01 [ 0 0 ]\n' > z.txt
  run score-cosine ark,t:z.txt ark,t:z.txt trials out
  [ "$status" -eq 1 ]
  [[ "$output" == *"enrollment vector ev01: vector is zero"* ]]
}
