#!/usr/bin/env bats
# score-norm: S-norm and AS-norm against WeSpeaker's formula computed in numpy, and its bad
# inputs (unknown key, dimension mismatch, NaN, empty input, bad method).

load backend-common

setup() {
  setup_backend
  score-cosine --mean=mean.vec ark,t:enroll_spk_xvector.txt ark,t:test_xvector.txt trials cos 2>/dev/null
  copy-vector scp:train_xvector.scp ark,t:cohort.txt 2>/dev/null
}

# numpy: <cohort.txt> <enroll.txt> <test.txt> <mean.vec (text)> <scores> <top-n, 0: all>
reference() {
  "$PYTHON" - "$@" <<'PY'
import sys
import numpy as np
def numbers(text):
    return [float(x) for x in text.replace('[', ' ').replace(']', ' ').split()]
def load(path):
    out = {}
    for line in open(path):
        k, rest = line.split(None, 1)
        out[k] = np.array(numbers(rest))
    return out
cohort, enroll, test = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
mean = np.array(numbers(open(sys.argv[4]).read()))
c = np.stack([v - mean for v in cohort.values()])
c /= np.linalg.norm(c, axis=1, keepdims=True)
top_n = int(sys.argv[6]) or len(c)
def stats(v):
    v = v - mean
    s = np.sort(c @ (v / np.linalg.norm(v)))[::-1][:top_n]
    return s.mean(), s.std()
for line in open(sys.argv[5]):
    e, t, s = line.split()
    (me, se), (mt, st) = stats(enroll[e]), stats(test[t])
    print(e, t, 0.5 * ((float(s) - me) / se + (float(s) - mt) / st))
PY
}

@test "score-norm: AS-norm and S-norm equal WeSpeaker's formula (numpy)" {
  score-norm --top-n=50 --mean=mean.vec ark,t:cohort.txt ark,t:enroll_spk_xvector.txt ark,t:test_xvector.txt cos asnorm
  score-norm --method=s-norm --mean=mean.vec ark,t:cohort.txt ark,t:enroll_spk_xvector.txt scp:test_xvector.scp cos snorm
  reference cohort.txt enroll_spk_xvector.txt test_xvector.txt mean.vec cos 50 > ref_as
  reference cohort.txt enroll_spk_xvector.txt test_xvector.txt mean.vec cos 0 > ref_s
  [ "$(wc -l < asnorm)" -eq 108 ]
  # %.7g output against double: 1e-5 relative (scores are of order 1).
  compare scores asnorm ref_as --tol=1e-5
  compare scores snorm ref_s --tol=1e-5
  # The two normalisations differ, so the comparison above could fail.
  ! cmp -s asnorm snorm
  # --top-n beyond the cohort is S-norm, with a warning.
  run score-norm --top-n=100000 --mean=mean.vec ark,t:cohort.txt ark,t:enroll_spk_xvector.txt ark,t:test_xvector.txt cos big
  [ "$status" -eq 0 ]
  [[ "$output" == *"exceeds the cohort size 160"* ]]
  cmp big snorm
}

@test "score-norm: unknown key, dimension mismatch, NaN, empty input, bad method" {
  printf 'ev99 ev01-tst1 0.5\nev01 ev01-tst1 0.4\n' > missing
  run score-norm ark,t:cohort.txt ark,t:enroll_spk_xvector.txt ark,t:test_xvector.txt missing out
  [ "$status" -eq 1 ]
  [[ "$output" == *"Key ev99 (line 1 of the scores) not present in enrollment vectors."* ]]
  [[ "$output" == *"nothing written"* ]]
  [ ! -e out ]
  # With --max-errors the known trial is still written.
  score-norm --max-errors=1 ark,t:cohort.txt ark,t:enroll_spk_xvector.txt ark,t:test_xvector.txt missing out
  [ "$(wc -l < out)" -eq 1 ]
  rm out

  head -3 cohort.txt | sed 's/ \]$/ 1.0 ]/' > cohort_wide.txt
  run score-norm ark,t:cohort_wide.txt ark,t:enroll_spk_xvector.txt ark,t:test_xvector.txt cos out
  [ "$status" -eq 1 ]
  [[ "$output" == *"dimensions differ"* ]]
  [ ! -e out ]

  dim=$(head -1 test_xvector.txt | tr -d '[]' | awk '{print NF - 1}')
  { echo "ev01-tst1 $dim $(printf 'nan %.0s' $(seq $dim))"; } | make_binary_vectors nan.ark
  run score-norm ark,t:cohort.txt ark,t:enroll_spk_xvector.txt ark:nan.ark cos out
  [ "$status" -eq 1 ]
  [[ "$output" == *"test vector ev01-tst1 has a NaN or Inf element"* ]]
  [ ! -e out ]

  printf 'ev01 ev01-tst1 nan\n' > nan_scores
  run score-norm ark,t:cohort.txt ark,t:enroll_spk_xvector.txt ark,t:test_xvector.txt nan_scores out
  [ "$status" -eq 1 ]
  [[ "$output" == *"line 1 of nan_scores: expected 'enroll test score'"* ]]
  [ ! -e out ]

  : > empty
  run score-norm ark,t:cohort.txt ark,t:enroll_spk_xvector.txt ark,t:test_xvector.txt empty out
  [ "$status" -eq 1 ]
  [[ "$output" == *"no scores in empty"* ]]
  run score-norm ark:empty ark,t:enroll_spk_xvector.txt ark,t:test_xvector.txt cos out
  [ "$status" -eq 1 ]
  [[ "$output" == *"no cohort vectors in ark:empty"* ]]
  [ ! -e out ]

  run score-norm --method=z-norm ark,t:cohort.txt ark,t:enroll_spk_xvector.txt ark,t:test_xvector.txt cos out
  [ "$status" -eq 1 ]
  [[ "$output" == *"--method must be s-norm or as-norm, got 'z-norm'"* ]]
  assert_no_tmp_files
}
