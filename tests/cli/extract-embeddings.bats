#!/usr/bin/env bats
# extract-embeddings: embeddings of a feature table with a model from train-nnet; chunked
# averaging, speaker means, wav input; bad inputs (missing model, wrong dimension, too short).

bats_require_minimum_version 1.5.0
load train-nnet-common

setup() {
  cd "$BATS_TEST_TMPDIR"
  make_train_data data
  make_tiny_ecapa ecapa.json
  train-nnet "${TRAIN_OPTS[@]}" "${CHUNK[@]}" --lr.initial-lr=0.05 --num-epochs=4 \
    --model-config=ecapa.json data exp/final.h5 2>/dev/null
}

@test "extract-embeddings: one embedding per utterance, same-speaker pairs closer" {
  run extract-embeddings exp/final.h5 scp:data/feats.scp ark,t:emb.txt
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 24, errors 0"* ]]
  [ "$(wc -l < emb.txt)" -eq 24 ]
  [ "$(head -1 emb.txt | tr -d '[]' | wc -w)" -eq 9 ]   # key + 8 values
  # After subtracting the mean embedding, the mean cosine of same-speaker pairs must exceed
  # that of different-speaker pairs.
  tr -d '[]' < emb.txt | awk '{ split($1, a, "-"); spk[NR] = a[1]; n = NF - 1
      for (i = 2; i <= NF; i++) { v[NR, i] = $i; m[i] += $i } }
    END { for (x = 1; x <= NR; x++) { s = 0
            for (i = 2; i <= n + 1; i++) { v[x, i] -= m[i] / NR; s += v[x, i] ^ 2 }; norm[x] = sqrt(s) }
          for (x = 1; x <= NR; x++) for (y = x + 1; y <= NR; y++) { c = 0
            for (i = 2; i <= n + 1; i++) c += v[x, i] * v[y, i]; c /= norm[x] * norm[y]
            if (spk[x] == spk[y]) { st += c; ns++ } else { dt += c; nd++ } }
          printf "same %.3f different %.3f\n", st / ns, dt / nd; exit !(st / ns > dt / nd + 0.3) }'
}

@test "extract-embeddings: chunks are averaged; a chunk as long as the utterance is the whole" {
  extract-embeddings exp/final.h5 scp:data/feats.scp ark,t:whole.txt 2>/dev/null
  extract-embeddings --chunk-size=60 exp/final.h5 scp:data/feats.scp ark,t:c60.txt 2>/dev/null
  cmp whole.txt c60.txt
  run extract-embeddings --chunk-size=25 --batch-size=2 exp/final.h5 scp:data/feats.scp ark,t:c25.txt
  [ "$status" -eq 0 ]
  ! cmp -s whole.txt c25.txt
  [ "$(wc -l < c25.txt)" -eq 24 ]
}

@test "extract-embeddings: --spk2utt writes each speaker's mean embedding" {
  utt2spk_to_spk2utt.pl data/utt2spk > data/spk2utt
  run extract-embeddings --spk2utt=data/spk2utt --spk-wspecifier=ark,t:spk.txt exp/final.h5 \
    scp:data/feats.scp ark,t:emb.txt
  [ "$status" -eq 0 ]
  [ "$(wc -l < spk.txt)" -eq 4 ]
  # spk1's mean, recomputed from its utterances.
  want=$(grep '^spk1-' emb.txt | tr -d '[]' | awk '{ for (i = 2; i <= NF; i++) s[i] += $i }
         END { for (i = 2; i <= NF; i++) printf "%.4f ", s[i] / NR }')
  got=$(grep '^spk1 ' spk.txt | tr -d '[]' | awk '{ for (i = 2; i <= NF; i++) printf "%.4f ", $i }')
  [ "$want" = "$got" ]
}

@test "extract-embeddings: a missing model or a wrong feature dimension is an error; no output left" {
  run extract-embeddings nothere.h5 scp:data/feats.scp ark:emb.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"nothere.h5"* ]]
  [ ! -e emb.ark ]
  awk 'BEGIN { print "u1  ["; for (t = 0; t < 30; t++) print " 1 2 3 4 5 6 " t (t == 29 ? " ]" : "") }' > narrow.txt
  copy-feats ark,t:narrow.txt ark:narrow.ark
  run extract-embeddings exp/final.h5 ark:narrow.ark ark:emb.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"dimension 7, the model takes 8"* ]]
  [ ! -e emb.ark ]
}

