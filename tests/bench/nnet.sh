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
# Environment: BENCH_THREADS (default: number of cores), BENCH_REPEATS (5), VOX_PYTHON,
# BENCH_OPENBLAS_CORETYPE.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${VOX_PYTHON:-/usr/bin/python3}
THREADS=${BENCH_THREADS:-$(nproc)}
REPEATS=${BENCH_REPEATS:-5}
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

echo "== voxtools engine (threads $THREADS, best of $REPEATS)"
"$dir/nnet-bench" "$THREADS" "$REPEATS" | tee "$dir/ours.txt"
if "$PYTHON" -c 'import torch' 2>/dev/null; then
  echo "== PyTorch (OMP_WAIT_POLICY=PASSIVE, threads $THREADS, best of $REPEATS)"
  OMP_WAIT_POLICY=PASSIVE "$PYTHON" tests/bench/nnet-torch.py "$THREADS" "$REPEATS" | tee "$dir/torch.txt"
  echo "== ratio (PyTorch time / ours; > 1 means we are faster)"
  for case in "block infer" "block train" "convstack infer" "convstack train"; do
    o=$(grep "^$case " "$dir/ours.txt" | awk '{print $3}')
    t=$(grep "^$case " "$dir/torch.txt" | awk '{print $3}')
    awk -v c="$case" -v o="$o" -v t="$t" 'BEGIN {printf "%-16s ours %8.2f ms  torch %8.2f ms  ratio %.2f\n", c, o, t, t / o}'
  done
else
  echo "bench: $PYTHON has no torch (Debian package python3-torch): PyTorch side skipped" >&2
fi
