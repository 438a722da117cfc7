#!/usr/bin/env bats
# score-plda: Kaldi's ivector-plda-scoring with Kaldi's model, in all four configurations.

load backend-common

setup() { setup_backend; }

@test "score-plda: Kaldi's scores with and without num-utts and length normalisation" {
  score-plda --num-utts=ark:num_utts.ark plda ark,t:enroll_norm.txt ark,t:test_norm.txt trials s1
  compare scores s1 scores_numutts --tol=1e-4
  score-plda plda ark,t:enroll_norm.txt ark,t:test_norm.txt trials s2
  compare scores s2 scores_nonumutts --tol=1e-4
  score-plda --simple-length-normalization --num-utts=ark:num_utts.ark plda ark,t:enroll_norm.txt ark,t:test_norm.txt trials s3
  compare scores s3 scores_simplenorm --tol=1e-4
  score-plda --normalize-length=false --num-utts=ark:num_utts.ark plda ark,t:enroll_norm.txt ark,t:test_norm.txt trials s4
  compare scores s4 scores_nonorm --tol=1e-4
  # The whole recipe through our tools, with a 2-column trials pipe as Kaldi's.
  score-plda --num-utts=ark:num_utts.ark plda.txt "$ENROLL_PIPE" "$TEST_PIPE" "cut -d' ' -f1,2 trials |" s5
  compare scores s5 scores_numutts
  # A model trained here and written in binary is read by the same path Kaldi's is.
  train-plda ark:train_spk2utt ark,t:train_lda_norm.txt ours.plda
  score-plda --num-utts=ark:num_utts.ark ours.plda ark,t:enroll_norm.txt ark,t:test_norm.txt trials s6
  compare scores s6 scores_numutts --tol=1e-3
  assert_no_tmp_files
}

@test "score-plda: unknown keys fail by default; --max-errors=2 gives Kaldi's scores_missing" {
  run score-plda --num-utts=ark:num_utts.ark plda ark,t:enroll_norm.txt ark,t:test_norm.txt trials_missing out
  [ "$status" -eq 1 ]
  [[ "$output" == *"Key ev99 (line 2 of the trials) not present in enrollment vectors."* ]]
  [[ "$output" == *"Key ev01-tst9 (line 3 of the trials) not present in test vectors."* ]]
  [ ! -e out ]
  score-plda --max-errors=2 --num-utts=ark:num_utts.ark plda ark,t:enroll_norm.txt ark,t:test_norm.txt trials_missing out
  compare scores out scores_missing --tol=1e-4
  assert_no_tmp_files
}

@test "score-plda: dimension mismatch, NaN, bad model, missing num-utts, bad trials line" {
  run score-plda --help
  [[ "$output" == *"ivector-plda-scoring"* ]]
  run score-plda plda scp:enroll_xvector.scp ark,t:test_norm.txt trials out
  [ "$status" -eq 1 ]
  [[ "$output" == *"vectors have dimension 24 but the PLDA model plda expects 16"* ]]
  printf 'ev01 16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 nan\n' | make_binary_vectors nan.ark
  run score-plda plda ark:nan.ark ark,t:test_norm.txt trials out
  [ "$status" -eq 1 ]
  [[ "$output" == *"enrollment vector ev01 has a NaN or Inf element (index 15)"* ]]
  head -c 100 plda > trunc.plda
  run score-plda trunc.plda ark,t:enroll_norm.txt ark,t:test_norm.txt trials out
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading PLDA model trunc.plda"* ]]
  head -3 num_utts.ark > nu3
  run score-plda --num-utts=ark:nu3 plda ark,t:enroll_norm.txt ark,t:test_norm.txt trials out
  [ "$status" -eq 1 ]
  [[ "$output" == *"no num-utts entry for enrollment speaker ev04"* ]]
  printf 'ev01\n' > bad_trials
  run score-plda plda ark,t:enroll_norm.txt ark,t:test_norm.txt bad_trials out
  [ "$status" -eq 1 ]
  [[ "$output" == *"line 1 of bad_trials: expected 'enroll test [target|nontarget]'"* ]]
  [ ! -e out ]
  assert_no_tmp_files
}
