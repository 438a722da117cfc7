#!/usr/bin/env bats
# train-glc (with classify-glc): log-likelihoods equal a numpy GLC on synthetic Gaussian
# classes, posteriors, decisions and compute-lid-metrics on the output; bad inputs fail cleanly.

load backend-common
load glc-common

setup() { setup_glc; }

@test "train-glc + classify-glc: log-likelihoods equal numpy's GLC; metrics read them" {
  for balanced in false true; do
    train-glc --class-balanced=$balanced --write-classes=classes ark,t:train.txt train_utt2lang glc.mdl
    classify-glc glc.mdl ark,t:test.txt ark,t:ll.txt decisions
    reference train.txt train_utt2lang test.txt $([ $balanced = true ] && echo 1 || echo 0) \
      | awk '{printf "%s [ %s %s %s ]\n", $1, $2, $3, $4}' > ref.txt
    # Float output (%.7g) of log-likelihoods of order 10: 1e-5 relative.
    compare vectors ll.txt ref.txt --tol=1e-5
  done
  [ "$(cat classes | tr '\n' ' ')" = "de en fr " ]
  [ "$(wc -l < decisions)" -eq 90 ]
  # Well separated classes: most decisions are right.
  right=$(paste -d' ' decisions test_utt2lang | awk '$2 == $4' | wc -l)
  [ "$right" -ge 70 ]
  run compute-lid-metrics classes ark,t:ll.txt test_utt2lang
  [ "$status" -eq 0 ]
  [[ "$output" == *"accuracy"* ]]
  # Posteriors sum to one per utterance.
  classify-glc --output=posteriors glc.mdl ark,t:test.txt ark,t:post.txt
  awk '{s = 0; for (i = 3; i < NF; i++) s += $i; if (s < 0.9999 || s > 1.0001) exit 1}' post.txt
  # Binary model by default; --binary=false writes text.
  train-glc --binary=false ark,t:train.txt train_utt2lang glc.txt
  grep -q '<Glc> <Classes> 3 de en fr' glc.txt
}

@test "train-glc: unknown key, empty input, one class, NaN" {
  grep -v train-fr-000 train_utt2lang > partial
  run train-glc ark,t:train.txt partial glc.mdl
  [ "$status" -eq 1 ]
  [[ "$output" == *"no label for vector train-fr-000"* ]]
  [ ! -e glc.mdl ]
  : > empty
  run train-glc ark:empty train_utt2lang glc.mdl
  [ "$status" -eq 1 ]
  [[ "$output" == *"no vectors in ark:empty"* ]]
  grep train-en train.txt > en.txt
  run train-glc ark,t:en.txt train_utt2lang glc.mdl
  [ "$status" -eq 1 ]
  [[ "$output" == *"need at least 2 classes"* ]]
  echo "train-en-000 5 1 nan 2 3 4" | make_binary_vectors nan.ark
  run train-glc ark:nan.ark train_utt2lang glc.mdl
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector train-en-000 has a NaN or Inf element"* ]]
  [ ! -e glc.mdl ]
  assert_no_tmp_files
}
