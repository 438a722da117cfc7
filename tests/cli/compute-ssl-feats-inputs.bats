#!/usr/bin/env bats
# compute-ssl-feats reads audio the way every voxtools audio tool does (io/wave-reader.h): a
# wav.scp, the same recordings cut by a Kaldi segments file, or wav-to-h5's HDF5 files. The
# same samples must give the same features whichever way they arrive (compared exactly:
# the forward pass is deterministic for a given input and thread count).

PY="${VOX_PYTHON:-/usr/bin/python3}"
SSL="${VOX_FIXTURES:-/work/shared/fixtures}/ssl"

setup_file() {
  [ -d "$SSL" ] || return 0
  D="$BATS_FILE_TMPDIR"
  nnet-import-ssl "$SSL/base_tiny/checkpoint.pt" "$D/base.h5" 2>/dev/null
  # A 3 s 16-bit recording, and the piece from 0.5 s to 2.25 s of it as its own file.
  "$PY" - "$D" <<'PY'
import sys, wave, numpy as np
d = sys.argv[1]
x = (3000 * np.random.RandomState(7).randn(48000)).clip(-32768, 32767).astype('<i2')
for name, y in (('rec.wav', x), ('piece.wav', x[8000:36000])):
    with wave.open('%s/%s' % (d, name), 'wb') as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
        w.writeframes(y.tobytes())
PY
  echo "rec $D/rec.wav" > "$D/wav.scp"
  echo "piece $D/piece.wav" > "$D/piece.scp"
  echo "seg1 rec 0.5 2.25" > "$D/segments"
}

setup() {
  [ -d "$SSL" ] || skip "SSL fixtures not found at $SSL (set VOX_FIXTURES)"
  "$PY" -c "import h5py" 2>/dev/null || skip "python3-h5py not importable by $PY"
  D="$BATS_FILE_TMPDIR"
  OUT="$BATS_TEST_TMPDIR"
}

# same A.h5 KEY_A B.h5 KEY_B: the two feature matrices are identical.
same() {
  "$PY" - "$@" <<'PY'
import sys, h5py, numpy as np
a = h5py.File(sys.argv[1], 'r')[sys.argv[2]][()]
b = h5py.File(sys.argv[3], 'r')[sys.argv[4]][()]
assert a.shape == b.shape, (a.shape, b.shape)
assert np.abs(a).max() > 0.01
assert np.array_equal(a, b), float(np.abs(a - b).max())
PY
}

@test "wav.scp and wav-to-h5 input give the same features" {
  run wav-to-h5 scp:"$D/wav.scp" "$OUT/wav.h5"
  [ "$status" -eq 0 ]
  run compute-ssl-feats --layer=2 "$D/base.h5" scp:"$D/wav.scp" h5:"$OUT/a.h5"
  [ "$status" -eq 0 ]
  run compute-ssl-feats --layer=2 "$D/base.h5" h5:"$OUT/wav.h5" h5:"$OUT/b.h5"
  [ "$status" -eq 0 ]
  run same "$OUT/a.h5" rec "$OUT/b.h5" rec
  [ "$status" -eq 0 ]
}

@test "a segments file cuts recordings: same features as the cut-out piece" {
  run compute-ssl-feats --layer=final --segments="$D/segments" "$D/base.h5" \
    scp:"$D/wav.scp" h5:"$OUT/seg.h5"
  [ "$status" -eq 0 ]
  run compute-ssl-feats --layer=final "$D/base.h5" scp:"$D/piece.scp" h5:"$OUT/piece.h5"
  [ "$status" -eq 0 ]
  run same "$OUT/seg.h5" seg1 "$OUT/piece.h5" piece
  [ "$status" -eq 0 ]
  # 1.75 s = 28000 samples -> (28000 - 400) / 320 + 1 = 87 frames.
  run feat-to-len h5:"$OUT/seg.h5" ark,t:-
  [ "$status" -eq 0 ]
  [[ "$output" == *"seg1 87"* ]]
}

@test "a segment naming an unknown recording is an error naming it; nothing written" {
  echo "bad1 nosuchrec 0 1" > "$OUT/segments"
  run compute-ssl-feats --segments="$OUT/segments" "$D/base.h5" scp:"$D/wav.scp" \
    ark,scp:"$OUT/f.ark,$OUT/f.scp"
  [ "$status" -ne 0 ]
  [[ "$output" == *nosuchrec* ]]
  [ ! -e "$OUT/f.ark" ] && [ ! -e "$OUT/f.scp" ]
}
