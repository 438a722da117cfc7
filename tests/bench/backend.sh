#!/usr/bin/env bash
# tests/bench/backend.sh: throughput of PLDA and cosine trial scoring (what `make bench` runs,
# after `make`, from tests/bench/run.sh).
#
# Synthetic 256-dim embeddings (numpy, fixed seed): a PLDA model trained by train-plda on
# 300 speakers x 10 utterances, 1000 enrolment speakers, 1000 test utterances and all
# 1000 x 1000 = 1M trials (BENCH_TRIALS_SIDE=1000). Times, best of BENCH_REPEATS (3):
#   score-plda    ours, end to end (read model, vectors, 1M-line trials; write 1M scores)
#   score-cosine  ours, the same for cosine scoring
#   numpy-plda    the peer: the same PLDA scoring (Kaldi's LogLikelihoodRatio formula,
#                 vectorised over trials in chunks of 100k) in numpy, also end to end
#                 (read trials text, write scores text)
#   numpy-cosine  the peer for cosine
# Kaldi's own ivector-plda-scoring is not installed here, so it could not be measured; it
# scores one trial at a time with per-trial allocations, and numpy is the stated peer.
# Scores of ours and numpy are compared (max abs difference printed) so the race is fair.
# Environment: BENCH_REPEATS, BENCH_TRIALS_SIDE, BENCH_DIR, VOX_PYTHON.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PATH="$ROOT/bin:$PATH"
PYTHON=${VOX_PYTHON:-/usr/bin/python3}
REPEATS=${BENCH_REPEATS:-3}
SIDE=${BENCH_TRIALS_SIDE:-1000}
for t in train-plda score-plda score-cosine; do
  command -v $t >/dev/null || { echo "bench: bin/$t not built (run make first)" >&2; exit 1; }
done
"$PYTHON" -c 'import numpy' 2>/dev/null || { echo "bench: $PYTHON cannot import numpy (python3-numpy)" >&2; exit 1; }
if [ -n "${BENCH_DIR:-}" ]; then
  dir=$BENCH_DIR
  mkdir -p "$dir"
