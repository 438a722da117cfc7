# tests/cli/feat-helpers.bash: shared setup for the feature tools' Bats files.
FEATS="${VOX_FIXTURES:-/work/shared/fixtures}/kaldi/features"

feat_setup() {
  [ -d "$FEATS" ] || skip "Kaldi fixtures not found at $FEATS (set VOX_FIXTURES)"
  cd "$FEATS"  # scp paths are relative to the fixture folder
  OUT="$BATS_TEST_TMPDIR"
}

# max_abs_diff A B: the largest |a - b| over two text archives with the same keys and shapes
# (prints "shape" on a key or shape mismatch).
max_abs_diff() {
  "${VOX_PYTHON:-/usr/bin/python3}" - "$1" "$2" <<'PY'
import sys
def read(p):
    out, key, rows = {}, None, []
    for line in open(p):
        t = line.split()
        if not t: continue
        if len(t) > 1 and t[1] == '[':
            key, rows, t = t[0], [], t[2:]
        end = ']' in t
        t = [x for x in t if x != ']']
        if t: rows.append([float(x) for x in t])
        if end: out[key] = rows
    return out
a, b = read(sys.argv[1]), read(sys.argv[2])
if a.keys() != b.keys(): print("shape"); sys.exit()
m = 0.0
for k in a:
    if len(a[k]) != len(b[k]) or any(len(x) != len(y) for x, y in zip(a[k], b[k])): print("shape"); sys.exit()
    for x, y in zip(a[k], b[k]):
        m = max([m] + [abs(u - v) for u, v in zip(x, y)])
print(m)
PY
}

# under X LIMIT: succeeds if the number X is below LIMIT.
under() { awk -v x="$1" -v l="$2" 'BEGIN { exit !(x + 0 < l + 0) }'; }
