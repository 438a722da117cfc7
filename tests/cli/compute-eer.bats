#!/usr/bin/env bats
# compute-eer: Kaldi's compute-eer, identical EER and threshold (ties included).

load backend-common

setup() { setup_backend; }

@test "compute-eer: Kaldi's output and threshold on the three fixtures" {
  for x in numutts nonumutts; do
    run compute-eer eer_input_$x.txt
    [ "$status" -eq 0 ]
    compute-eer eer_input_$x.txt 2>/dev/null | cmp - eer_$x.txt
    thr=$(sed -n 's/.*at threshold \([^ ]*\).*/\1/p' eer_$x.log)
    [[ "$output" == *"Equal error rate is 11.1111%, at threshold $thr "* ]]
  done
  run compute-eer eer_toy.txt
  [[ "$output" == *"Equal error rate is 40%, at threshold 2 "* ]]
  compute-eer eer_toy.txt 2>/dev/null | cmp - eer_toy.out
  # Trials + scores joined on the key pair give the same.
  compute-eer trials scores_numutts 2>/dev/null | cmp - eer_numutts.txt
}

@test "compute-eer: bad lines, one class only, missing score" {
  run compute-eer --help
  [[ "$output" == *"Usage: compute-eer"* ]]
  printf '1.5 target\n0.5 impostor\n' > bad
  run compute-eer bad
  [ "$status" -eq 1 ]
  [[ "$output" == *"second field must be 'target' or 'nontarget'"* ]]
  printf 'x target\n' > bad
  run compute-eer bad
  [[ "$output" == *"first field must be a number"* ]]
  printf '1 target\n2 target\n' > bad
  run compute-eer bad
  [ "$status" -eq 1 ]
  [[ "$output" == *"No non-target scores seen."* ]]
  head -100 scores_numutts > some_scores
  run compute-eer trials some_scores
  [ "$status" -eq 1 ]
  [[ "$output" == *"no score for trial ev06 ev06-tst1"* ]]
}