else
  dir=$(mktemp -d "${TMPDIR:-/tmp}/voxbench-backend.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
fi

"$PYTHON" - "$dir" "$SIDE" <<'PY'
import sys, struct, numpy as np
d, side = sys.argv[1], int(sys.argv[2])
dim = 256
rng = np.random.default_rng(20240701)
a = rng.standard_normal((dim, dim)) * 0.3 / np.sqrt(dim) * 4
c = np.eye(dim) + rng.standard_normal((dim, dim)) * 0.1 / np.sqrt(dim)
def write_ark(path, keys, m):
    with open(path, 'wb') as f:
        for k, v in zip(keys, m.astype('<f4')):
            f.write(k.encode() + b' \0BFV \x04' + struct.pack('<i', dim) + v.tobytes())
spk = rng.standard_normal((300, dim)) @ a.T
train = np.repeat(spk, 10, axis=0) + rng.standard_normal((3000, dim)) @ c.T
keys = ['s%03d-u%02d' % (i // 10, i % 10) for i in range(3000)]
write_ark(d + '/train.ark', keys, train)
with open(d + '/spk2utt', 'w') as f:
    for s in range(300):
        f.write('s%03d ' % s + ' '.join(keys[s * 10:(s + 1) * 10]) + '\n')
enroll = rng.standard_normal((side, dim)) @ a.T + rng.standard_normal((side, dim)) @ c.T
test = rng.standard_normal((side, dim)) @ a.T + rng.standard_normal((side, dim)) @ c.T
write_ark(d + '/enroll.ark', ['e%05d' % i for i in range(side)], enroll)
write_ark(d + '/test.ark', ['t%05d' % i for i in range(side)], test)
with open(d + '/trials', 'w') as f:
    for i in range(side):
        f.write(''.join('e%05d t%05d\n' % (i, j) for j in range(side)))
PY
train-plda --print-args=false --binary=false ark:"$dir/spk2utt" ark:"$dir/train.ark" "$dir/plda.txt" 2>/dev/null

cat > "$dir/peer.py" <<'PY'
# The numpy peer: Kaldi's PLDA scoring (plda.cc LogLikelihoodRatio with length normalisation)
# or cosine scoring, end to end from the same files.
import sys, re, numpy as np
mode, d, out = sys.argv[1], sys.argv[2], sys.argv[3]
def read_ark(path):
    data = open(path, 'rb').read()
    keys, vecs, pos = [], [], 0
    while pos < len(data):
        sp = data.index(b' ', pos)
        keys.append(data[pos:sp].decode())
        dim = int.from_bytes(data[sp + 7:sp + 11], 'little')
        vecs.append(np.frombuffer(data, '<f4', dim, sp + 11))
        pos = sp + 11 + 4 * dim
    return {k: i for i, k in enumerate(keys)}, np.array(vecs, dtype=np.float64)
ek, E = read_ark(d + '/enroll.ark')
tk, T = read_ark(d + '/test.ark')
pairs = np.loadtxt(d + '/trials', dtype=str)
ei = np.array([ek[k] for k in pairs[:, 0]])
ti = np.array([tk[k] for k in pairs[:, 1]])
if mode == 'plda':
    objs = re.findall(r'\[(.*?)\]', open(d + '/plda.txt').read(), re.S)
    mean = np.array(objs[0].split(), float)
    tr = np.array(objs[1].split(), float).reshape(len(mean), len(mean))
    psi = np.array(objs[2].split(), float)
    dim = len(psi)
    def transform(X, n):
        Y = (X - mean) @ tr.T
        return Y * np.sqrt(dim / (Y ** 2 / (psi + 1.0 / n)).sum(1))[:, None]
    E, T = transform(E, 1), transform(T, 1)
    scores = np.empty(len(ei))
    n = 1
    for s in range(0, len(ei), 100000):
        e, t = E[ei[s:s + 100000]], T[ti[s:s + 100000]]
        m = n * psi / (n * psi + 1) * e
        v = 1 + psi / (n * psi + 1)
        given = -0.5 * (np.log(v).sum() + np.log(2 * np.pi) * dim + ((t - m) ** 2 / v).sum(1))
        v0 = 1 + psi
        without = -0.5 * (np.log(v0).sum() + np.log(2 * np.pi) * dim + (t ** 2 / v0).sum(1))
        scores[s:s + 100000] = given - without
else:
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    T /= np.linalg.norm(T, axis=1, keepdims=True)
    scores = np.empty(len(ei))
    for s in range(0, len(ei), 100000):
        scores[s:s + 100000] = (E[ei[s:s + 100000]] * T[ti[s:s + 100000]]).sum(1)
with open(out, 'w') as f:
    f.writelines('%s %s %.7g\n' % (a, b, x) for (a, b), x in zip(pairs, scores))
PY

best_time() {
  local t0 t1 t
  BEST=""
  for _ in $(seq "$REPEATS"); do
    t0=$(date +%s.%N)
    if ! "$@" 2>"$dir/stderr"; then
      echo "bench: failed: $*" >&2
      cat "$dir/stderr" >&2
      exit 1
    fi
    t1=$(date +%s.%N)
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    if [ -z "$BEST" ] || awk -v t="$t" -v b="$BEST" 'BEGIN {exit !(t < b)}'; then BEST=$t; fi
  done
}
num_trials=$((SIDE * SIDE))
printf '%-14s %10s %10s %14s\n' case trials seconds trials/s
row() {
  local name=$1
  shift
  best_time "$@"
  printf '%-14s %10d %10.3f %14.0f\n' "$name" "$num_trials" "$BEST" \
    "$(awk -v n="$num_trials" -v t="$BEST" 'BEGIN {print n / t}')"
}
sp() { score-plda --print-args=false "$@"; }
sc() { score-cosine --print-args=false "$@"; }
row "score-plda" sp "$dir/plda.txt" ark:"$dir/enroll.ark" ark:"$dir/test.ark" "$dir/trials" "$dir/ours.plda"
row "score-cosine" sc ark:"$dir/enroll.ark" ark:"$dir/test.ark" "$dir/trials" "$dir/ours.cos"
row "numpy-plda" "$PYTHON" "$dir/peer.py" plda "$dir" "$dir/peer.plda"
row "numpy-cosine" "$PYTHON" "$dir/peer.py" cosine "$dir" "$dir/peer.cos"
for m in plda cos; do
  paste -d' ' "$dir/ours.$m" "$dir/peer.$m" | awk -v m=$m '{d = $3 - $6; if (d < 0) d = -d; if (d > x) x = d} END {printf "max |ours - numpy| (%s): %g\n", m, x}'
done
echo "(256-dim embeddings, 1 enrolment utterance each; best of $REPEATS runs; numpy $("$PYTHON" -c 'import numpy; print(numpy.__version__)'), threads as set by the environment)"
echo "(Kaldi's ivector-plda-scoring is not installed here and could not be measured; numpy is the peer)"
