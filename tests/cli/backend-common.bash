# tests/cli/backend-common.bash: shared set-up for the back-end tools' Bats files. Each test
# works in a writable copy of the Kaldi fixtures' backend/ folder (its .scp files name their
# archives relative to it) and compares numbers with tests/reference/backend_compare.py.

KALDI_FIXTURES="${VOX_FIXTURES:-$BATS_TEST_DIRNAME/../../../shared/fixtures}/kaldi"
VOX_ROOT="${VOX_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
PYTHON="${VOX_PYTHON:-/usr/bin/python3}"

setup_backend() {
  [ -d "$KALDI_FIXTURES/backend" ] || skip "Kaldi fixtures not found under $KALDI_FIXTURES (set VOX_FIXTURES)"
  cp -r "$KALDI_FIXTURES/backend" "$BATS_TEST_TMPDIR/"
  chmod -R u+w "$BATS_TEST_TMPDIR/backend"
  cd "$BATS_TEST_TMPDIR/backend"
}

compare() { "$PYTHON" "$VOX_ROOT/tests/reference/backend_compare.py" "$@"; }

# Kaldi's recipe chain written with our tools (README of the fixtures, backend/).
TRAIN_PIPE="ark:subtract-vector-mean scp:train_xvector.scp ark:- | transform-vec transform.mat ark:- ark:- | normalize-vector-length ark:- ark:- |"
ENROLL_PIPE="ark:average-vectors ark:enroll_spk2utt scp:enroll_xvector.scp ark:- | subtract-vector-mean mean.vec ark:- ark:- | transform-vec transform.mat ark:- ark:- | normalize-vector-length ark:- ark:- |"
TEST_PIPE="ark:subtract-vector-mean mean.vec scp:test_xvector.scp ark:- | transform-vec transform.mat ark:- ark:- | normalize-vector-length ark:- ark:- |"

# A binary archive of float vectors "key dim v1 v2 ..." per line of stdin (NaN allowed).
make_binary_vectors() {
  "$PYTHON" -c '
import struct, sys
out = open(sys.argv[1], "wb")
for line in sys.stdin:
    f = line.split()
    vals = [float(x) for x in f[2:]]
    out.write(f[0].encode() + b" \0BFV \x04" + struct.pack("<i", len(vals)) + struct.pack("<%df" % len(vals), *vals))
' "$1"
}

assert_no_tmp_files() {
  local left
  left=$(find . -name '*.tmp.*')
  if [ -n "$left" ]; then
    echo "left behind: $left"
    return 1
  fi
}
