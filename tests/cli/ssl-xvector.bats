#!/usr/bin/env bats
# WavLMForXVector (microsoft/wavlm-base-plus-sv's architecture): nnet-import-ssl of a
# transformers folder with the x-vector head, then extract-embeddings --input=wav. The folders
# are the WavLM fixtures ($VOX_FIXTURES/ssl) plus random head weights, and the reference
# embeddings are the head in PyTorch on the fixtures' hidden states (official WavLM code), both
# from tests/reference/ssl-xvector-ref.py. Embeddings must agree within 1e-4 (max |diff|; the
# fixtures' tolerance); measured ~2e-7. Broken folders are refused by name, with no output.

PY="${VOX_PYTHON:-/usr/bin/python3}"
ROOT="${VOX_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
SSL="${VOX_FIXTURES:-/work/shared/fixtures}/ssl"

setup_file() {
  G="$BATS_FILE_TMPDIR/gen"
  export G
  [ -d "$SSL" ] || return 0
  "$PY" "$ROOT/tests/reference/ssl-xvector-ref.py" "$SSL" "$G" \
    > "$BATS_FILE_TMPDIR/make.log" 2>&1 || echo $? > "$BATS_FILE_TMPDIR/make.rc"
}

setup() {
  [ -d "$SSL" ] || skip "SSL fixtures not found at $SSL (set VOX_FIXTURES)"
  if [ -e "$BATS_FILE_TMPDIR/make.rc" ]; then
    [ "$(cat "$BATS_FILE_TMPDIR/make.rc")" = 2 ] && skip "python3-torch not importable by $PY"
    cat "$BATS_FILE_TMPDIR/make.log"; return 1
  fi
  OUT="$BATS_TEST_TMPDIR"
}

# compare EMB_H5 REF_NPY [TOL]: utt1, utt2 of EMB_H5 against the rows of REF_NPY; prints the
# max |diff| and fails above TOL (default 1e-4).
compare() {
  "$PY" - "$1" "$2" "${3:-1e-4}" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
ours = np.stack([f['utt1'][()], f['utt2'][()]])
ref = np.load(sys.argv[2])
assert ours.shape == ref.shape, (ours.shape, ref.shape)
assert np.abs(ref).max() > 0.1
d = float(np.abs(ours - ref).max())
print(d)
assert d <= float(sys.argv[3]), d
PY
}

@test "ssl-xvector: post-norm, weighted layer sum: embeddings equal the PyTorch head" {
  run nnet-import-ssl "$G/base" $OUT/m.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"x-vector head: weighted sum of all layers, TDNN 24/5/1,24/3/2,20/3/3,20/1/1,48/1/1"* ]]
  [[ "$output" == *"wrote $OUT/m.h5: x-vector model, 115115 parameters (encoder 104104), 16-dim embeddings"* ]]
  run extract-embeddings --input=wav --max-errors=1 $OUT/m.h5 "h5:$G/wav.h5" h5:$OUT/emb.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"short: 4000 samples (0.25 s), fewer than the 5200"* ]]
  [[ "$output" == *"Done 2, errors 1"* ]]
  compare $OUT/emb.h5 "$G/base/ref.npy"
}

@test "ssl-xvector: pre-norm with do_normalize: the last hidden state is the final LayerNorm's" {
  nnet-import-ssl "$G/large" $OUT/m.h5 2>/dev/null
  extract-embeddings --input=wav --max-errors=1 $OUT/m.h5 "h5:$G/wav.h5" h5:$OUT/emb.h5 2>/dev/null
  compare $OUT/emb.h5 "$G/large/ref.npy"
  # Using layer L without the LayerNorm (s3prl's numbering) would be far off.
  run compare $OUT/emb.h5 "$G/large/ref_layer_last.npy" 1e-2
  [ "$status" -ne 0 ]
}

@test "ssl-xvector: without use_weighted_layer_sum the head takes the last hidden state" {
  run nnet-import-ssl "$G/last" $OUT/m.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"x-vector head: last layer"* ]]
  extract-embeddings --input=wav --max-errors=1 $OUT/m.h5 "h5:$G/wav.h5" h5:$OUT/emb.h5 2>/dev/null
  compare $OUT/emb.h5 "$G/last/ref.npy"
}

