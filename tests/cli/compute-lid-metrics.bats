#!/usr/bin/env bats
# compute-lid-metrics: a hand-computed case (the same as the library's unit test) and bad input.

load backend-common

setup() {
  cd "$BATS_TEST_TMPDIR"
  printf 'en\nfr\nde\n' > langs
  printf 'u1 [ 2 -2 -2 ]\nu2 [ 1 -1 -3 ]\nu3 [ -2 2 -2 ]\nu4 [ -1 3 -2 ]\nu5 [ -2 -2 2 ]\nu6 [ 1 -2 0 ]\n' > s.txt
  printf 'u1 en\nu2 en\nu3 fr\nu4 fr\nu5 de\nu6 de\n' > utt2lang
}

@test "compute-lid-metrics: accuracy, Cavg, minCavg, confusion of a hand-computed case" {
  run compute-lid-metrics --scores-are-llrs langs ark,t:s.txt utt2lang
  [ "$status" -eq 0 ]
  [[ "$output" == *"accuracy 83.33%"* ]]
  [[ "$output" == *"Cavg 0.1250"* ]]
  [[ "$output" == *"minCavg 0.0417"* ]]
  [[ "$output" == *"de                1        0        1"* ]]
}

@test "compute-lid-metrics: wrong dimension, unknown language, missing utt2lang" {
  run compute-lid-metrics --help
  [[ "$output" == *"Cavg"* ]]
  printf 'en\nfr\n' > two
  run compute-lid-metrics two ark,t:s.txt utt2lang
  [ "$status" -eq 1 ]
  [[ "$output" == *"score vectors have dimension 3 but two lists 2 languages"* ]]
  printf 'u1 it\n' > u2l
  run compute-lid-metrics --max-errors=10 langs ark,t:s.txt u2l
  [ "$status" -eq 1 ]
  [[ "$output" == *"utterance u1 has language it, not in langs"* ]]
  head -5 utt2lang > u2l
  run compute-lid-metrics langs ark,t:s.txt u2l
  [ "$status" -eq 1 ]
  [[ "$output" == *"utterance u6 has no utt2lang entry"* ]]
}
