#!/usr/bin/env bats
# train-calibration: the fitted line recovers the true LLR of synthetic Gaussian scores, and
# equals an independent numpy fit; bad inputs fail with a clear message and no model.

load backend-common

setup() {
  cd "$BATS_TEST_TMPDIR"
  # Targets N(2, 1), non-targets N(-1, 1): the true LLR is 3 s - 1.5.
  "$PYTHON" -c '
import random
random.seed(4)
with open("trials", "w") as t, open("scores", "w") as s, open("labelled", "w") as l:
    for i in range(6000):
        target = i % 3 == 0
        x = random.gauss(2.0 if target else -1.0, 1.0)
        lab = "target" if target else "nontarget"
        t.write("e%d t%d %s\n" % (i % 7, i, lab))
        s.write("e%d t%d %.6f\n" % (i % 7, i, x))
        l.write("%.6f %s\n" % (x, lab))
'
}

@test "train-calibration: recovers the true LLR line and equals numpy's fit" {
  run train-calibration --p-target=0.5 trials scores cal
  [ "$status" -eq 0 ]
  [[ "$output" == *"Cllr "* ]]
  read scale offset < cal
  "$PYTHON" -c "
s, o = $scale, $offset
assert abs(s - 3.0) < 0.15 and abs(o + 1.5) < 0.12, (s, o)
"
  # The compute-eer style input gives the same model.
  train-calibration labelled cal2
  cmp cal cal2
  # numpy: Newton on the raw scores (independent parametrisation) at p = 0.2.
  train-calibration --p-target=0.2 labelled cal3
  "$PYTHON" - labelled cal3 <<'PY'
import math, sys
import numpy as np
rows = [l.split() for l in open(sys.argv[1])]
x = np.array([float(s) for s, _ in rows]); y = np.array([l == 'target' for _, l in rows])
p = 0.2; logit = math.log(p / (1 - p))
w = np.where(y, p / y.sum(), (1 - p) / (~y).sum())
f = np.stack([x, np.ones_like(x)], 1); th = np.zeros(2)
for _ in range(50):
    q = 1 / (1 + np.exp(-(f @ th + logit)))
    g = f.T @ (w * (q - y)); h = (f * (w * q * (1 - q))[:, None]).T @ f
    th -= np.linalg.solve(h, g)
ours = [float(v) for v in open(sys.argv[2]).read().split()]
assert np.allclose(ours, th, rtol=1e-6, atol=1e-8), (ours, th)
PY
}

@test "train-calibration: NaN, empty input, one class only, bad prior, unknown trial" {
  printf 'nan target\n1 nontarget\n' > bad
  run train-calibration bad cal
  [ "$status" -eq 1 ]
  [[ "$output" == *"first field must be a number"* ]]
  : > empty
  run train-calibration empty cal
  [ "$status" -eq 1 ]
  [[ "$output" == *"Empty input."* ]]
  grep ' target' labelled > only_targets
  run train-calibration only_targets cal
  [ "$status" -eq 1 ]
  [[ "$output" == *"No non-target scores seen."* ]]
  run train-calibration --p-target=1 labelled cal
  [ "$status" -eq 1 ]
  [[ "$output" == *"--p-target must be in (0, 1), got 1"* ]]
  echo "e1 unknown target" >> trials
  run train-calibration trials scores cal
  [ "$status" -eq 1 ]
  [[ "$output" == *"no score for trial e1 unknown"* ]]
  [ ! -e cal ]
  assert_no_tmp_files
}
