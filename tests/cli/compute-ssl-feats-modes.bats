#!/usr/bin/env bats
# compute-ssl-feats batching, windows and layer layouts, on both tiny fixture models
# ($VOX_FIXTURES/ssl: base_tiny is group-norm/post-norm, large_tiny layer-norm/pre-norm with
# normalize) and utterances of different lengths cut from the fixture waveforms:
#   --batch-size=3 gives the features of --batch-size=1 (within 1e-5), in input order;
#   --window-secs longer than every utterance gives whole mode exactly; short windows give
#   exactly T frames, each equal (1e-5) to that frame of the window, run alone, in which it
#   is farthest from an edge; windows share batches without changing results;
#   --layers-layout=keys/stack and --mean/--layer-weights equal the concat output rearranged
#   or combined in numpy (1e-5); bad combinations are errors naming the option.

PY="${VOX_PYTHON:-/usr/bin/python3}"
SSL="${VOX_FIXTURES:-/work/shared/fixtures}/ssl"

setup_file() {
  [ -d "$SSL" ] || return 0
  D="$BATS_FILE_TMPDIR"
  nnet-import-ssl "$SSL/base_tiny/checkpoint.pt" "$D/base.h5" 2>/dev/null
  nnet-import-ssl "$SSL/large_tiny" "$D/large.h5" 2>/dev/null
  # Six utterances of 0.5 to 9.65 s (float32, full scale 1.0, 16 kHz), listed in wav.scp order
  # in $D/keys; "long" is long enough for several windows.
  "$PY" - "$SSL/inputs" "$D" <<'PY'
import sys, h5py, numpy as np
src, d = sys.argv[1], sys.argv[2]
a = np.load(src + '/wav_1p0s.npy')
b = np.load(src + '/wav_3p7s.npy')
noise = 0.3 * np.random.RandomState(0).randn(20000).astype(np.float32)
utts = [('u1', a), ('u2', b), ('u3', b[:11111]), ('long', np.concatenate([b, a, b[::-1], noise])),
        ('u4', np.concatenate([b[20000:], a[:5000]])), ('u5', a[3000:11000])]
with h5py.File(d + '/wav.h5', 'w', track_order=True) as f:  # read back in this order
    for k, x in utts:
        x = f.create_dataset(k, data=np.ascontiguousarray(x, dtype=np.float32))
        x.attrs['sample_rate'] = 16000.0
        x.attrs['full_scale'] = 1.0
open(d + '/keys', 'w').write(' '.join(k for k, _ in utts) + '\n')
PY
}

setup() {
  [ -d "$SSL" ] || skip "SSL fixtures not found at $SSL (set VOX_FIXTURES)"
  "$PY" -c "import h5py" 2>/dev/null || skip "python3-h5py not importable by $PY"
  D="$BATS_FILE_TMPDIR"
  OUT="$BATS_TEST_TMPDIR"
}

# same A.h5 B.h5 TOL: the same keys and shapes, max |A - B| <= TOL (printed), values not
# trivially small.
same() {
  "$PY" - "$@" <<'PY'
import sys, h5py, numpy as np
a, b, tol = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r'), float(sys.argv[3])
assert sorted(a.keys()) == sorted(b.keys()), (list(a.keys()), list(b.keys()))
worst = 0.0
for k in a:
    x, y = a[k][()], b[k][()]
    assert x.shape == y.shape, (k, x.shape, y.shape)
    assert np.abs(x).max() > 0.1, k
    worst = max(worst, float(np.abs(x - y).max()))
print('max diff', worst)
assert worst <= tol, worst
PY
}

@test "--batch-size=3 equals --batch-size=1 on utterances of different lengths, both models" {
  for m in base large; do
    compute-ssl-feats --layers=cnn,proj,0,1,2,final $D/$m.h5 "h5:$D/wav.h5" h5:$OUT/$m-1.h5
    compute-ssl-feats --batch-size=3 --layers=cnn,proj,0,1,2,final $D/$m.h5 "h5:$D/wav.h5" h5:$OUT/$m-3.h5
    same $OUT/$m-1.h5 $OUT/$m-3.h5 1e-5
    # A cap of 3 s of padded audio splits the batches differently: still the same.
    compute-ssl-feats --batch-size=3 --max-batch-secs=3 --layers=cnn,proj,0,1,2,final $D/$m.h5 \
      "h5:$D/wav.h5" h5:$OUT/$m-3c.h5
    same $OUT/$m-1.h5 $OUT/$m-3c.h5 1e-5
  done
}

