#!/usr/bin/env bats
# The PyTorch WavLM of tests/reference/wavlm-torch.py (the peer of tests/bench/ssl.sh)
# reproduces every tensor of the official-code fixtures ($VOX_FIXTURES/ssl) from all three
# weight layouts within 1e-4 (the fixtures' tolerance), and its random checkpoints import
# into compute-ssl-feats with the same outputs. Skips only when Debian's torch is missing.

PY="${VOX_PYTHON:-/usr/bin/python3}"
ROOT="${VOX_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
SSL="${VOX_FIXTURES:-/work/shared/fixtures}/ssl"
REF="$ROOT/tests/reference/wavlm-torch.py"

setup() {
  "$PY" -c "import torch, numpy" 2>/dev/null || skip "Debian python3-torch not importable by $PY"
  OUT="$BATS_TEST_TMPDIR"
}

need_fixtures() {
  [ -d "$SSL/base_tiny" ] || { echo "SSL fixtures not found at $SSL (set VOX_FIXTURES)"; return 1; }
}

@test "every fixture tensor, three weight layouts, two configs: max |diff| <= 1e-4" {
  need_fixtures
  run "$PY" "$REF" check "$SSL"
  echo "$output"
  [ "$status" -eq 0 ]
  # The check fails on any fixture .npy it did not compare; the public set gives 134 checks
  # (2 configs x 3 layouts x (weights, 3 cases x (conv, proj, layers, final), frame mask),
  # buckets and large_tiny's normalized input).
  [[ "$output" =~ ([0-9]+)\ checks,\ 0\ failed ]]
  [ "${BASH_REMATCH[1]}" -ge 134 ]
  [[ "$output" != *FAIL* ]]
  [[ "$output" == *"large_tiny[hf] batch/layer_03"* ]]
}

@test "a reference tensor off by 2e-4 in one element is reported and fails the check" {
  need_fixtures
  cp -r "$SSL" "$OUT/ssl"
  chmod -R u+w "$OUT/ssl"
  "$PY" - "$OUT/ssl/large_tiny/batch/layer_02.npy" <<'PY'
import sys, numpy as np
a = np.load(sys.argv[1])
a[1, 40, 5] += 2e-4   # a padded query frame of row 1: those are checked too
np.save(sys.argv[1], a)
PY
  run "$PY" "$REF" check "$OUT/ssl"
  [ "$status" -eq 1 ]
  [[ "$output" == *"FAIL large_tiny[checkpoint.pt] batch/layer_02"* ]]
  [[ "$output" == *" checks, 3 failed"* ]]
}

@test "a random checkpoint (odd pos-conv kernel, conv bias, pre-norm, normalize) gives compute-ssl-feats' outputs" {
  cat > "$OUT/tiny.conf" <<'EOF'
--model-type=wavlm
--conv-feature-layers=[(24,10,5)] + [(24,3,2)] * 4 + [(24,2,2)] * 2
--extractor-mode=layer_norm
--conv-bias=true
--embed-dim=32
--ffn-dim=80
--num-heads=2
--num-layers=2
--layer-norm-first=true
--conv-pos=7
--conv-pos-groups=4
--relative-position-embedding=true
--gru-rel-pos=true
--num-buckets=48
--max-distance=90
--normalize=true
EOF
  "$PY" "$REF" random "$OUT/tiny.conf" 7 "$OUT/tiny.pt"
  nnet-import-ssl "$OUT/tiny.pt" "$OUT/tiny.h5" 2>/dev/null
  # 1.875 s of int16 noise as a wav, and the same samples / 32768 for PyTorch.
  "$PY" - "$OUT" <<'PY'
import sys, wave, numpy as np
d = sys.argv[1]
q = ((0.2 * np.random.RandomState(3).randn(30000)).clip(-1, 1) * 32767).astype('<i2')
with wave.open(d + '/a.wav', 'wb') as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(q.tobytes())
np.save(d + '/a.npy', (q / 32768.0).astype(np.float32))
PY
  echo "u $OUT/a.wav" > "$OUT/w.scp"
  compute-ssl-feats --layers=cnn,proj,0,1,2,final "$OUT/tiny.h5" scp:"$OUT/w.scp" ark,t:"$OUT/o.txt" 2>/dev/null
  "$PY" "$REF" forward "$OUT/tiny.pt" "$OUT/a.npy" "$OUT/ref.npy" cnn,proj,0,1,2,final
  run "$PY" - "$OUT" <<'PY'
import sys, numpy as np
d = sys.argv[1]
ref = np.load(d + '/ref.npy')[0]
t = open(d + '/o.txt').read()
ours = np.array([[float(v) for v in l.split()] for l in t[t.index('[') + 1:t.index(']')].strip().split('\n')])
assert ours.shape == ref.shape == (93, 24 + 5 * 32), (ours.shape, ref.shape)
assert np.abs(ref).max() > 1, np.abs(ref).max()
d = float(np.abs(ours - ref).max())
print('max |diff| %.2e' % d)
assert d <= 1e-4, d
PY
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "usage on bad arguments; a bare state dict without a cfg is refused" {
  run "$PY" "$REF"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Usage:"*"wavlm-torch.py check"* ]]
  need_fixtures
  run "$PY" "$REF" forward "$SSL/base_tiny/state_dict.pt" "$SSL/inputs/wav_1p0s.npy" "$OUT/o.npy"
  [ "$status" -ne 0 ]
  [[ "$output" == *"state_dict.pt: a bare state dict needs a cfg"* ]]
  [ ! -e "$OUT/o.npy" ]
}
