#!/usr/bin/env bats
# nnet-import-ssl: the WavLM fixture checkpoints ($VOX_FIXTURES/ssl) in every layout give the
# same model file, and broken or hostile checkpoints are refused with a clear message and no
# output file. Variants are made by tests/reference/ssl-checkpoints.py (Debian's torch).

PY="${VOX_PYTHON:-/usr/bin/python3}"
ROOT="${VOX_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
SSL="${VOX_FIXTURES:-/work/shared/fixtures}/ssl"

setup_file() {
  GEN="$BATS_FILE_TMPDIR/gen"
  export GEN
  [ -d "$SSL" ] || return 0
  "$PY" "$ROOT/tests/reference/ssl-checkpoints.py" "$SSL/base_tiny" "$GEN" \
    > "$BATS_FILE_TMPDIR/make.log" 2>&1 || echo $? > "$BATS_FILE_TMPDIR/make.rc"
}

setup() {
  [ -d "$SSL" ] || skip "SSL fixtures not found at $SSL (set VOX_FIXTURES)"
  OUT="$BATS_TEST_TMPDIR"
}

need_gen() {
  if [ -e "$BATS_FILE_TMPDIR/make.rc" ]; then
    [ "$(cat "$BATS_FILE_TMPDIR/make.rc")" = 2 ] && skip "Debian python3-torch not importable by $PY"
    cat "$BATS_FILE_TMPDIR/make.log"; return 1
  fi
}

# same_params A B: every params/ dataset equal (exactly) in two model files.
same_params() {
  "$PY" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
def names(f):
    out = []
    f['params'].visititems(lambda n, o: out.append(n) if isinstance(o, h5py.Dataset) else None)
    return sorted(out)
na, nb = names(a), names(b)
assert na == nb, (na, nb)
for n in na:
    x, y = a['params/' + n][()], b['params/' + n][()]
    assert x.shape == y.shape and np.array_equal(x, y), n
print(len(na))
PY
}

@test "nnet-import-ssl --help prints usage" {
  run nnet-import-ssl --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: nnet-import-ssl"* ]]
  [[ "$output" == *"--arch-config"* ]]
}

@test "unilm .pt, bare state dict + cfg and HF folder give the same model file" {
  run nnet-import-ssl "$SSL/base_tiny/checkpoint.pt" $OUT/unilm.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"unilm names"*"wrote $OUT/unilm.h5: 104104 parameters"* ]]
  nnet-import-ssl "$SSL/base_tiny" $OUT/hf.h5
  nnet-import-ssl --arch-config="$SSL/base_tiny/wavlm_cfg.json" "$SSL/base_tiny/state_dict.pt" $OUT/sd.h5
  run same_params $OUT/unilm.h5 $OUT/hf.h5
  [ "$status" -eq 0 ]
  [ "$output" -eq 58 ]
  same_params $OUT/unilm.h5 $OUT/sd.h5
  # The config is a JSON attribute any HDF5 reader can see.
  "$PY" -c "import h5py, json, sys; c = json.loads(h5py.File(sys.argv[1], 'r').attrs['config']); assert c['family'] == 'ssl' and c['num_buckets'] == 320, c" $OUT/hf.h5
}

@test "HF keys under wavlm. with parametrized weight norm, head skipped; torchaudio names" {
  need_gen
  run nnet-import-ssl "$GEN/hf_prefixed" $OUT/prefixed.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"skipped 1 head tensor(s)"*"projector.weight"* ]]
  nnet-import-ssl "$SSL/base_tiny" $OUT/hf.h5
  same_params $OUT/prefixed.h5 $OUT/hf.h5
  run nnet-import-ssl --arch-config="$SSL/base_tiny/wavlm_cfg.json" "$GEN/torchaudio.pt" $OUT/ta.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"torchaudio names"* ]]
  # torchaudio keeps no mask embedding: everything else must be equal.
  "$PY" - $OUT/ta.h5 $OUT/hf.h5 <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
n = []
b['params'].visititems(lambda k, o: n.append(k) if isinstance(o, h5py.Dataset) else None)
for k in n:
    if k != 'mask_emb':
        assert np.array_equal(a['params/' + k][()], b['params/' + k][()]), k
PY
}

@test "a state dict without config needs --arch-config" {
  run nnet-import-ssl "$SSL/base_tiny/state_dict.pt" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"ERROR"*"without a model configuration"*"--arch-config"* ]]
  [ ! -e $OUT/m.h5 ]
}

@test "config and weights disagree: shape mismatch named" {
  printf -- '--embed-dim=64\n--ffn-dim=256\n--num-heads=4\n--num-layers=2\n--conv-feature-layers=[(32,10,5)] + [(32,3,2)]*4 + [(32,2,2)]*2\n--conv-pos=16\n--conv-pos-groups=4\n' > $OUT/wrong.conf
  run nnet-import-ssl --arch-config=$OUT/wrong.conf "$SSL/base_tiny/state_dict.pt" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"shape mismatches"*"encoder.layers.0.fc1.weight is [128, 64]"*"needs [256, 64]"* ]]
  [ ! -e $OUT/m.h5 ]
}

@test "HuBERT config on WavLM weights: the relative-bias tensors are unknown" {
  run nnet-import-ssl --arch-config="$ROOT/conf/ssl/hubert-base.conf" "$SSL/base_tiny/state_dict.pt" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown tensors"*"grep"* ]]
  [ ! -e $OUT/m.h5 ]
}

@test "missing and unknown tensors are named" {
  need_gen
  run nnet-import-ssl "$GEN/missing.pt" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"missing tensors for: encoder/layers/1/feed_forward/output_dense/weight"* ]]
  run nnet-import-ssl "$GEN/unknown.pt" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown tensors"*"encoder.layers.0.self_attn.extra.weight"* ]]
  [ ! -e $OUT/m.h5 ]
}

@test "forbidden pickle global and truncated checkpoint are refused" {
  need_gen
  run nnet-import-ssl "$GEN/forbidden.pt" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"forbidden global 'posix.system'"* ]]
  [[ "$output" != *"pwned"* ]]
  run nnet-import-ssl "$GEN/truncated.pt" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"ERROR"*"truncated.pt"* ]]
  run nnet-import-ssl "$OUT/nonexistent.pt" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"ERROR"*"nonexistent.pt"* ]]
  [ ! -e $OUT/m.h5 ]
}

@test "a non-SSL checkpoint is refused" {
  need_gen
  "$PY" -c "import torch; torch.save({'fc.weight': torch.zeros(2, 2)}, '$OUT/other.pt')"
  run nnet-import-ssl "$OUT/other.pt" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"no wav2vec2/HuBERT/WavLM encoder tensors"* ]]
}
