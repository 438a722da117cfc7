#!/usr/bin/env bats
# plot-confusion: the heat map's cells are the row percentages, from decisions or from score
# vectors; bad inputs leave no file.

load backend-common

setup() {
  cd "$BATS_TEST_TMPDIR"
  printf 'en\nfr\nde\n' > classes
  printf 'u1 en\nu2 en\nu3 en\nu4 fr\nu5 fr\nu6 de\n' > utt2lang
  printf 'u1 en\nu2 en\nu3 fr\nu4 fr\nu5 fr\nu6 en\n' > decisions
  printf 'u1 [ 1 0 0 ]\nu2 [ 2 1 0 ]\nu3 [ 0 1 0 ]\nu4 [ 0 3 1 ]\nu5 [ 0 2 1 ]\nu6 [ 4 0 1 ]\n' > scores.txt
}

@test "plot-confusion: row percentages from decisions and from score vectors" {
  plot-confusion classes decisions utt2lang conf.svg
  for cell in '>66.7<' '>33.3<' '>100<' 'accuracy 66.67% (6 utterances)'; do
    grep -q "$cell" conf.svg
  done
  "$PYTHON" -c 'import xml.dom.minidom; xml.dom.minidom.parse("conf.svg")'
  plot-confusion --title="LID" classes ark,t:scores.txt utt2lang conf2.svg
  [ "$(grep -o '>[0-9.]*<' conf.svg | sort)" = "$(grep -o '>[0-9.]*<' conf2.svg | sort)" ]
  if ! command -v rsvg-convert >/dev/null; then
    skip "rsvg-convert (librsvg2-bin) not installed: PNG output not tested"
  fi
  plot-confusion --png classes decisions utt2lang conf.png
  [ "$(head -c 4 conf.png | od -An -tx1 | tr -d ' \n')" = "89504e47" ]
}

@test "plot-confusion: unknown class, unknown key, dimension mismatch, NaN, empty input" {
  echo "u7 xx" >> decisions
  run plot-confusion classes decisions utt2lang conf.svg
  [ "$status" -eq 1 ]
  [[ "$output" == *"utterance u7 is decided as xx, not in classes"* ]]
  printf 'u1 en\nu9 fr\n' > dec2
  run plot-confusion classes dec2 utt2lang conf.svg
  [ "$status" -eq 1 ]
  [[ "$output" == *"utterance u9 has no utt2lang entry"* ]]
  printf 'u1 [ 1 0 ]\n' > short.txt
  run plot-confusion classes ark,t:short.txt utt2lang conf.svg
  [ "$status" -eq 1 ]
  [[ "$output" == *"score vectors have dimension 2 but classes lists 3 classes"* ]]
  printf 'u1 [ 1 nan 0 ]\n' > nan.txt
  run plot-confusion classes ark,t:nan.txt utt2lang conf.svg
  [ "$status" -eq 1 ]
  [[ "$output" == *"nan"* || "$output" == *"NaN"* ]]
  : > empty
  run plot-confusion classes empty utt2lang conf.svg
  [ "$status" -eq 1 ]
  [[ "$output" == *"empty is empty"* ]]
  [ ! -e conf.svg ]
  assert_no_tmp_files
}
