# tests/cli/tables-common.bash: shared set-up for the table tools' Bats files (copy-feats,
# copy-matrix, copy-vector, feat-to-dim, feat-to-len, tables).
#
# Kaldi's scp fixtures name their archives relative to their own folder, so each test works
# in a writable copy of tables/ and compress/ and cds into it.

KALDI_FIXTURES="${VOX_FIXTURES:-$BATS_TEST_DIRNAME/../../../shared/fixtures}/kaldi"

# Copies the fixture folders into the test's temporary directory.
setup_fixture_copy() {
  [ -d "$KALDI_FIXTURES/tables" ] || skip "Kaldi fixtures not found under $KALDI_FIXTURES (set VOX_FIXTURES)"
  cp -r "$KALDI_FIXTURES/tables" "$KALDI_FIXTURES/compress" "$BATS_TEST_TMPDIR/"
  chmod -R u+w "$BATS_TEST_TMPDIR/tables" "$BATS_TEST_TMPDIR/compress"
}

# Fails if any temporary output ("*.tmp.<pid>") was left behind in the current folder.
assert_no_tmp_files() {
  local left
  left=$(find . -name '*.tmp.*')
  if [ -n "$left" ]; then
    echo "left behind: $left"
    return 1
  fi
}
