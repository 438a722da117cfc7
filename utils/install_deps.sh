#!/usr/bin/env bash
# utils/install_deps.sh: install every Debian package voxtools needs to build, test and run
# its demo. Idempotent: when everything is present it prints nothing and exits 0.
#
# Usage: utils/install_deps.sh [--build-only]
#   --build-only   only what `make` needs (compiler and libraries), not the test tools.
set -euo pipefail

build_pkgs=(g++ make pkg-config libopenblas-dev libhdf5-dev libsndfile1-dev
            libboost-program-options-dev libfftw3-dev libsoxr-dev)
# Test and demo tools: GoogleTest and Bats run the tests; python3-torch/torchaudio/numpy are
# the reference oracle; python3-h5py and hdf5-tools prove our HDF5 files need no project code;
# sox and espeak-ng synthesise the test and demo corpora; clang builds the fuzz targets;
# librsvg2-bin's rsvg-convert renders plot-det/plot-confusion's SVG to PNG (--png); time's
# /usr/bin/time -v gives tests/bench/ssl-memory.sh the peak RSS.
test_pkgs=(googletest libgtest-dev bats python3-numpy python3-h5py hdf5-tools sox
           libsox-fmt-all espeak-ng clang libclang-rt-14-dev python3-torch python3-torchaudio
           slurm-wlm munge librsvg2-bin time)

pkgs=("${build_pkgs[@]}")
[ "${1:-}" = "--build-only" ] || pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install_deps.sh: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "install_deps.sh: ERROR: missing packages and not root; run as root or install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are absent or a first attempt fails.
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then apt-get update -qq; fi
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
