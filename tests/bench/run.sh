#!/usr/bin/env bash
# tests/bench/run.sh: throughput of the table backends (what `make bench` runs, after `make`).
#
# Generates an archive of random float matrices (Kaldi binary "FM", ~200 MB by default), then
# times copy-feats between backends and prints MB/s (archive bytes per second of wall time):
#   ark -> ark       sequential binary archive read + write
#   ark -> h5        HDF5 write (chunked, uncompressed)
#   ark -> h5,gz     HDF5 write with gzip level 1
#   h5 -> ark        HDF5 sequential read
#   scp -> ark       random access: an scp listing the archive's entries in shuffled order
#   ark -> null      read only (ark:/dev/null output), the reader's cost alone
# Each case runs BENCH_REPEATS times (default 3) and the best time is reported; the input is
# read once first so that every case starts from the page cache. No test asserts on these
# numbers (DESIGN.md §4); results and the machine go into tests/bench/README.md by hand.
#
# Environment: BENCH_MB (payload size, default 200), BENCH_REPEATS (3), BENCH_DIR (where the
# files go, default a fresh folder under $TMPDIR or /tmp, removed at the end), VOX_PYTHON.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PATH="$ROOT/bin:$PATH"
PYTHON=${VOX_PYTHON:-/usr/bin/python3}
MB=${BENCH_MB:-200}
REPEATS=${BENCH_REPEATS:-3}

if ! command -v copy-feats >/dev/null; then
  echo "bench: bin/copy-feats not built (run make first)" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import numpy' 2>/dev/null; then
  echo "bench: $PYTHON cannot import numpy (Debian package python3-numpy), needed to make the input" >&2
  exit 1
fi

if [ -n "${BENCH_DIR:-}" ]; then
  dir=$BENCH_DIR
  mkdir -p "$dir"
else
  dir=$(mktemp -d "${TMPDIR:-/tmp}/voxbench.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
fi

# Utterances of 200..1000 frames x 80 dims (fbank-like sizes), standard normal values.
"$PYTHON" - "$dir/in.ark" "$MB" <<'PY'
import sys, struct, numpy
path, mb = sys.argv[1], float(sys.argv[2])
rng = numpy.random.default_rng(20240611)
target = mb * 1e6
written = 0
with open(path, 'wb') as f:
    i = 0
    while written < target:
        rows = int(rng.integers(200, 1001))
        m = rng.standard_normal((rows, 80), dtype=numpy.float32)
        f.write(b'utt%06d \0BFM \x04' % i + struct.pack('<i', rows) + b'\x04' + struct.pack('<i', 80))
        f.write(m.astype('<f4').tobytes())
        written += m.nbytes
        i += 1
print(f'{i} utterances, {written / 1e6:.1f} MB of float32 payload', file=sys.stderr)
PY
# Sizes are the archive's (headers are ~25 bytes per utterance of ~250 KB: negligible).
payload_mb=$(stat -c %s "$dir/in.ark" | awk '{printf "%.1f", $1 / 1e6}')

# An scp with byte offsets, shuffled, for the random-access case.
copy-feats --print-args=false ark:"$dir/in.ark" ark,scp:"$dir/ref.ark","$dir/ref.scp" 2>/dev/null
shuf --random-source=<(yes) "$dir/ref.scp" > "$dir/shuffled.scp"
cat "$dir/in.ark" > /dev/null

# Sets BEST to the best wall time in seconds of REPEATS runs of "$@"; stops the script,
# showing the command's stderr, if a run fails.
best_time() {
  local t0 t1 t
  BEST=""
  for _ in $(seq "$REPEATS"); do
    rm -f "$dir"/out.*
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

cf() { copy-feats --print-args=false "$@"; }
copy-feats --print-args=false ark:"$dir/in.ark" h5:"$dir/in.h5" 2>/dev/null

printf '%-14s %10s %10s %10s %10s\n' case "in MB" seconds MB/s "out MB"
row() {
  local name=$1
  shift
  best_time "$@"
  local out_mb=-
  if ls "$dir"/out.* >/dev/null 2>&1; then
    out_mb=$(cat "$dir"/out.* | wc -c | awk '{printf "%.1f", $1 / 1e6}')
  fi
  printf '%-14s %10.1f %10.3f %10.1f %10s\n' "$name" "$payload_mb" "$BEST" \
    "$(awk -v m="$payload_mb" -v t="$BEST" 'BEGIN {printf "%.1f", m / t}')" "$out_mb"
}
row "ark -> null" cf ark:"$dir/in.ark" ark:/dev/null
row "ark -> ark" cf ark:"$dir/in.ark" ark:"$dir/out.ark"
row "ark -> h5" cf ark:"$dir/in.ark" h5:"$dir/out.h5"
row "ark -> h5,gz" cf ark:"$dir/in.ark" h5,gz:"$dir/out.h5"
row "h5 -> ark" cf h5:"$dir/in.h5" ark:"$dir/out.ark"
row "h5 -> null" cf h5:"$dir/in.h5" ark:/dev/null
row "scp -> ark" cf scp:"$dir/shuffled.scp" ark:"$dir/out.ark"
echo "(MB = 10^6 bytes; MB/s = input archive size / best wall time of $REPEATS runs)"

# Back-end trial scoring (PLDA, cosine) beside numpy: tests/bench/backend.sh.
"$ROOT/tests/bench/backend.sh"

# Neural-network engine beside PyTorch (GEMM, transformer block, conv stack): tests/bench/nnet.sh.
"$ROOT/tests/bench/nnet.sh"

# WavLM/HuBERT forward beside PyTorch (HuBERT Base vs torchaudio, WavLM Base+ batch 1 and 4 vs
# tests/reference/wavlm-torch.py with the same weights): tests/bench/ssl.sh.
"$ROOT/tests/bench/ssl.sh"

# compute-ssl-feats peak RSS on 1/5/10 min recordings, whole vs windowed: tests/bench/ssl-memory.sh.
"$ROOT/tests/bench/ssl-memory.sh"

# ECAPA-C512 training samples/s and extraction RTF beside PyTorch: tests/bench/train.sh.
"$ROOT/tests/bench/train.sh"