@test "extract-embeddings: an utterance too short for the model is a warning; --max-errors" {
  printf 'short  [\n 1 2 3 4 5 6 7 8 ]\n' > short.txt
  copy-feats ark,t:short.txt ark:short.ark 2>/dev/null
  cat data/feats.ark short.ark > all.ark
  run extract-embeddings exp/final.h5 ark:all.ark ark,t:emb.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"WARNING"*"short"*"fewer than"* ]]
  [[ "$output" == *"Done 24, errors 1"* ]]
  [ ! -e emb.txt ]
  run extract-embeddings --max-errors=1 exp/final.h5 ark:all.ark ark,t:emb.txt
  [ "$status" -eq 0 ]
  [ "$(wc -l < emb.txt)" -eq 24 ]
}

@test "extract-embeddings: --group-utts batches equal lengths across utterances, same embeddings" {
  # All 24 utterances have 60 frames: groups of 10 run as batches of up to --batch-size.
  printf 'short  [\n 1 2 3 4 5 6 7 8 ]\n' > short.txt
  copy-feats ark,t:short.txt ark:short.ark 2>/dev/null
  cat short.ark data/feats.ark > all.ark
  for args in "" "--chunk-size=25 --batch-size=3"; do
    extract-embeddings --max-errors=1 $args exp/final.h5 ark:all.ark ark,t:one.txt 2>/dev/null
    run extract-embeddings --max-errors=1 --group-utts=10 $args exp/final.h5 ark:all.ark \
      ark,t:grouped.txt
    [ "$status" -eq 0 ]
    [[ "$output" == *"WARNING"*"short"*"fewer than"* ]]
    [[ "$output" == *"Done 24, errors 1"* ]]
    # Same keys in the same order, values within 1e-5 relative (the text has 7 digits).
    [ "$(cut -d' ' -f1 one.txt)" = "$(cut -d' ' -f1 grouped.txt)" ]
    paste -d' ' one.txt grouped.txt | tr -d '[]' | awk '{ n = NF / 2
        for (i = 2; i <= n; i++) { d = $i - $(i + n); if (d < 0) d = -d
          a = $i < 0 ? -$i : $i
          if (d > 1e-5 * (a > 1 ? a : 1)) { print "line " NR " value " i ": " $i " vs " $(i + n); bad = 1 } } }
      END { exit bad }'
  done
  run extract-embeddings --group-utts=0 exp/final.h5 ark:all.ark ark,t:x.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"--group-utts=0"* ]]
}

@test "extract-embeddings: --input=wav computes the fbank the features table would hold" {
  "${VOX_PYTHON:-/usr/bin/python3}" - <<'PY'
import math, random, struct, wave
random.seed(3)
with open('wav.scp', 'w') as scp:
    for u, f0 in (('a', 150.0), ('b', 210.0)):
        n = 16000 if u == 'a' else 12345
        x = [int(8000 * math.sin(2 * math.pi * f0 * t / 16000) + random.gauss(0, 300)) for t in range(n)]
        with wave.open(u + '.wav', 'wb') as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
            w.writeframes(struct.pack('<%dh' % n, *x))
        scp.write('%s %s.wav\n' % (u, u))
PY
  compute-fbank-feats --num-mel-bins=8 --dither=0 scp:wav.scp ark:fb.ark 2>/dev/null
  extract-embeddings exp/final.h5 ark:fb.ark ark,t:from-feats.txt 2>/dev/null
  run extract-embeddings --input=wav --fbank.num-mel-bins=8 --fbank.dither=0 exp/final.h5 \
    scp:wav.scp ark,t:from-wav.txt
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 2, errors 0"* ]]
  cmp from-feats.txt from-wav.txt
  # --sample-rate is for waveform (SSL) models; fbank models resample to --fbank.sample-frequency.
  run extract-embeddings --input=wav --sample-rate=16000 exp/final.h5 scp:wav.scp ark:x.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--sample-rate applies to waveform models"* ]]
}