@test "batched output is in input order, every utterance once" {
  compute-ssl-feats --batch-size=3 --read-ahead=6 --layer=1 $D/base.h5 "h5:$D/wav.h5" ark,t:$OUT/f.txt
  [ "$(awk '/\[/ { printf "%s ", $1 }' $OUT/f.txt)" = "$(cat $D/keys) " ]
}

@test "a bad utterance in a batch fails alone; the others are written" {
  "$PY" - "$D/wav.h5" "$OUT/bad.h5" <<'PY'
import sys, h5py, numpy as np
src, dst = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'w')
for k in ('u1', 'u2', 'u3'):
    src.copy(k, dst)
x = dst.create_dataset('tiny', data=np.zeros(300, np.float32))
x.attrs['sample_rate'] = 16000.0
x.attrs['full_scale'] = 1.0
PY
  run compute-ssl-feats --batch-size=4 --max-errors=1 $D/base.h5 "h5:$OUT/bad.h5" ark,t:$OUT/f.txt
  [ "$status" -eq 0 ]
  [[ "$output" == *"utterance tiny: 300 samples"* && "$output" == *"Done 3, errors 1"* ]]
  [ "$(grep -c '\[' $OUT/f.txt)" -eq 3 ]
}

@test "--window-secs longer than every utterance gives whole mode exactly" {
  for m in base large; do
    compute-ssl-feats --layers=all $D/$m.h5 "h5:$D/wav.h5" h5:$OUT/whole.h5
    compute-ssl-feats --layers=all --window-secs=20 --window-shift=10 $D/$m.h5 "h5:$D/wav.h5" h5:$OUT/win.h5
    same $OUT/whole.h5 $OUT/win.h5 0
  done
}

@test "short windows: T frames, each from the window where it is farthest from an edge" {
  # 1 s windows (50 frames) every 0.6 s (30 frames) on base_tiny (no waveform normalisation,
  # so a window cut out and run alone sees the same samples).
  compute-ssl-feats --layers=all $D/base.h5 "h5:$D/wav.h5" h5:$OUT/whole.h5
  compute-ssl-feats --layers=all --window-secs=1 --window-shift=0.6 $D/base.h5 "h5:$D/wav.h5" h5:$OUT/win.h5
  # Every window of every utterance, cut out as its own utterance <utt>@<start frame>.
  "$PY" - "$D/wav.h5" "$OUT" <<'PY'
import sys, h5py, numpy as np
wav, out = h5py.File(sys.argv[1], 'r'), sys.argv[2]
W, S = 50, 30
with h5py.File(out + '/pieces.h5', 'w') as f:
    for k in wav:
        x = wav[k][()]
        T = (len(x) - 400) // 320 + 1
        if T <= W:
            continue
        starts = list(range(0, T - W, S)) + [T - W]
        for s in starts:
            p = f.create_dataset('%s@%d' % (k, s), data=x[320 * s: 320 * s + 320 * (W - 1) + 400])
            p.attrs['sample_rate'] = 16000.0
            p.attrs['full_scale'] = 1.0
PY
  compute-ssl-feats --layers=all $D/base.h5 "h5:$OUT/pieces.h5" h5:$OUT/pieces-feats.h5
  "$PY" - "$OUT" <<'PY'
import sys, h5py, numpy as np
out = sys.argv[1]
whole, win = h5py.File(out + '/whole.h5', 'r'), h5py.File(out + '/win.h5', 'r')
pieces = h5py.File(out + '/pieces-feats.h5', 'r')
W = 50
windowed = 0
for k in whole:
    assert win[k].shape == whole[k].shape, (k, win[k].shape, whole[k].shape)
    starts = sorted(int(p.split('@')[1]) for p in pieces if p.split('@')[0] == k)
    if not starts:  # not longer than a window: whole mode
        assert np.abs(win[k][()] - whole[k][()]).max() <= 1e-5, k
        continue
    windowed += 1
    y = win[k][()]
    T = y.shape[0]
    assert starts[-1] + W == T
    for t in range(T):
        # The window in which t is farthest from an edge; ties go to the earlier one.
        best = max((min(t - s, s + W - 1 - t), -s) for s in starts if s <= t < s + W)
        s = -best[1]
        ref = pieces['%s@%d' % (k, s)][t - s]
        assert np.abs(y[t] - ref).max() <= 1e-5, (k, t, s, float(np.abs(y[t] - ref).max()))
    # Windowing changed something (the edges lack context; Base's GroupNorm is per window).
    assert np.abs(y - whole[k][()]).max() > 1e-2, k
assert windowed >= 3, windowed
print('windowed utterances', windowed)
PY
}

