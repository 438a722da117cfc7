# tests/cli/audio-common.bash: shared set-up for the audio tools' Bats files (wav-to-h5,
# h5-to-wav, wav-to-duration).
#
# The Kaldi fixture's wav.scp names wavs relative to its folder (wav/a_speech.wav), so each
# test works in a writable copy of features/ and cds into it.

KALDI_FIXTURES="${VOX_FIXTURES:-$BATS_TEST_DIRNAME/../../../shared/fixtures}/kaldi"
PYTHON="${VOX_PYTHON:-/usr/bin/python3}"

# Copies features/ (wavs, lists, durations) into the test's temporary directory and cds there.
setup_audio_fixture() {
  [ -d "$KALDI_FIXTURES/features/wav" ] || skip "Kaldi fixtures not found under $KALDI_FIXTURES (set VOX_FIXTURES)"
  cp -r "$KALDI_FIXTURES/features" "$BATS_TEST_TMPDIR/"
  chmod -R u+w "$BATS_TEST_TMPDIR/features"
  cd "$BATS_TEST_TMPDIR/features"
}

# Bad inputs for the per-key error tests, next to the good wavs:
#   bad/text.wav (not audio), bad/empty.wav (0 bytes), bad/truncated.wav (cut mid-data).
make_bad_wavs() {
  mkdir -p bad
  echo "this is not audio" > bad/text.wav
  : > bad/empty.wav
  head -c 5000 wav/a_speech.wav > bad/truncated.wav
}

need_sox() { command -v sox >/dev/null || skip "sox not installed (Debian packages sox, libsox-fmt-all)"; }
need_h5py() { "$PYTHON" -c 'import h5py' 2>/dev/null || skip "h5py not importable by $PYTHON (Debian package python3-h5py)"; }
need_h5dump() { command -v h5dump >/dev/null || skip "h5dump not installed (Debian package hdf5-tools)"; }

# Fails if any temporary output ("*.tmp.<pid>") was left behind in the current folder.
assert_no_tmp_files() {
  local left
  left=$(find . -name '*.tmp.*')
  if [ -n "$left" ]; then
    echo "left behind: $left"
    return 1
  fi
}
