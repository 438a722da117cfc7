#!/usr/bin/env bats
# train-lda: Kaldi's ivector-compute-lda (rows compared up to sign).

load backend-common

setup() { setup_backend; }

@test "train-lda: Kaldi's transform.mat and the --total-covariance-factor/--dim variant" {
  run train-lda --binary=false --dim=16 "ark:subtract-vector-mean scp:train_xvector.scp ark:- |" ark:train_utt2spk t.txt
  [ "$status" -eq 0 ]
  # Kaldi's log (logs/backend.log): 7.49951 4.44208 3.52025 2.57511 1.40691 ...
  [[ "$output" == *"largest first): 7.49951 4.44208 3.52025 2.57511 1.40691"* ]]
  compare matrix-rows t.txt transform.txt
  train-lda --binary=false --total-covariance-factor=0.1 --dim=12 "ark:subtract-vector-mean scp:train_xvector.scp ark:- |" ark:train_utt2spk t2.txt
  compare matrix-rows t2.txt transform_tcf0.1_dim12.txt
  train-lda --dim=16 scp:train_xvector.scp ark:train_utt2spk t.mat
  transform-vec t.mat scp:train_xvector.scp ark,t:lda.txt
  compare vectors lda.txt train_lda.txt --up-to-sign
  assert_no_tmp_files
}

@test "train-lda: one utterance per speaker, too little data, --dim too large, unknown utterance, NaN" {
  run train-lda --help
  [[ "$output" == *"ivector-compute-lda"* ]]
  awk '{print $1, $2}' train_spk2utt | awk '{print $2, $1}' > one_utt2spk
  run train-lda --max-errors=1000 --dim=4 scp:train_xvector.scp ark:one_utt2spk t.mat
  [ "$status" -eq 1 ]
  [[ "$output" == *"speaker spk001 has only one utterance"* ]]
  [[ "$output" == *"no speaker has more than one utterance"* ]]
  head -12 train_utt2spk > small_utt2spk
  run train-lda --max-errors=1000 --dim=4 scp:train_xvector.scp ark:small_utt2spk t.mat
  [ "$status" -eq 1 ]
  [[ "$output" == *"too little data for the dimension: 12 utterances for dimension 24"* ]]
  run train-lda --dim=30 scp:train_xvector.scp ark:train_utt2spk t.mat
  [ "$status" -eq 1 ]
  [[ "$output" == *"--dim=30 exceeds the vector dimension 24"* ]]
  grep -v spk003-utt02 train_utt2spk > u2s
  run train-lda --dim=16 scp:train_xvector.scp ark:u2s t.mat
  [ "$status" -eq 1 ]
  [[ "$output" == *"utt2spk has no entry for utterance spk003-utt02"* ]]
  printf 'spk001-utt01 3 1 nan 3\n' | make_binary_vectors nan.ark
  run train-lda --dim=2 ark:nan.ark ark:train_utt2spk t.mat
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector spk001-utt01 has a NaN or Inf element"* ]]
  [ ! -e t.mat ]
  assert_no_tmp_files
}
