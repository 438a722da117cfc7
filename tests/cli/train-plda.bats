#!/usr/bin/env bats
# train-plda: Kaldi's ivector-compute-plda (psi equal; transform rows up to sign), Kaldi's file
# format both ways, and the stored front-end.

load backend-common

setup() { setup_backend; }

@test "train-plda: Kaldi's model (10 and 3 EM iterations) from Kaldi's training chain" {
  train-plda --binary=false ark:train_spk2utt ark,t:train_lda_norm.txt p.txt
  compare plda p.txt plda.txt
  train-plda --binary=false --num-em-iters=3 ark:train_spk2utt ark,t:train_lda_norm.txt p3.txt
  compare plda p3.txt plda_em3.txt
  # Our own chain end to end, binary model.
  train-plda ark:train_spk2utt "$TRAIN_PIPE" p.bin
  head -c 8 p.bin | od -c | grep -q '\\0   B   <   P   l   d   a   >'
  assert_no_tmp_files
}

@test "train-plda: a front-end (mean, LDA, length norm) stored with the model scores raw vectors as Kaldi's chain" {
  train-plda --subtract-mean --lda-dim=16 --length-norm ark:train_spk2utt scp:train_xvector.scp chain.plda
  score-plda --num-utts=ark:num_utts.ark chain.plda ark,t:enroll_spk_xvector.txt scp:test_xvector.scp trials s
  compare scores s scores_numutts
}

@test "train-plda: single-utterance speakers, singular covariance, missing vectors, NaN" {
  run train-plda --help
  [[ "$output" == *"--num-em-iters"* ]]
  awk '{print $1, $2}' train_spk2utt > one_s2u
  run train-plda ark:one_s2u ark,t:train_lda_norm.txt p
  [ "$status" -eq 1 ]
  [[ "$output" == *"20 of 20 speakers have only one utterance"* ]]
  [[ "$output" == *"no speaker has more than one utterance"* ]]
  # A constant dimension: the within-class covariance is singular.
  "$PYTHON" -c '
import random
random.seed(1)
for s in range(10):
    for u in range(4):
        print("s%d-u%d [ %g %g 5 ]" % (s, u, random.gauss(0, 1), random.gauss(0, 1)))
' > const.txt
  awk '{split($1, a, "-"); s[a[1]] = s[a[1]] " " $1} END {for (k in s) print k s[k]}' const.txt > const_s2u
  run train-plda ark:const_s2u ark,t:const.txt p
  [ "$status" -eq 1 ]
  [[ "$output" == *"covariance"*"singular"* ]]
  printf 'spk001 spk001-utt01 spk001-utt99\n' > s2u
  run train-plda ark:s2u ark,t:train_lda_norm.txt p
  [ "$status" -eq 1 ]
  [[ "$output" == *"speaker spk001: no vector for utterance spk001-utt99"* ]]
  printf 'spk001-utt01 3 1 nan 3\n' | make_binary_vectors nan.ark
  run train-plda ark:train_spk2utt ark:nan.ark p
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector spk001-utt01 has a NaN or Inf element"* ]]
  [ ! -e p ]
  assert_no_tmp_files
}
