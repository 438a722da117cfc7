#!/usr/bin/env bash
# tests/fuzz/run.sh: build every tests/fuzz/<name>-fuzz.cc with libFuzzer + ASan + UBSan and run
# each for FUZZ_SECONDS (default 20) on a seed corpus made from the Kaldi fixtures. A crash,
# leak or sanitizer report fails the run and leaves the reproducer in build-fuzz/<name>/.
#
# Usage: tests/fuzz/run.sh [name...]       (FUZZ_SECONDS=300 tests/fuzz/run.sh table)
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FIXTURES=${VOX_FIXTURES:-$(cd .. && pwd)/shared/fixtures}
out=build-fuzz
mkdir -p "$out/obj"

CXX=clang++
FLAGS="-g -O1 -std=c++17 -fopenmp -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
INC="-Isrc $(pkg-config --cflags hdf5)"
LIBS="$(pkg-config --libs hdf5) -lsndfile -lboost_program_options -lopenblas -lpthread"

# The libraries a parser lives in, built once with coverage instrumentation.
objs=()
for src in src/base/*.cc src/matrix/*.cc src/io/*.cc; do
  o="$out/obj/$(echo "$src" | tr / _).o"
  if [ ! -e "$o" ] || [ "$src" -nt "$o" ]; then
    $CXX $FLAGS -fsanitize=fuzzer-no-link $INC -c "$src" -o "$o"
  fi
  objs+=("$o")
done

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in tests/fuzz/*-fuzz.cc; do names+=("$(basename "$f" -fuzz.cc)"); done
fi

status=0
for name in "${names[@]}"; do
  bin="$out/$name/$name-fuzz"
  mkdir -p "$out/$name/corpus"
  $CXX $FLAGS -fsanitize=fuzzer $INC "tests/fuzz/$name-fuzz.cc" "${objs[@]}" $LIBS -o "$bin"
  # Seeds: every fixture file of a kind the parser reads (see tests/fuzz/seeds.txt).
  while read -r fname pattern; do
    [ "$fname" = "$name" ] || continue
    # Named by their path: fixtures of two folders may share a file name.
    for s in $FIXTURES/$pattern; do
      [ -f "$s" ] && cp -f "$s" "$out/$name/corpus/$(echo "${s#"$FIXTURES"/}" | tr / _)"
    done
  done < tests/fuzz/seeds.txt
  echo "fuzz $name: ${FUZZ_SECONDS}s on $(ls "$out/$name/corpus" | wc -l) seeds"
  if ! (cd "$out/$name" && ./"$name-fuzz" -max_total_time="$FUZZ_SECONDS" -max_len=65536 \
        -rss_limit_mb=2048 -print_final_stats=1 corpus >fuzz.log 2>&1); then
    echo "fuzz $name: FAILED (see $out/$name/fuzz.log and crash-* there)"
    grep -E 'ERROR: |SUMMARY' "$out/$name/fuzz.log" | head -5
    status=1
  else
    grep -E 'stat::number_of_executed_units' "$out/$name/fuzz.log" | sed "s/^/fuzz $name: /"
  fi
done
exit $status
