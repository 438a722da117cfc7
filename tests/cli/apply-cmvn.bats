#!/usr/bin/env bats
# apply-cmvn: per utterance, per speaker (--utt2spk), global; errors.
load feat-helpers

setup() { feat_setup; }

@test "apply-cmvn --help" {
  run apply-cmvn --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"--norm-vars"* ]]
  [[ "$output" == *"--utt2spk"* ]]
}

@test "per-utterance CMVN with --norm-vars gives zero mean, unit variance" {
  compute-cmvn-stats ark:mfcc_default.ark ark:$OUT/s.ark
  apply-cmvn --norm-vars=true ark:$OUT/s.ark ark:mfcc_default.ark ark,t:$OUT/n.txt
  # Statistics of the normalised features: mean 0, sum of squares = count.
  compute-cmvn-stats ark,t:$OUT/n.txt ark,t:$OUT/n.stats
  "${VOX_PYTHON:-/usr/bin/python3}" - $OUT/n.stats <<'PY'
import sys
lines = [l.split() for l in open(sys.argv[1])]
i = 0
while i < len(lines):
    r0 = [float(x) for x in lines[i + 1]]; r1 = [float(x) for x in lines[i + 2] if x != ']']
    n = r0[-1]
    assert all(abs(x / n) < 1e-4 for x in r0[:-1]), r0
    assert all(abs(x / n - 1) < 1e-3 for x in r1[:-1]), r1
    i += 3
PY
}

@test "per-speaker CMVN through --utt2spk; global stats from a file" {
  printf 'spk1 a_speech b_tones c_noisy d_short e_stereo\n' > $OUT/spk2utt
  printf 'a_speech spk1\nb_tones spk1\nc_noisy spk1\nd_short spk1\ne_stereo spk1\n' > $OUT/utt2spk
  compute-cmvn-stats --spk2utt=ark:$OUT/spk2utt ark:mfcc_default.ark ark:$OUT/spk.ark
  apply-cmvn --utt2spk=ark:$OUT/utt2spk ark:$OUT/spk.ark ark:mfcc_default.ark ark,t:$OUT/a.txt
  compute-cmvn-stats ark:mfcc_default.ark $OUT/global.mat
  apply-cmvn $OUT/global.mat ark:mfcc_default.ark ark,t:$OUT/b.txt
  under "$(max_abs_diff $OUT/a.txt $OUT/b.txt)" 1e-4
}

@test "missing stats and wrong dimension are counted errors" {
  compute-cmvn-stats ark:mfcc_default.ark ark,t:$OUT/s.txt
  grep -v -A2 '^a_speech' $OUT/s.txt > /dev/null
  awk 'BEGIN{skip=0} /^a_speech/{skip=3} skip>0{skip--; next} {print}' $OUT/s.txt > $OUT/s2.txt
  run apply-cmvn ark,t:$OUT/s2.txt ark:mfcc_default.ark ark:$OUT/n.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"a_speech: no CMVN stats"* ]]
  [ ! -e $OUT/n.ark ]
  compute-cmvn-stats ark:fbank_default.ark ark:$OUT/fb.ark
  run apply-cmvn ark:$OUT/fb.ark ark:mfcc_default.ark ark:$OUT/n.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"expected 2 x 14"* ]]
}
