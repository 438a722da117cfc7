#!/usr/bin/env bats
# train-nnet: a tiny ECAPA-TDNN on separable synthetic features; checkpoints, bit-identical
# resume after SIGKILL, and the bad inputs (unknown option, missing labels, short utterance,
# empty data dir, NaN features, a diverging learning rate).

bats_require_minimum_version 1.5.0
load train-nnet-common

setup() {
  cd "$BATS_TEST_TMPDIR"
  make_train_data data
  make_tiny_ecapa ecapa.json
}

@test "train-nnet: the loss falls; checkpoints, model file and curve are written" {
  run train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=4 --model-config=ecapa.json data exp/final.h5
  [ "$status" -eq 0 ]
  for e in 1 2 3 4; do [ -f exp/checkpoint-$e.h5 ]; done
  [ -f exp/final.h5 ]
  grep -q '<svg' exp/final-curve.svg
  first=$(echo "$output" | grep 'epoch 1/4 done' | sed 's/.*train loss \([^,]*\),.*/\1/')
  last=$(echo "$output" | grep 'epoch 4/4 done' | sed 's/.*train loss \([^,]*\),.*/\1/')
  awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < 0.7 * a) }'
  [[ "$output" == *"samples/s"* ]]
  run nnet-info exp/checkpoint-2.h5
  [[ "$output" == *"embedding-classifier"* ]]
  [[ "$output" == *"epoch 2"* ]]
}

@test "train-nnet: killed (SIGKILL) in epoch 3 and resumed, it ends bit-identical to an uninterrupted run" {
  # Bigger chunks and batches make epochs long enough to be interrupted.
  opts=("${TRAIN_OPTS[@]}" --chunk-frames=40 --chunks-per-utt=16 --lr.initial-lr=0.05 --num-epochs=4 --model-config=ecapa.json)
  run train-nnet "${opts[@]}" data ref/final.h5
  [ "$status" -eq 0 ]
  train-nnet "${opts[@]}" data cut/final.h5 2>cut.log &
  pid=$!
  for i in $(seq 600); do [ -f cut/checkpoint-2.h5 ] && break; sleep 0.05; done
  [ -f cut/checkpoint-2.h5 ]
  kill -9 "$pid"
  wait "$pid" || true
  [ ! -f cut/final.h5 ]
  [ ! -f cut/checkpoint-4.h5 ]
  run train-nnet "${opts[@]}" --resume=true data cut/final.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"resumed from cut/checkpoint-"* ]]
  run h5diff -r ref/final.h5 cut/final.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"0 differences found"* ]]
}

@test "train-nnet: an unknown option in the config file is an error" {
  printf -- '--num-epochs=1\n--chunk-frame=40\n' > bad.conf
  run train-nnet --config=bad.conf --model-config=ecapa.json data exp/final.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"chunk-frame"* ]]
  [ ! -e exp/final.h5 ]
}

@test "train-nnet: an unknown key in the model config is an error" {
  sed 's/"channels"/"chanels"/' ecapa.json > typo.json
  run train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=1 --model-config=typo.json data exp/final.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"chanels"* ]]
  [ ! -e exp/final.h5 ]
}

@test "train-nnet: an utterance without a label is an error naming it" {
  grep -v spk3-utt2 data/utt2spk > u && mv u data/utt2spk
  run train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=1 --model-config=ecapa.json data exp/final.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"spk3-utt2"*"has no label"* ]]
  [ ! -e exp/final.h5 ]
}

@test "train-nnet: an utterance shorter than the chunk is an error unless --pad-short" {
  run train-nnet "${TRAIN_OPTS[@]}" --chunk-frames=61 --lr.initial-lr=0.05 --num-epochs=1 --model-config=ecapa.json data exp/final.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"has 60 frames, fewer than --chunk-frames=61"* ]]
  [ ! -e exp/final.h5 ]
  run train-nnet "${TRAIN_OPTS[@]}" --chunk-frames=61 --lr.initial-lr=0.05 --pad-short=true --num-epochs=1 --model-config=ecapa.json data exp/final.h5
  [ "$status" -eq 0 ]
}

@test "train-nnet: an empty or missing data dir is an error" {
  mkdir empty
  run train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=1 --model-config=ecapa.json empty exp/final.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"has no feats.scp"* ]]
  touch empty/feats.scp empty/utt2spk
  run train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=1 --model-config=ecapa.json empty exp/final.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"lists no utterances"* ]]
  run train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=1 --model-config=ecapa.json nowhere exp/final.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"data dir nowhere does not exist"* ]]
}

@test "train-nnet: NaN in a feature file is an error naming the utterance" {
  # The table reader checks every value as it enters (text matrices too).
  printf ' [\n nan 1 2 3 4 5 6 7\n 1 2 3 4 5 6 7 8 ]\n' > bad.txt
  sed -i 's|^spk1-utt1 .*|spk1-utt1 bad.txt|' data/feats.scp
  run train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=1 --model-config=ecapa.json data exp/final.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"spk1-utt1"*"non-finite"* ]]
  [ ! -e exp/final.h5 ]
}

@test "train-nnet: a diverging learning rate stops with a clear message and keeps the last good checkpoint" {
  run train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=1 --model-config=ecapa.json data exp/final.h5
  [ "$status" -eq 0 ]
  rm exp/final.h5
  sum=$(md5sum < exp/checkpoint-1.h5)
  run train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --num-epochs=3 --lr.initial-lr=1e30 --resume=true \
    --model-config=ecapa.json data exp/final.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"training diverged; the last good checkpoint is exp/checkpoint-1.h5"* ]]
  [ "$(md5sum < exp/checkpoint-1.h5)" = "$sum" ]
  [ ! -e exp/final.h5 ]
  [ ! -e exp/checkpoint-2.h5 ]
}
