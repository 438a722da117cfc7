#!/usr/bin/env bash
# tests/bench/train.sh: ECAPA-TDNN (conf/models/ecapa-c512.json) training and extraction speed,
# ours beside PyTorch, same architecture (tests/reference/models-ref.py), same threads:
#   train    samples/s of SGD steps on batches of 32 chunks of 2 s (200 frames x 80 fbank):
#            forward, AAM-softmax over 1000 classes, backward, SGD (Nesterov momentum 0.9,
#            weight decay 1e-4); BENCH_WARMUP steps (2) untimed, then BENCH_STEPS (5) timed
#   extract  real-time factor (compute seconds per second of features) of one 10 s utterance
#            (1000 frames) through the network in eval mode, best of BENCH_REPEATS (3)
# Ours is tests/bench/train-bench.cc (the engine called directly, as train-nnet and
# extract-embeddings call it, without their data loading); PyTorch's tests/bench/train-torch.py.
# Needs `make` first (build/lib). PyTorch runs with OMP_WAIT_POLICY=PASSIVE, its best setting
# on few cores (DESIGN.md §4). OPENBLAS_CORETYPE is unset unless BENCH_OPENBLAS_CORETYPE is
# given (a VM whose CPU OpenBLAS does not recognise gets the slow "Prescott" kernels; e.g.
# BENCH_OPENBLAS_CORETYPE=SkylakeX), then exported to both sides; the chosen core is printed.
# About 1 minute per side on 2 cores. Nothing here is asserted.
# Environment: BENCH_THREADS (2), BENCH_WARMUP, BENCH_STEPS, BENCH_REPEATS, VOX_PYTHON,
# BENCH_OPENBLAS_CORETYPE.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${VOX_PYTHON:-/usr/bin/python3}
THREADS=${BENCH_THREADS:-2}
WARMUP=${BENCH_WARMUP:-2}
STEPS=${BENCH_STEPS:-5}
REPEATS=${BENCH_REPEATS:-3}
BUILD=${BUILD:-build}
CONFIG=conf/models/ecapa-c512.json
unset OPENBLAS_CORETYPE
if [ -n "${BENCH_OPENBLAS_CORETYPE:-}" ]; then export OPENBLAS_CORETYPE=$BENCH_OPENBLAS_CORETYPE; fi

for l in nnet io matrix base; do
  if [ ! -f "$BUILD/lib/libvox-$l.a" ]; then
    echo "bench: $BUILD/lib/libvox-$l.a not built (run make first)" >&2
    exit 1
  fi
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/voxtrain.XXXXXX")
trap 'rm -rf "$dir"' EXIT
${CXX:-g++} -O3 -march=native -std=c++17 -fopenmp -Isrc tests/bench/train-bench.cc \
  "$BUILD"/lib/libvox-nnet.a "$BUILD"/lib/libvox-io.a "$BUILD"/lib/libvox-matrix.a \
  "$BUILD"/lib/libvox-base.a -lopenblas -lpthread -o "$dir/train-bench"

echo "== ECAPA-C512, batch 32 x 200 frames x 80, AAM 1000 classes, SGD; $WARMUP warm-up + $STEPS timed steps"
echo "== voxtools engine (threads $THREADS)"
"$dir/train-bench" "$CONFIG" "$THREADS" "$WARMUP" "$STEPS" "$REPEATS" | tee "$dir/ours.txt"
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
  echo "bench: $PYTHON has no torch (Debian package python3-torch): PyTorch side skipped" >&2
  exit 0
fi
echo "== PyTorch (OMP_WAIT_POLICY=PASSIVE, threads $THREADS)"
OMP_WAIT_POLICY=PASSIVE "$PYTHON" tests/bench/train-torch.py "$CONFIG" "$THREADS" "$WARMUP" \
  "$STEPS" "$REPEATS" | tee "$dir/torch.txt"
o=$(awk '/^train /{print $6}' "$dir/ours.txt")
t=$(awk '/^train /{print $6}' "$dir/torch.txt")
awk -v o="$o" -v t="$t" 'BEGIN {printf "train    ours %8.2f samples/s  torch %8.2f samples/s  ours/torch %.2f (> 1: ours faster)\n", o, t, o / t}'
o=$(awk '/^extract /{print $5}' "$dir/ours.txt")
t=$(awk '/^extract /{print $5}' "$dir/torch.txt")
awk -v o="$o" -v t="$t" 'BEGIN {printf "extract  ours RTF %.5f  torch RTF %.5f  torch/ours %.2f (> 1: ours faster)\n", o, t, t / o}'
