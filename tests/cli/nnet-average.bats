#!/usr/bin/env bats
# nnet-average: the mean of the parameters and buffers of checkpoints of one network.

bats_require_minimum_version 1.5.0
load train-nnet-common

setup() {
  cd "$BATS_TEST_TMPDIR"
  make_train_data data
  make_tiny_ecapa ecapa.json
  train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=3 \
    --model-config=ecapa.json data exp/final.h5 2>/dev/null
}

@test "nnet-average: every tensor is the mean of the inputs' (checked with h5py)" {
  run nnet-average exp/checkpoint-1.h5 exp/checkpoint-2.h5 exp/checkpoint-3.h5 avg.h5
  [ "$status" -eq 0 ]
  run nnet-info avg.h5
  [[ "$output" == *"embedding-classifier"* ]]
  [[ "$output" != *"checkpoint:"* ]]
  "$VOX_PYTHON" -c 'import h5py' 2>/dev/null || skip "$VOX_PYTHON cannot import h5py"
  "$VOX_PYTHON" - <<'PY'
import h5py, numpy as np
fs = [h5py.File(f"exp/checkpoint-{e}.h5", "r") for e in (1, 2, 3)]
avg = h5py.File("avg.h5", "r")
names = []
avg.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
assert any(n.startswith("buffers/") for n in names) and any(n.startswith("params/") for n in names)
worst = 0.0
for n in names:
    want = np.mean([f[n][()].astype(np.float64) for f in fs], axis=0)
    worst = max(worst, float(np.abs(avg[n][()] - want).max()))
# float32 output of a float64 mean: within a few ulps of values of order 1.
assert worst < 1e-6, worst
differ = any(not np.array_equal(fs[0][n][()], fs[2][n][()]) for n in names)
assert differ  # the inputs really differ, so the test is not trivial
print("max abs error", worst)
PY
}

@test "nnet-average: the averaged model extracts embeddings" {
  nnet-average exp/checkpoint-2.h5 exp/checkpoint-3.h5 avg.h5
  run extract-embeddings avg.h5 scp:data/feats.scp ark:emb.ark
  [ "$status" -eq 0 ]
}

@test "nnet-average: a model of another network or a missing file is an error; no output" {
  sed 's/"channels": 16/"channels": 32/' ecapa.json > wide.json
  train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=1 \
    --model-config=wide.json data wide/final.h5 2>/dev/null
  run nnet-average exp/checkpoint-1.h5 wide/final.h5 avg.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"another config"* ]]
  [ ! -e avg.h5 ]
  run nnet-average exp/checkpoint-1.h5 missing.h5 avg.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing.h5"* ]]
  [ ! -e avg.h5 ]
  run nnet-average avg.h5
  [ "$status" -eq 1 ]
}