@test "ssl-xvector: the documented use: cosine of two embeddings, threshold 0.86" {
  nnet-import-ssl "$G/base" $OUT/m.h5 2>/dev/null
  extract-embeddings --input=wav --max-errors=1 $OUT/m.h5 "h5:$G/wav.h5" ark:$OUT/emb.ark 2>/dev/null
  echo "utt1 utt2" > $OUT/trials
  score-cosine ark:$OUT/emb.ark ark:$OUT/emb.ark $OUT/trials $OUT/scores 2>/dev/null
  # transformers' model card: normalize the embeddings, cosine similarity, same speaker if
  # >= 0.86. The same number from the PyTorch reference embeddings:
  run "$PY" - "$G/base/ref.npy" "$(awk '{ print $3 }' $OUT/scores)" <<'PY'
import sys, numpy as np
e = np.load(sys.argv[1])
e = e / np.linalg.norm(e, axis=1, keepdims=True)
ref, ours = float(e[0] @ e[1]), float(sys.argv[2])
print(ref, ours)
assert abs(ref - ours) <= 1e-4, (ref, ours)
assert (ref >= 0.86) == (ours >= 0.86)
PY
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "ssl-xvector: equal-length utterances batched by --group-utts give the same embeddings" {
  nnet-import-ssl "$G/base" $OUT/m.h5 2>/dev/null
  "$PY" - "$G/wav.h5" $OUT/three.h5 <<'PY'
import sys, h5py
src, dst = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'w')
for key, name in (('a', 'utt1'), ('b', 'utt2'), ('c', 'utt2')):
    x = dst.create_dataset(key, data=src[name][()][:16000] if key == 'c' else src[name][()])
    x.attrs['sample_rate'] = 16000.0
    x.attrs['full_scale'] = 1.0
PY
  extract-embeddings --input=wav $OUT/m.h5 h5:$OUT/three.h5 h5:$OUT/one.h5 2>/dev/null
  run extract-embeddings --input=wav --group-utts=3 --batch-size=2 $OUT/m.h5 h5:$OUT/three.h5 h5:$OUT/grouped.h5
  [ "$status" -eq 0 ]
  "$PY" - $OUT/one.h5 $OUT/grouped.h5 <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
assert sorted(a.keys()) == ['a', 'b', 'c'] == sorted(b.keys())
for k in 'abc':
    assert np.abs(a[k][()] - b[k][()]).max() <= 1e-5 * np.abs(a[k][()]).max(), k
# a and c (the first second of b) share a pass but not their embeddings.
assert np.abs(a['a'][()] - a['c'][()]).max() > 1e-3
PY
}

@test "ssl-xvector: nnet-info shows the head, its parameters and FLOPs" {
  nnet-import-ssl "$G/base" $OUT/m.h5 2>/dev/null
  nnet-import-ssl --backbone-only "$G/base" $OUT/enc.h5 2>/dev/null
  run nnet-info $OUT/m.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *'"type": "ssl-xvector"'* ]]
  [[ "$output" == *'"use_weighted_layer_sum": true'* ]]
  [[ "$output" =~ head\ +11011 ]]
  [[ "$output" =~ tdnn\ +7544 ]]
  [[ "$output" == *"total parameters: 115115"* ]]
  head_flops=$(echo "$output" | sed -n 's/^FLOPs per second of audio: //p')
  enc_flops=$(nnet-info $OUT/enc.h5 | sed -n 's/^FLOPs per second of audio: //p')
  # The head adds its per-frame products (50 frames/s): projector 64x24, TDNN
  # 24x5x24 + 24x3x24 + 24x3x20 + 20x20 + 20x48, weighted sum 3x64, times 2.
  "$PY" -c "import sys; h, e = float(sys.argv[1]), float(sys.argv[2]); want = 2 * 50 * (64*24 + 24*5*24 + 24*3*24 + 24*3*20 + 20*20 + 20*48 + 3*64); assert abs(h - e - want) <= 0.001 * h, (h, e, want)" "$head_flops" "$enc_flops"
}

@test "ssl-xvector: compute-ssl-feats reads a speaker model's encoder (same as --backbone-only)" {
  nnet-import-ssl "$G/base" $OUT/m.h5 2>/dev/null
  nnet-import-ssl --backbone-only "$G/base" $OUT/enc.h5 2>/dev/null
  "$PY" - "$SSL/inputs/wav_1p0s.npy" $OUT/u1.wav <<'PY'
import sys, wave, numpy as np
x = (np.load(sys.argv[1]).reshape(-1) * 32767).clip(-32768, 32767).astype('<i2')
with wave.open(sys.argv[2], 'wb') as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(x.tobytes())
PY
  echo "u1 $OUT/u1.wav" > $OUT/wav.scp
  run compute-ssl-feats --layers=all $OUT/m.h5 scp:$OUT/wav.scp h5:$OUT/a.h5
  [ "$status" -eq 0 ]
  run compute-ssl-feats --layers=all $OUT/enc.h5 scp:$OUT/wav.scp h5:$OUT/b.h5
  [ "$status" -eq 0 ]
  "$PY" -c "import h5py, numpy as np, sys; a = h5py.File(sys.argv[1])['u1'][()]; b = h5py.File(sys.argv[2])['u1'][()]; assert a.shape == b.shape and np.abs(a).max() > 0.1 and np.array_equal(a, b)" $OUT/a.h5 $OUT/b.h5
}

