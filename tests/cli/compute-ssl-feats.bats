#!/usr/bin/env bats
# compute-ssl-feats: features of the WavLM fixture inputs ($VOX_FIXTURES/ssl) equal the
# official code's layer outputs (1e-4, the fixtures' tolerance: README.md there), for a
# post-norm and a pre-norm/normalize model; layer selection, concatenation and mean; bad
# input (wrong rate, too short, bad layer) gives a clear message and no partial output.
# Batching, windows, layouts and layer weights: compute-ssl-feats-modes.bats.

PY="${VOX_PYTHON:-/usr/bin/python3}"
SSL="${VOX_FIXTURES:-/work/shared/fixtures}/ssl"

setup_file() {
  [ -d "$SSL" ] || return 0
  D="$BATS_FILE_TMPDIR"
  nnet-import-ssl "$SSL/base_tiny/checkpoint.pt" "$D/base.h5" 2>/dev/null
  nnet-import-ssl "$SSL/large_tiny" "$D/large.h5" 2>/dev/null
  # The fixture waveforms as float32 audio datasets (full scale 1.0) at 16 kHz, and at 8 kHz.
  "$PY" - "$SSL/inputs" "$D" <<'PY'
import sys, h5py, numpy as np
src, d = sys.argv[1], sys.argv[2]
with h5py.File(d + '/wav.h5', 'w') as f:
    for k, n in (('utt1', 'wav_1p0s'), ('utt2', 'wav_3p7s')):
        x = f.create_dataset(k, data=np.load('%s/%s.npy' % (src, n)))
        x.attrs['sample_rate'] = 16000.0
        x.attrs['full_scale'] = 1.0
    x = f.create_dataset('short', data=np.zeros(300, np.float32))
    x.attrs['sample_rate'] = 16000.0
    x.attrs['full_scale'] = 1.0
with h5py.File(d + '/wav8k.h5', 'w') as f:
    x = f.create_dataset('nb', data=np.load(src + '/wav_1p0s.npy')[::2].copy())
    x.attrs['sample_rate'] = 8000.0
    x.attrs['full_scale'] = 1.0
PY
}

setup() {
  [ -d "$SSL" ] || skip "SSL fixtures not found at $SSL (set VOX_FIXTURES)"
  "$PY" -c "import h5py" 2>/dev/null || skip "python3-h5py not importable by $PY"
  D="$BATS_FILE_TMPDIR"
  OUT="$BATS_TEST_TMPDIR"
}

# check FEATS CONFIG FILES...: utt1/utt2 of FEATS (h5) are the named fixture tensors side by
# side; prints the max |diff| and fails above 1e-4.
check() {
  "$PY" - "$SSL" "$@" <<'PY'
import sys, h5py, numpy as np
ssl, feats, cfg, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
f = h5py.File(feats, 'r')
worst = 0.0
for utt, case in (('utt1', 'wav_1p0s'), ('utt2', 'wav_3p7s')):
    parts = []
    for name in files:
        if name.startswith('mean:'):
            xs = [np.load('%s/%s/%s/%s.npy' % (ssl, cfg, case, n))[0] for n in name[5:].split('+')]
            parts.append(sum(xs) / len(xs))
        else:
            parts.append(np.load('%s/%s/%s/%s.npy' % (ssl, cfg, case, name))[0])
    ref = np.concatenate(parts, axis=1)
    ours = f[utt][()]
    assert ours.shape == ref.shape, (utt, ours.shape, ref.shape)
    assert np.abs(ref).max() > 0.1
    worst = max(worst, float(np.abs(ours - ref).max()))
print(worst)
assert worst <= 1e-4, worst
PY
}

@test "compute-ssl-feats --help prints usage" {
  run compute-ssl-feats --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: compute-ssl-feats"* ]]
  [[ "$output" == *"--layers"* && "$output" == *"--num-threads"* && "$output" == *"--sample-rate"* ]]
  for o in --batch-size --max-batch-secs --read-ahead --window-secs --window-shift --layers-layout \
      --layer-weights --layer-weights-softmax --layer-weights-norm; do
    [[ "$output" == *"$o"* ]] || { echo "no $o in --help"; return 1; }
  done
}