@test "windows share batches without changing results, both models" {
  for m in base large; do
    compute-ssl-feats --layers=cnn,1,final --window-secs=1.2 --window-shift=0.7 $D/$m.h5 "h5:$D/wav.h5" h5:$OUT/w1.h5
    compute-ssl-feats --layers=cnn,1,final --window-secs=1.2 --window-shift=0.7 --batch-size=4 $D/$m.h5 \
      "h5:$D/wav.h5" h5:$OUT/w4.h5
    same $OUT/w1.h5 $OUT/w4.h5 1e-5
  done
}

@test "window options: errors name the option and what is wrong" {
  run compute-ssl-feats --window-secs=1 --window-shift=2 $D/base.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--window-shift=2 is longer than --window-secs=1"* ]]
  run compute-ssl-feats --window-secs=1 $D/base.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--window-shift=0 must be > 0 with --window-secs=1"* ]]
  run compute-ssl-feats --window-secs=1 --window-shift=-0.5 $D/base.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--window-shift=-0.5 must be > 0"* ]]
  run compute-ssl-feats --window-secs=0.005 --window-shift=0.005 $D/base.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--window-secs=0.005 is shorter than one frame (0.02 s)"* ]]
  run compute-ssl-feats --window-shift=1 $D/base.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--window-shift=1 needs --window-secs"* ]]
  run compute-ssl-feats --batch-size=0 $D/base.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--batch-size=0 must be at least 1"* ]]
  [ ! -e $OUT/f.ark ]
}

@test "--layers-layout=keys and stack hold the concat columns; mean and weights combine them" {
  compute-ssl-feats --layers=0,2,1 $D/large.h5 "h5:$D/wav.h5" h5:$OUT/concat.h5
  compute-ssl-feats --layers=0,2,1 --layers-layout=keys --batch-size=2 $D/large.h5 "h5:$D/wav.h5" h5:$OUT/keys.h5
  compute-ssl-feats --layers=0,2,1 --layers-layout=stack $D/large.h5 "h5:$D/wav.h5" h5:$OUT/stack.h5
  compute-ssl-feats --layers=0,2,1 --mean $D/large.h5 "h5:$D/wav.h5" h5:$OUT/mean.h5
  compute-ssl-feats --layers=0,2,1 --layer-weights=0.5,-1,2 $D/large.h5 "h5:$D/wav.h5" h5:$OUT/soft.h5
  printf '0.5\n-1\n2\n' > $OUT/w.txt
  compute-ssl-feats --layers=0,2,1 --layer-weights=$OUT/w.txt --layer-weights-softmax=false \
    $D/large.h5 "h5:$D/wav.h5" h5:$OUT/raw.h5
  compute-ssl-feats --layers=0,2,1 --layer-weights=$OUT/w.txt --layer-weights-norm $D/large.h5 \
    "h5:$D/wav.h5" h5:$OUT/norm.h5
  "$PY" - "$OUT" <<'PY'
import sys, h5py, numpy as np
o = sys.argv[1]
concat = h5py.File(o + '/concat.h5', 'r')
keys, stack = h5py.File(o + '/keys.h5', 'r'), h5py.File(o + '/stack.h5', 'r')
f = {n: h5py.File('%s/%s.h5' % (o, n), 'r') for n in ('mean', 'soft', 'raw', 'norm')}
assert sorted(keys.keys()) == sorted('%s-L%d' % (u, n) for u in concat for n in (0, 1, 2))
w = np.array([0.5, -1, 2])
soft = np.exp(w) / np.exp(w).sum()
ln = lambda x: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
worst = 0.0
for u in concat:
    c = concat[u][()].astype(np.float64)
    parts = [c[:, 0:48], c[:, 48:96], c[:, 96:144]]  # layers 0, 2, 1 in the order given
    assert stack[u].shape == (3, c.shape[0], 48), stack[u].shape
    assert stack[u].attrs['layers'] in ('L0,L2,L1', b'L0,L2,L1'), stack[u].attrs['layers']
    for i, n in enumerate((0, 2, 1)):
        worst = max(worst, np.abs(keys['%s-L%d' % (u, n)][()] - parts[i]).max(),
                    np.abs(stack[u][i] - parts[i]).max())
    for name, ref in (('mean', sum(parts) / 3), ('soft', sum(s * p for s, p in zip(soft, parts))),
                      ('raw', sum(s * p for s, p in zip(w, parts))),
                      ('norm', sum(s * ln(p) for s, p in zip(soft, parts)))):
        assert f[name][u].shape == ref.shape
        worst = max(worst, np.abs(f[name][u][()] - ref).max())
print('max diff', worst)
assert worst <= 1e-5, worst
PY
}

