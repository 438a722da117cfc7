#!/usr/bin/env bats
# nnet-info: a model file's config, parameter counts per module and total.
# The model file is written here with h5py (the format is plain HDF5: params/<path>, root
# attribute "config"); tests that need h5py skip, saying so, where it is missing.

bats_require_minimum_version 1.5.0

setup() {
  cd "$BATS_TEST_TMPDIR"
  PY=${VOX_PYTHON:-/usr/bin/python3}
}

make_model() {
  "$PY" -c 'import h5py' 2>/dev/null || skip "$PY cannot import h5py (Debian package python3-h5py)"
  "$PY" - "$1" <<'PYEOF'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w", track_order=True) as f:
    f.attrs["config"] = "--model-type=tiny\n--hidden-dim=4\n"
    shapes = [("encoder/layers/0/linear/weight", (4, 3)), ("encoder/layers/0/linear/bias", (4,)),
              ("encoder/layers/1/linear/weight", (4, 4)), ("encoder/layers/1/linear/bias", (4,)),
              ("head/weight", (2, 4))]
    for path, shape in shapes:
        f.create_dataset("params/" + path, data=np.zeros(shape, dtype=np.float32))
PYEOF
}

@test "nnet-info: config, per-module counts in file order, total" {
  make_model model.h5
  run nnet-info model.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"--model-type=tiny"* ]]
  [[ "$output" == *"total parameters: 44"* ]]
  # encoder = 12 + 4 + 16 + 4 = 36; layers/0 = 16; head = 8
  echo "$output" | grep -E '^encoder +36$'
  echo "$output" | grep -E '^    0 +16$'
  echo "$output" | grep -E '^head +8$'
  [ "$(echo "$output" | grep -n '^encoder' | cut -d: -f1)" -lt "$(echo "$output" | grep -n '^head' | cut -d: -f1)" ]
}

@test "nnet-info: --depth limits the tree, --print-params lists shapes" {
  make_model model.h5
  run nnet-info --depth=1 --print-params=true model.h5
  [ "$status" -eq 0 ]
  ! echo "$output" | grep -E '^  layers'
  echo "$output" | grep -E '^encoder/layers/0/linear/weight +\(4, 3\)$'
  [[ "$output" == *"total parameters: 44"* ]]
}

@test "nnet-info: missing file, non-model HDF5, not HDF5, no argument" {
  run nnet-info missing.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing.h5"* ]]
  echo "not hdf5" > text.h5
  run nnet-info text.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"text.h5"* ]]
  run nnet-info
  [ "$status" -eq 1 ]
  [[ "$output" == *"Usage:"* ]]
  "$PY" -c 'import h5py' 2>/dev/null || skip "$PY cannot import h5py"
  "$PY" -c 'import h5py, numpy; h5py.File("feats.h5", "w").create_dataset("utt1", data=numpy.zeros((2, 3), "f4"))'
  run nnet-info feats.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"no parameters under params/"* ]]
}

# A model file as SaveModel writes it (JSON config, buffers/) and a training checkpoint
# (optimizer/, train_state/), both written with h5py following src/nnet/model-file.h.
make_checkpoint() {
  "$PY" -c 'import h5py' 2>/dev/null || skip "$PY cannot import h5py (Debian package python3-h5py)"
  "$PY" - "$1" "$2" <<'PYEOF'
import json, sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w", track_order=True) as f:
    f.attrs["format"] = "voxtools-model"
    f.attrs["format_version"] = 1.0
    f.attrs["config"] = json.dumps({"type": "ecapa-tdnn", "channels": 8})
    f.create_dataset("params/block/conv/weight", data=np.zeros((8, 4, 3), "f4"))
    f.create_dataset("params/head/weight", data=np.zeros((2, 8), "f4"))
    f.create_dataset("buffers/block/bn/running_mean", data=np.zeros(8, "f4"))
    f.create_dataset("buffers/block/bn/running_var", data=np.ones(8, "f4"))
    if sys.argv[2] != "model":
        f.create_dataset("optimizer/hyperparameters/momentum", data=0.9)
        f.create_dataset("optimizer/state/head/weight/momentum_buffer", data=np.zeros((2, 8), "f4"))
        f.create_dataset("optimizer/state/head/weight/step", data=40.0)
        f["optimizer"].attrs["type"] = "sgd"
        f.create_dataset("train_state/step", data=float(sys.argv[2]))
        f.create_dataset("train_state/epoch", data=3.0)
        f["train_state"].attrs["lr_schedule"] = json.dumps({"type": "exponential"})
PYEOF
}

@test "nnet-info: JSON config pretty-printed, buffers counted apart, FLOPs unknown" {
  make_checkpoint model.h5 model
  run --separate-stderr nnet-info model.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *$'config:\n{\n  "type": "ecapa-tdnn",\n  "channels": 8\n}'* ]]
  [[ "$output" == *"total parameters: 112"* ]]
  [[ "$output" == *$'\nbuffers: 2 (16 elements)\n'* ]]
  [[ "$output" == *$'\nFLOPs per second of audio: unknown' ]]
  [[ "$output" != *"checkpoint:"* ]]
}

@test "nnet-info: a checkpoint's optimiser, step, epoch and LR schedule" {
  make_checkpoint ckpt.h5 40
  run --separate-stderr nnet-info ckpt.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *$'\ncheckpoint: optimizer sgd, step 40, epoch 3\n'* ]]
  [[ "$output" == *$'\nlr schedule: {"type":"exponential"}\n'* ]]
  [[ "$output" == *"total parameters: 112"* ]]
}

@test "nnet-info: a checkpoint whose step is not a count is an error naming it" {
  make_checkpoint bad.h5 1.5
  run --separate-stderr nnet-info bad.h5
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"bad.h5"*"train_state/step"* ]]
}

@test "nnet-info: an imported WavLM gives its forward FLOPs per second of audio" {
  nnet-import-ssl "$VOX_FIXTURES/ssl/base_tiny/checkpoint.pt" "$BATS_TEST_TMPDIR/wavlm.h5"
  run nnet-info "$BATS_TEST_TMPDIR/wavlm.h5"
  [ "$status" -eq 0 ]
  # The tiny config: 16 kHz through 7 conv layers, 2 layers of 32 dims (worked in
  # SslForwardFlopsPerSecond's unit test for Base+); a number, not "unknown".
  [[ "$output" == *$'\nFLOPs per second of audio: '[0-9]* ]]
  [[ "$output" != *"FLOPs per second of audio: unknown"* ]]
}
