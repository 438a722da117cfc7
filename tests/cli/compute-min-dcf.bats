#!/usr/bin/env bats
# compute-min-dcf: minDCF at several operating points (values checked against a brute-force
# computation in Python).

load backend-common

setup() { setup_backend; }

@test "compute-min-dcf: several operating points equal a brute-force search" {
  compute-min-dcf --p-target=0.01,0.05,0.5 --c-fa=1,1,2 trials scores_numutts > ours
  paste -d' ' trials scores_numutts | awk '{print $6, $3}' > pairs
  "$PYTHON" -c '
import sys
pairs = [l.split() for l in open("pairs")]
tgt = [float(s) for s, l in pairs if l == "target"]
non = [float(s) for s, l in pairs if l == "nontarget"]
for p, cfa in ((0.01, 1), (0.05, 1), (0.5, 2)):
    best = min(p * sum(x < t for x in tgt) / len(tgt) + cfa * (1 - p) * sum(x >= t for x in non) / len(non)
               for t in sorted(tgt + non) + [float("inf")])
    print("%.4f" % (best / min(p, cfa * (1 - p))))
' > ref
  cmp ours ref
  compute-min-dcf eer_input_numutts.txt | cmp - <(head -1 ref)
}

@test "compute-min-dcf: bad options and input" {
  run compute-min-dcf --help
  [[ "$output" == *"--p-target"* ]]
  run compute-min-dcf --p-target=1.5 trials scores_numutts
  [ "$status" -eq 1 ]
  [[ "$output" == *"--p-target must be in (0, 1)"* ]]
  run compute-min-dcf --p-target=0.01,0.1 --c-fa=1,2,3 trials scores_numutts
  [ "$status" -eq 1 ]
  [[ "$output" == *"lists must have 1 or 3 values"* ]]
  printf 'ev01 ev01-tst1 target\n' > t1
  run compute-min-dcf t1 scores_numutts
  [ "$status" -eq 1 ]
  [[ "$output" == *"No non-target scores seen."* ]]
}
