# tests/cli/train-nnet-common.bash: a tiny training set for train-nnet, extract-embeddings
# and nnet-average: 4 "speakers" x 6 utterances of 8-dim features, each speaker's frames
# drawn around its own mean (separable, so a network can learn them in a few steps), and a
# tiny ECAPA-TDNN config (C=16). Made with awk: no Python needed.

# make_train_data <dir> [frames=60]
make_train_data() {
  local dir=$1 frames=${2:-60}
  mkdir -p "$dir"
  awk -v frames="$frames" 'BEGIN {
    srand(7);
    for (s = 1; s <= 4; s++) for (u = 1; u <= 6; u++) {
      printf "spk%d-utt%d  [\n", s, u;
      for (t = 0; t < frames; t++) {
        for (d = 0; d < 8; d++) printf " %.4f", (d % 4 == s - 1 ? 1.5 : 0) + rand() - 0.5 + 0.3 * sin(t / 3.0 + d);
        printf (t == frames - 1 ? " ]\n" : "\n");
      }
    }
  }' > "$dir/feats.txt"
  copy-feats ark,t:"$dir/feats.txt" ark,scp:"$dir/feats.ark","$dir/feats.scp" 2>/dev/null
  cut -d' ' -f1 "$dir/feats.scp" | awk '{ split($1, a, "-"); print $1, a[1] }' > "$dir/utt2spk"
}

make_tiny_ecapa() {
  cat > "$1" <<'JSON'
{"type": "ecapa-tdnn", "feat_dim": 8, "channels": 16, "embed_dim": 8, "scale": 2,
 "se_bottleneck": 8, "pooling": {"type": "astp", "bottleneck": 8, "global_context": true}}
JSON
}

# Options of a quick, deterministic run (features are given: no dither). The parser refuses
# an option given twice, so chunk and learning-rate options are left to each test.
TRAIN_OPTS=(--input=feats --batch-size=8 --lr.warm-up-epochs=0 --margin.increase-start-epoch=1
            --margin.fix-start-epoch=2 --log-every=1)
CHUNK=(--chunk-frames=40 --chunks-per-utt=2)