@test "ssl-xvector: --backbone-only imports the encoder as before, head skipped" {
  run nnet-import-ssl --backbone-only "$G/base" $OUT/enc.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"skipped 18 head tensor(s)"*"layer_weights"*"feature_extractor.weight"*"objective.weight"* ]]
  nnet-import-ssl "$SSL/base_tiny" $OUT/plain.h5 2>/dev/null
  "$PY" - $OUT/enc.h5 $OUT/plain.h5 <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
n = []
b['params'].visititems(lambda k, o: n.append(k) if isinstance(o, h5py.Dataset) else None)
m = []
a['params'].visititems(lambda k, o: m.append(k) if isinstance(o, h5py.Dataset) else None)
assert sorted(n) == sorted(m)
for k in n:
    assert np.array_equal(a['params/' + k][()], b['params/' + k][()]), k
PY
}

@test "ssl-xvector: missing, misshaped and unexpected head keys are named; no output" {
  run nnet-import-ssl "$G/bad_missing" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"ERROR"*"missing tensors for: head/tdnn/2/kernel/bias (tdnn.2.kernel.bias)"* ]]
  run nnet-import-ssl "$G/bad_shape" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"shape mismatches"*"projector.weight is [23, 64], head/projector/weight needs [24, 64]"* ]]
  run nnet-import-ssl "$G/bad_extra" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown tensors"*"tdnn.5.kernel.weight"* ]]
  run nnet-import-ssl "$G/bad_layer_weights" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown tensors"*"layer_weights"* ]]
  [ ! -e $OUT/m.h5 ]
}

@test "ssl-xvector: an unknown architecture is refused" {
  run nnet-import-ssl "$G/bad_arch" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"ERROR"*"architecture 'WavLMForSpeakerEmbedding' is not supported"*"--backbone-only"* ]]
  run nnet-import-ssl "$G/bad_hubert_arch" $OUT/m.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"architecture 'HubertForXVector' is not supported"* ]]
  [ ! -e $OUT/m.h5 ]
}

@test "ssl-xvector: extract-embeddings refuses features, chunks and audio at another rate" {
  nnet-import-ssl "$G/base" $OUT/m.h5 2>/dev/null
  run extract-embeddings $OUT/m.h5 "h5:$G/wav.h5" ark:$OUT/e.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"takes audio: use --input=wav"* ]]
  run extract-embeddings --input=wav --chunk-size=100 $OUT/m.h5 "h5:$G/wav.h5" ark:$OUT/e.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--chunk-size=100"*"whole utterances only"* ]]
  run extract-embeddings --input=wav --sample-rate=8000 $OUT/m.h5 "h5:$G/wav.h5" ark:$OUT/e.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--sample-rate=8000 but"*"expects 16000 Hz"* ]]
  [ ! -e $OUT/e.ark ]
  "$PY" - "$SSL/inputs/wav_3p7s.npy" $OUT/nb.h5 <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[2], 'w') as f:
    x = f.create_dataset('nb', data=np.load(sys.argv[1])[::2].copy())
    x.attrs['sample_rate'] = 8000.0
    x.attrs['full_scale'] = 1.0
PY
  run extract-embeddings --input=wav $OUT/m.h5 h5:$OUT/nb.h5 ark:$OUT/e.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"nb: audio at 8000 Hz; the model expects 16000 Hz (add --sample-rate=16000"* ]]
  [ ! -e $OUT/e.ark ]
  run extract-embeddings --input=wav --sample-rate=16000 $OUT/m.h5 h5:$OUT/nb.h5 ark,t:$OUT/e.txt
  [ "$status" -eq 0 ]
  [ "$(tr -d '[]' < $OUT/e.txt | wc -w)" -eq 17 ]
}

@test "ssl-xvector: --help of both tools teaches the x-vector use" {
  run nnet-import-ssl --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"WavLMForXVector"* && "$output" == *"--backbone-only"* ]]
  run extract-embeddings --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"WavLMForXVector"* && "$output" == *"--sample-rate"* ]]
}
