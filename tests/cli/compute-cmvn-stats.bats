#!/usr/bin/env bats
# compute-cmvn-stats: per utterance, per speaker, global; the stats format.
load feat-helpers

setup() { feat_setup; }

@test "compute-cmvn-stats --help" {
  run compute-cmvn-stats --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"--spk2utt"* ]]
}

@test "per-utterance stats: 2 x (dim+1), count and zero in the last column" {
  compute-cmvn-stats ark:mfcc_default.ark ark,t:$OUT/s.txt
  # d_short has 28 frames of 13 coefficients.
  grep -A2 '^d_short' $OUT/s.txt > $OUT/d.txt
  [ "$(sed -n 2p $OUT/d.txt | awk '{print NF, $NF}')" = "14 28 " ] || [ "$(sed -n 2p $OUT/d.txt | awk '{print NF, $NF}')" = "14 28" ]
  [ "$(sed -n 3p $OUT/d.txt | awk '{print $(NF-1)}')" = "0" ]
}

@test "per-speaker stats are sums of the utterances' stats" {
  printf 'spk1 a_speech b_tones\nspk2 c_noisy\n' > $OUT/spk2utt
  compute-cmvn-stats --spk2utt=ark:$OUT/spk2utt ark:mfcc_default.ark ark,t:$OUT/spk.txt
  compute-cmvn-stats ark:mfcc_default.ark ark,t:$OUT/utt.txt
  count() { grep -A1 "^$2 " "$1" | sed -n 2p | awk '{print $NF}'; }
  [ "$(count $OUT/spk.txt spk1)" = "$(( $(count $OUT/utt.txt a_speech) + $(count $OUT/utt.txt b_tones) ))" ]
}

@test "global stats to a plain file; unknown utterance in spk2utt is an error" {
  compute-cmvn-stats --binary=false ark:mfcc_default.ark $OUT/global.txt
  [ "$(head -c 3 $OUT/global.txt)" = " [ " ] || [ "$(head -c 2 $OUT/global.txt)" = " [" ]
  printf 'spk1 a_speech nosuch\n' > $OUT/spk2utt
  run compute-cmvn-stats --spk2utt=ark:$OUT/spk2utt ark:mfcc_default.ark ark:$OUT/spk.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"no features for utterance nosuch"* ]]
  [ ! -e $OUT/spk.ark ]
}
