#!/usr/bin/env bats
# checkpoint-info: the tensors and config of the WavLM fixtures in all three layouts, checked
# against the fixtures' manifest/README and an independent torch.load listing; and the bad
# inputs (a pickle that would run os.system, legacy format, truncated, compressed, missing).
# The synthetic checkpoints come from tests/reference/checkpoint-make.py (Debian's torch);
# without torch those tests skip and say so.

bats_require_minimum_version 1.5.0

SSL="${VOX_FIXTURES:-$BATS_TEST_DIRNAME/../../../shared/fixtures}/ssl"
PY="${VOX_PYTHON:-/usr/bin/python3}"
ROOT="${VOX_ROOT:-$BATS_TEST_DIRNAME/../..}"

setup_file() {
  export GEN="$BATS_FILE_TMPDIR/gen"
  "$PY" "$ROOT/tests/reference/checkpoint-make.py" "$GEN" > "$BATS_FILE_TMPDIR/make.log" 2>&1 ||
    echo "$?" > "$BATS_FILE_TMPDIR/make.failed"
}

setup() {
  [ -f "$SSL/manifest.json" ] || skip "WavLM fixtures not found under $SSL (set VOX_FIXTURES)"
}

need_generated() {
  if [ -f "$BATS_FILE_TMPDIR/make.failed" ]; then
    [ "$(cat "$BATS_FILE_TMPDIR/make.failed")" = 2 ] ||
      { cat "$BATS_FILE_TMPDIR/make.log"; return 1; }
    skip "Debian python3-torch not importable by $PY"
  fi
}

@test "checkpoint-info: unilm checkpoint.pt lists 58 tensors and its cfg" {
  run --separate-stderr checkpoint-info "$SSL/base_tiny/checkpoint.pt"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "format: torch-zip" ]
  [ "${lines[1]}" = "tensors: 58 (104104 elements)" ]
  [[ "$output" == *$'\nmask_emb float32 [64]\n'* ]]
  [[ "$output" == *$'\nencoder.layers.0.self_attn.grep_a float32 [1, 4, 1, 1]\n'* ]]
  [[ "$output" == *$'\nencoder.pos_conv.0.weight_g float32 [1, 1, 16]\n'* ]]
  [[ "$output" == *'"num_buckets": 320,'* ]]
  [[ "$output" == *'"conv_feature_layers": "[(32,10,5)] + [(32,3,2)]*4 + [(32,2,2)]*2",'* ]]
  [[ "$stderr" == *"Read 58 tensors"* ]]
}

@test "checkpoint-info: every layout agrees with torch.load / numpy on names, dtypes, shapes" {
  need_generated
  for f in base_tiny/checkpoint.pt base_tiny/state_dict.pt base_tiny large_tiny/checkpoint.pt \
           large_tiny/state_dict.pt large_tiny/model.safetensors; do
    rm -rf "$BATS_TEST_TMPDIR/ref"
    "$PY" "$ROOT/tests/reference/checkpoint-dump.py" "$BATS_TEST_TMPDIR/ref" "$SSL/$f"
    checkpoint-info --print-config=false --print-metadata=false "$SSL/$f" 2>/dev/null |
      tail -n +3 > "$BATS_TEST_TMPDIR/ours.txt"
    # reference lines: "tensor NAME DTYPE NDIM D0 D1 ..." -> "NAME DTYPE [D0, D1, ...]"
    awk '$1 == "tensor" { s = $2 " " $3 " ["; for (i = 5; i <= NF; i++) s = s (i > 5 ? ", " : "") $i; print s "]" }' \
      "$BATS_TEST_TMPDIR/ref/0.txt" > "$BATS_TEST_TMPDIR/ref.txt"
    [ -s "$BATS_TEST_TMPDIR/ref.txt" ]
    diff "$BATS_TEST_TMPDIR/ref.txt" "$BATS_TEST_TMPDIR/ours.txt"
  done
}

@test "checkpoint-info: Hugging Face folder shows config.json and safetensors metadata" {
  run --separate-stderr checkpoint-info --print-tensors=false "$SSL/large_tiny"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "format: safetensors" ]
  # 89 tensors, 73337 elements: torch.load of state_dict.pt agrees (sum of numel).
  [ "${lines[1]}" = "tensors: 89 (73337 elements)" ]
  [[ "$output" == *'"model_type": "wavlm",'* ]]
  [[ "$output" == *'"naming": "transformers WavLMModel",'* ]]
  [[ "$output" != *"masked_spec_embed"* ]]
}