@test "post-norm model: cnn, proj, every layer and final equal the official code" {
  run compute-ssl-feats --layers=cnn,proj,0,1,2,final $D/base.h5 "h5:$D/wav.h5" h5:$OUT/f.h5
  [ "$status" -eq 1 ]  # the 300-sample item fails...
  [[ "$output" == *"short"*"300 samples"*"400"* ]]
  [ ! -e $OUT/f.h5 ]   # ...and nothing is written
  run compute-ssl-feats --max-errors=1 --layers=cnn,proj,0,1,2,final $D/base.h5 "h5:$D/wav.h5" h5:$OUT/f.h5
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 2, errors 1"* ]]
  check $OUT/f.h5 base_tiny conv_features proj_features layer_00 layer_01 layer_02 final
}

@test "pre-norm model with normalize: final has the LayerNorm, layer 3 has not" {
  compute-ssl-feats --max-errors=1 $D/large.h5 "h5:$D/wav.h5" h5:$OUT/final.h5
  check $OUT/final.h5 large_tiny final
  compute-ssl-feats --max-errors=1 --layer=3 --num-threads=2 $D/large.h5 "h5:$D/wav.h5" h5:$OUT/l3.h5
  check $OUT/l3.h5 large_tiny layer_03
  compute-ssl-feats --max-errors=1 --layers=all $D/large.h5 "h5:$D/wav.h5" h5:$OUT/all.h5
  check $OUT/all.h5 large_tiny layer_00 layer_01 layer_02 layer_03
  compute-ssl-feats --max-errors=1 --layers=1,3 --mean $D/large.h5 "h5:$D/wav.h5" h5:$OUT/mean.h5
  check $OUT/mean.h5 large_tiny mean:layer_01+layer_03
}

@test "Kaldi archive output: frames x dim per utterance" {
  compute-ssl-feats --max-errors=1 --layer=2 $D/base.h5 "h5:$D/wav.h5" ark,t:$OUT/f.txt
  [ "$(grep -c '\[' $OUT/f.txt)" -eq 2 ]
  run feat-to-dim ark:$OUT/f.txt -
  [[ "$output" == *"64"* ]]
}

@test "8 kHz audio: an error naming the key and the fix; --sample-rate=16000 resamples" {
  run compute-ssl-feats $D/base.h5 "h5:$D/wav8k.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"nb"*"8000 Hz"*"--sample-rate=16000"* ]]
  [ ! -e $OUT/f.ark ]
  run compute-ssl-feats --sample-rate=16000 --layer=final $D/base.h5 "h5:$D/wav8k.h5" ark,t:$OUT/f.txt
  [ "$status" -eq 0 ]
  [ "$(grep -c '^ ' $OUT/f.txt)" -eq 49 ]  # 16000 samples after resampling: 49 frames
  run compute-ssl-feats --sample-rate=8000 $D/base.h5 "h5:$D/wav8k.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--sample-rate=8000 but the model expects 16000 Hz"* ]]
}

@test "bad options and model files are errors" {
  run compute-ssl-feats --layer=7 $D/base.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"7 is not a layer of this model (0..2)"* ]]
  run compute-ssl-feats --layer=middle $D/base.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"'middle' is not a layer number"* ]]
  run compute-ssl-feats --layers=cnn,2 --mean $D/base.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--mean over outputs of different dims"* ]]
  run compute-ssl-feats $D/wav.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"not a model file (no root attribute 'config')"* ]]
  run compute-ssl-feats $OUT/missing.h5 "h5:$D/wav.h5" ark:$OUT/f.ark
  [ "$status" -eq 1 ]
  [ ! -e $OUT/f.ark ]
}
