#!/usr/bin/env bash
# tests/bench/nnet.sh: the engine against PyTorch on this machine, same threads, side by side:
# GEMM GFLOP/s (our wrapper, OpenBLAS called directly, torch.matmul), forward (inference) and
# forward+backward (training) times of a transformer block (d=768, 12 heads, FFN 3072, T=300,
# batch 4) and of wav2vec2's convolutional feature encoder (batch 4 x 1 s).
# Needs `make` first (build/lib). PyTorch runs with OMP_WAIT_POLICY=PASSIVE, its best setting
# on few cores (DESIGN.md §4); we need no such setting. OPENBLAS_CORETYPE is unset so OpenBLAS
# picks its kernels as on a user's machine; the chosen core is printed.
# Where OpenBLAS does not recognise the CPU (a VM reporting a generic "Intel Xeon Processor"
# gets the SSE3 "Prescott" kernels, ~13 instead of ~200 GFLOP/s), BENCH_OPENBLAS_CORETYPE
# (e.g. SkylakeX) is exported as OPENBLAS_CORETYPE to both sides; the chosen core is printed.
# Environment: BENCH_THREADS (default: number of cores), BENCH_REPEATS (5), BENCH_ROUNDS (5),
# VOX_PYTHON, BENCH_OPENBLAS_CORETYPE.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${VOX_PYTHON:-/usr/bin/python3}
THREADS=${BENCH_THREADS:-$(nproc)}
REPEATS=${BENCH_REPEATS:-5}
ROUNDS=${BENCH_ROUNDS:-5}
BUILD=${BUILD:-build}
unset OPENBLAS_CORETYPE
if [ -n "${BENCH_OPENBLAS_CORETYPE:-}" ]; then export OPENBLAS_CORETYPE=$BENCH_OPENBLAS_CORETYPE; fi

for l in nnet io matrix base; do
  if [ ! -f "$BUILD/lib/libvox-$l.a" ]; then
    echo "bench: $BUILD/lib/libvox-$l.a not built (run make first)" >&2
    exit 1
  fi
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/voxnnet.XXXXXX")
trap 'rm -rf "$dir"' EXIT
${CXX:-g++} -O3 -march=native -std=c++17 -fopenmp -Isrc tests/bench/nnet-bench.cc \
  "$BUILD"/lib/libvox-nnet.a "$BUILD"/lib/libvox-io.a "$BUILD"/lib/libvox-matrix.a \
  "$BUILD"/lib/libvox-base.a -lopenblas -lpthread -o "$dir/nnet-bench"

# The two sides take turns over BENCH_ROUNDS rounds and each row keeps its best round, so
# that both see the same spells of load (on a shared VM the speed drifts by +-20% within
# a minute, which a single ours-then-torch pass reads as a ratio).
have_torch=0
if "$PYTHON" -c 'import torch' 2>/dev/null; then have_torch=1; fi
for r in $(seq "$ROUNDS"); do
  echo "== round $r: voxtools engine (threads $THREADS, best of $REPEATS)"
  "$dir/nnet-bench" "$THREADS" "$REPEATS" | tee -a "$dir/ours.txt"
  if [ $have_torch = 1 ]; then
    echo "== round $r: PyTorch (OMP_WAIT_POLICY=PASSIVE, threads $THREADS, best of $REPEATS)"
    OMP_WAIT_POLICY=PASSIVE "$PYTHON" tests/bench/nnet-torch.py "$THREADS" "$REPEATS" | tee -a "$dir/torch.txt"
  fi
done
if [ $have_torch = 1 ]; then
  echo "== ratio (PyTorch time / ours, best round of $ROUNDS each; > 1 means we are faster;"
  echo "   the median round in brackets shows how much the machine's speed moved)"
  # "best median" of one side's rounds for a case.
  best_median() {
    grep "^$1 " "$2" | awk '{print $3}' | sort -g |
      awk '{v[NR] = $1} END {print v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
  }
  for case in "block infer" "block train" "convstack infer" "convstack train"; do
    read -r o om <<<"$(best_median "$case" "$dir/ours.txt")"
    read -r t tm <<<"$(best_median "$case" "$dir/torch.txt")"
    awk -v c="$case" -v o="$o" -v t="$t" -v om="$om" -v tm="$tm" 'BEGIN {
      printf "%-16s ours %7.2f ms (%7.2f)  torch %7.2f ms (%7.2f)  ratio %.2f\n", c, o, om, t, tm, t / o}'
  done
else
  echo "bench: $PYTHON has no torch (Debian package python3-torch): PyTorch side skipped" >&2
fi