@test "checkpoint-info: dtypes and views; --stats; a NaN/Inf warning names the tensor" {
  need_generated
  run --separate-stderr checkpoint-info --stats=true "$GEN/dtypes.pt"
  [ "$status" -eq 0 ]
  [[ "$output" == *$'\nbf16 bfloat16 [2, 3] min='* ]]
  [[ "$output" == *$'\nnum_batches_tracked int64 [] min=1234 max=1234 ms=1.52276e+06\n'* ]]
  [[ "$output" == *$'\nmask bool [3] min=0 max=1 '* ]]
  [[ "$output" == *$'\ntransposed float32 [5, 6] min='* ]]
  [[ "$stderr" == *"WARNING"*"tensor f16_special holds 2 NaN/Inf values"* ]]
}

@test "checkpoint-info: a pickle calling os.system is refused, and nothing runs" {
  need_generated
  cd "$BATS_TEST_TMPDIR"
  run checkpoint-info "$GEN/forbidden.pt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"ERROR"*"forbidden global 'posix.system' in $GEN/forbidden.pt"* ]]
  [[ "$output" != *"pwned"* ]]
  run checkpoint-info "$GEN/forbidden4.pt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"forbidden global 'posix.system'"* ]]
}

@test "checkpoint-info: the legacy (non-ZIP) format lists as the ZIP one does" {
  need_generated
  checkpoint-info --stats=true "$GEN/legacy.pt" > "$BATS_TEST_TMPDIR/legacy.txt"
  checkpoint-info --stats=true "$GEN/dtypes.pt" > "$BATS_TEST_TMPDIR/zip.txt"
  [ "$(head -1 "$BATS_TEST_TMPDIR/legacy.txt")" = "format: torch-legacy" ]
  diff <(tail -n +2 "$BATS_TEST_TMPDIR/legacy.txt") <(tail -n +2 "$BATS_TEST_TMPDIR/zip.txt")
  head -c -10 "$GEN/legacy.pt" > "$BATS_TEST_TMPDIR/cut.pt"
  run checkpoint-info "$BATS_TEST_TMPDIR/cut.pt"
  [ "$status" -eq 1 ]
  # Which storage the cut hits depends on the order torch wrote them in (their ids).
  [[ "$output" == *"ERROR"*"cut.pt: "*"truncated"* ]]
}

@test "checkpoint-info: truncated, compressed, empty, missing and non-checkpoint input" {
  need_generated
  run checkpoint-info "$GEN/truncated.pt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"truncated"* ]]
  run checkpoint-info "$GEN/deflated.pt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"is compressed (method 8, deflate)"* ]]
  : > "$BATS_TEST_TMPDIR/empty.pt"
  run checkpoint-info "$BATS_TEST_TMPDIR/empty.pt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"empty.pt is empty"* ]]
  run checkpoint-info "$BATS_TEST_TMPDIR/missing.pt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot open $BATS_TEST_TMPDIR/missing.pt"* ]]
  run checkpoint-info "$SSL/base_tiny/rel_buckets.npy"
  [ "$status" -eq 1 ]
  [[ "$output" == *"not a checkpoint voxtools can read"* ]]
  run checkpoint-info "$BATS_TEST_TMPDIR"
  [ "$status" -eq 1 ]
  [[ "$output" == *"holds none of model.safetensors"* ]]
}

@test "checkpoint-info: a truncated safetensors file and a corrupt byte fail with the file named" {
  head -c 100000 "$SSL/base_tiny/model.safetensors" > "$BATS_TEST_TMPDIR/cut.safetensors"
  run checkpoint-info "$BATS_TEST_TMPDIR/cut.safetensors"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cut.safetensors: tensor '"*"lie outside the"*"(truncated?)"* ]]
  # Flip a byte inside the first stored tensor of the ZIP: the CRC check catches it.
  cp "$SSL/base_tiny/state_dict.pt" "$BATS_TEST_TMPDIR/bad.pt"
  chmod u+w "$BATS_TEST_TMPDIR/bad.pt"
  off=$("$PY" -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); i = z.getinfo('state_dict/data/0')
with open(sys.argv[1], 'rb') as f:
    f.seek(i.header_offset + 26); import struct; n, m = struct.unpack('<HH', f.read(4))
print(i.header_offset + 30 + n + m)" "$BATS_TEST_TMPDIR/bad.pt")
  printf '\x55' | dd of="$BATS_TEST_TMPDIR/bad.pt" bs=1 seek="$off" conv=notrunc 2>/dev/null
  run checkpoint-info "$BATS_TEST_TMPDIR/bad.pt"
  [ "$status" -eq 1 ]
  [[ "$output" == *"CRC-32 mismatch in ZIP entry 'state_dict/data/0'"* ]]
}

@test "checkpoint-info: wrong usage prints the usage and fails" {
  run checkpoint-info
  [ "$status" -eq 1 ]
  [[ "$output" == *"Usage: checkpoint-info"* ]]
  run checkpoint-info a b
  [ "$status" -eq 1 ]
}
