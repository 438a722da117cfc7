#!/usr/bin/env bats
# classify-glc: its bad inputs (the normal run is checked against numpy in train-glc.bats).

load backend-common
load glc-common

setup() { setup_glc; }

@test "classify-glc: dimension mismatch, NaN, bad model, bad --output" {
  train-glc ark,t:train.txt train_utt2lang glc.mdl
  echo "bad [ 1 2 3 ]" > short.txt
  run classify-glc glc.mdl ark,t:short.txt ark,t:out.txt decisions
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector bad has dimension 3, the GLC model 5"* ]]
  [ ! -e out.txt ] && [ ! -e decisions ]
  { head -2 test.txt | awk '{print $1, 5, $3, $4, $5, $6, $7}'; echo "u-nan 5 1 nan 2 3 4"; } | make_binary_vectors nan.ark
  run classify-glc glc.mdl ark:nan.ark ark,t:out.txt decisions
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector u-nan has a NaN or Inf element"* ]]
  [[ "$output" == *"nothing written"* ]]
  [ ! -e out.txt ] && [ ! -e decisions ]
  run classify-glc --max-errors=1 glc.mdl ark:nan.ark ark,t:out.txt decisions
  [ "$status" -eq 0 ]
  [ "$(wc -l < out.txt)" -eq 2 ]
  echo "<Glc> <Classes> 1 en </Glc>" > bad.mdl
  run classify-glc bad.mdl ark,t:test.txt ark,t:out2.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot read the GLC model bad.mdl"* ]]
  run classify-glc --output=probs glc.mdl ark,t:test.txt ark,t:out2.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"--output must be loglikes, posteriors or log-posteriors"* ]]
  : > empty
  run classify-glc glc.mdl ark:empty ark,t:out2.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"no vectors in ark:empty"* ]]
  [ ! -e out2.txt ]
  assert_no_tmp_files
}
