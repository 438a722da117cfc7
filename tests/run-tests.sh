#!/usr/bin/env bash
# tests/run-tests.sh: run every GoogleTest binary and every Bats file, print one summary line
# ("N passed, N failed, N skipped") and exit non-zero if anything failed.
#
# Usage: tests/run-tests.sh [--unit-only]
#   BUILD=build-asan tests/run-tests.sh --unit-only   (what `make test-asan` runs)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
unit_only=false
[ "${1:-}" = "--unit-only" ] && unit_only=true

passed=0 failed=0 skipped=0
failures=()
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

# Tests compare against Debian's python3-torch etc.: pyenv or venv pythons lack them.
export VOX_PYTHON=${VOX_PYTHON:-/usr/bin/python3}
export PATH="$PWD/bin:$PWD/utils:$PATH"
export VOX_ROOT=$PWD
export VOX_FIXTURES=${VOX_FIXTURES:-$(cd .. && pwd)/shared/fixtures}

for t in "$BUILD"/tests/*-test; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  out="$log_dir/$name.log"
  "$t" --gtest_color=no >"$out" 2>&1
  rc=$?
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
  s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
  p=${p:-0} f=${f:-0} s=${s:-0}
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi  # crashed before its summary
  echo "unit  $name: $p passed, $f failed, $s skipped"
  if [ "$f" -ne 0 ]; then
    failures+=("$name")
    grep -E '^\[  FAILED  \]|Failure|error:|ERROR|ASSERTION|Sanitizer' "$out" | head -40
    tail -5 "$out"
  fi
  grep '^\[  SKIPPED \] [A-Za-z]' "$out" | sed 's/^/      /'
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

if ! $unit_only; then
  for f in tests/cli/*.bats; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    out="$log_dir/$name.tap"
    bats --tap "$f" >"$out" 2>&1
    p=$(grep -E '^ok ' "$out" | grep -vc '# skip')
    s=$(grep -E '^ok .*# skip' "$out" | wc -l)
    n=$(grep -c '^not ok ' "$out")
    planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out" | head -1)
    if [ -n "$planned" ] && [ $((p + s + n)) -lt "$planned" ]; then
      n=$((n + planned - p - s - n))  # bats died before finishing the file
    fi
    echo "cli   $name: $p passed, $n failed, $s skipped"
    if [ "$n" -ne 0 ]; then
      failures+=("$name")
      awk '/^not ok /{show=1} /^ok /{show=0} show' "$out" | head -60
    fi
    grep -E '^ok .*# skip' "$out" | sed 's/^/      /'
    passed=$((passed + p)) failed=$((failed + n)) skipped=$((skipped + s))
  done
fi

echo
[ ${#failures[@]} -gt 0 ] && echo "failing: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ $((passed + skipped)) -gt 0 ]
