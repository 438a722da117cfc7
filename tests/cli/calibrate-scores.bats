#!/usr/bin/env bats
# calibrate-scores: applies scale * score + offset; bad model files and scores are errors
# that leave no output.

load backend-common

setup() {
  cd "$BATS_TEST_TMPDIR"
  printf 'e1 t1 0.5\ne1 t2 -1.25\ne2 t1 3\n' > scores
  echo "2.5 -0.75" > cal
}

@test "calibrate-scores: writes scale * score + offset per trial" {
  calibrate-scores cal scores out
  printf 'e1 t1 0.5\ne1 t2 -3.875\ne2 t1 6.75\n' > want
  cmp out want
  # Through train-calibration: the calibrated scores are the model's line.
  printf '1 target\n2 target\n0.5 target\n-1 nontarget\n0 nontarget\n1.5 nontarget\n' > labelled
  train-calibration labelled model
  calibrate-scores model scores out2
  read scale offset < model
  awk -v a="$scale" -v b="$offset" '{printf "%s %s %.7g\n", $1, $2, a * $3 + b}' scores > want2
  compare scores out2 want2 --tol=1e-6
}

@test "calibrate-scores: bad model, NaN score, empty scores, missing file" {
  echo "2.5" > short
  run calibrate-scores short scores out
  [ "$status" -eq 1 ]
  [[ "$output" == *"calibration model short must hold two finite numbers"* ]]
  echo "nan 1" > nanmodel
  run calibrate-scores nanmodel scores out
  [ "$status" -eq 1 ]
  [[ "$output" == *"must hold two finite numbers"* ]]
  printf 'e1 t1 0.5\ne1 t2 nan\n' > nan_scores
  run calibrate-scores cal nan_scores out
  [ "$status" -eq 1 ]
  [[ "$output" == *"line 2 of nan_scores: expected 'enroll test score'"* ]]
  printf 'e1 t1 0.5\ne1 t2 inf\n' > inf_scores
  run calibrate-scores cal inf_scores out
  [ "$status" -eq 1 ]
  [[ "$output" == *"trial e1 t2 in inf_scores: score is inf"* ]]
  : > empty
  run calibrate-scores cal empty out
  [ "$status" -eq 1 ]
  [[ "$output" == *"no scores in empty"* ]]
  run calibrate-scores nosuchmodel scores out
  [ "$status" -eq 1 ]
  [[ "$output" == *"nosuchmodel"* ]]
  [ ! -e out ]
  assert_no_tmp_files
}
