#!/usr/bin/env bats
# nnet-info: a model file's config, parameter counts per module and total.
# The model file is written here with h5py (the format is plain HDF5: params/<path>, root
# attribute "config"); tests that need h5py skip, saying so, where it is missing.

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