@test "--layers=s3prl is 0..L-1 then final (pre-norm: with the final LayerNorm)" {
  compute-ssl-feats --layers=s3prl $D/large.h5 "h5:$D/wav.h5" h5:$OUT/s3prl.h5
  compute-ssl-feats --layers=0,1,2,final $D/large.h5 "h5:$D/wav.h5" h5:$OUT/list.h5
  same $OUT/s3prl.h5 $OUT/list.h5 0
  compute-ssl-feats --layers=all $D/large.h5 "h5:$D/wav.h5" h5:$OUT/all.h5
  run same $OUT/s3prl.h5 $OUT/all.h5 1e-3  # layer 3 vs final: differ by the LayerNorm
  [ "$status" -ne 0 ]
  compute-ssl-feats --layers=s3prl --layers-layout=keys $D/base.h5 "h5:$D/wav.h5" ark,t:$OUT/k.txt
  [ "$(awk '/\[/ { printf "%s ", $1 }' $OUT/k.txt | cut -d' ' -f1-4)" = "u1-L0 u1-L1 u1-final u2-L0" ]
}

@test "layout and weight errors: stack needs h5 and one dim, weights must match the layers" {
  run compute-ssl-feats --layers=1,2 --layers-layout=stack $D/base.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--layers-layout=stack"*"needs an h5: wspecifier"* ]]
  run compute-ssl-feats --layers=cnn,2 --layers-layout=stack $D/base.h5 "h5:$D/wav.h5" h5:$OUT/f.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"--layers-layout=stack over outputs of different dims: cnn has 32, L2 has 64"* ]]
  run compute-ssl-feats --layers=1,1 --layers-layout=keys $D/base.h5 "h5:$D/wav.h5" h5:$OUT/f.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"L1 is selected twice"* ]]
  run compute-ssl-feats --layers=1,2 --layers-layout=rows $D/base.h5 "h5:$D/wav.h5" h5:$OUT/f.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"--layers-layout=rows: expected concat, keys or stack"* ]]
  run compute-ssl-feats --layers=0,1,2 --layer-weights=1,2 $D/base.h5 "h5:$D/wav.h5" h5:$OUT/f.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"--layer-weights: 2 weights for 3 outputs"* ]]
  run compute-ssl-feats --layers=0,1 --layer-weights=$OUT/missing.txt $D/base.h5 "h5:$D/wav.h5" h5:$OUT/f.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"not a comma list of numbers, and not a readable file"* ]]
  run compute-ssl-feats --layers=0,1 --mean --layer-weights=1,2 $D/base.h5 "h5:$D/wav.h5" h5:$OUT/f.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"--mean and --layer-weights"* ]]
  run compute-ssl-feats --layers=0,1 --mean --layers-layout=keys $D/base.h5 "h5:$D/wav.h5" h5:$OUT/f.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"--layers-layout=keys writes each output"* ]]
  [ ! -e $OUT/f.h5 ] && [ ! -e $OUT/f.ark ]
}
