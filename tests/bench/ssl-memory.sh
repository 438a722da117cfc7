#!/usr/bin/env bash
# tests/bench/ssl-memory.sh: peak resident memory (and wall time) of compute-ssl-feats with a
# WavLM Base+-sized model (conf/ssl/wavlm-base-plus.conf, random weights) on one recording of
# 1, 5 and 10 minutes, in whole mode (one forward over the recording; attention is blockwise,
# so memory grows linearly, the conv encoder's activations dominating) and in windowed mode
# (--window-secs/--window-shift: memory bounded by one window plus the output matrix).
# Peak RSS is /usr/bin/time -v's "Maximum resident set size" of the whole process (model,
# audio, activations, output). Output goes to ark:/dev/null (layer "final", 768 dims).
# Nothing here is asserted; results go into tests/bench/README.md by hand.
#
# Whole mode's attention is quadratic in length: on 2 cores 10 min whole takes tens of minutes
# (windowed: a few). BENCH_SSL_MODES="window" skips whole mode.
#
# Environment: BENCH_THREADS (2), BENCH_SSL_MINUTES ("1 5 10"), BENCH_SSL_MODES ("whole
# window"), BENCH_SSL_WINDOW ("--window-secs=30 --window-shift=20"), BENCH_OPENBLAS_CORETYPE
# (e.g. SkylakeX where OpenBLAS misdetects the CPU, as ssl.sh), VOX_PYTHON.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/bin:$PATH"
PY=${VOX_PYTHON:-/usr/bin/python3}
THREADS=${BENCH_THREADS:-2}
MINUTES=${BENCH_SSL_MINUTES:-1 5 10}
MODES=${BENCH_SSL_MODES:-whole window}
WINDOW=${BENCH_SSL_WINDOW:---window-secs=30 --window-shift=20}
unset OPENBLAS_CORETYPE
if [ -n "${BENCH_OPENBLAS_CORETYPE:-}" ]; then export OPENBLAS_CORETYPE=$BENCH_OPENBLAS_CORETYPE; fi
for t in nnet-import-ssl compute-ssl-feats; do
  command -v $t >/dev/null || { echo "bench: bin/$t not built (run make first)" >&2; exit 1; }
done
if ! /usr/bin/time -v true 2>/dev/null; then
  echo "ssl memory bench: skipped (GNU time missing: Debian package time, utils/install_deps.sh)"
  exit 0
fi
if ! "$PY" -c 'import torch, torchaudio' 2>/dev/null; then
  echo "ssl memory bench: skipped (Debian python3-torch/python3-torchaudio not importable by $PY)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# WavLM Base+ shapes with random weights: torchaudio's hubert_base (torchaudio names) plus
# random gate and relative-bias tensors; and noise-like 16-bit recordings.
"$PY" - "$tmp" $MINUTES <<'PY'
import sys, wave
import numpy as np, torch, torchaudio
d, minutes = sys.argv[1], [int(m) for m in sys.argv[2:]]
torch.manual_seed(0)
sd = torchaudio.models.hubert_base().state_dict()
g = torch.Generator().manual_seed(1)
for n in range(12):
    p = 'encoder.transformer.layers.%d.attention.' % n
    sd[p + 'gru_rel_pos_linear.weight'] = 0.1 * torch.randn(8, 64, generator=g)
    sd[p + 'gru_rel_pos_linear.bias'] = torch.zeros(8)
    sd[p + 'gru_rel_pos_const'] = torch.ones(1, 12, 1, 1)
sd['encoder.transformer.layers.0.attention.rel_attn_embed.weight'] = torch.randn(320, 12, generator=g)
torch.save(sd, d + '/wavlm.pt')
rng = np.random.RandomState(0)
for m in minutes:
    x = (0.1 * rng.randn(m * 60 * 16000)).clip(-1, 1)
    with wave.open('%s/%dmin.wav' % (d, m), 'wb') as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
        w.writeframes((x * 32767).astype('<i2').tobytes())
PY
nnet-import-ssl --arch-config=conf/ssl/wavlm-base-plus.conf "$tmp/wavlm.pt" "$tmp/wavlm.h5" 2>/dev/null
rm "$tmp/wavlm.pt"

echo "compute-ssl-feats peak RSS, WavLM Base+ (random weights), $THREADS threads," \
  "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
printf '%-8s %-40s %12s %10s %8s\n' audio mode "peak RSS MB" "wall s" RTF
for m in $MINUTES; do
  echo "u $tmp/${m}min.wav" > "$tmp/wav.scp"
  for mode in $MODES; do
    opts=""
    [ $mode = window ] && opts=$WINDOW
    # shellcheck disable=SC2086
    if ! /usr/bin/time -v -o "$tmp/time.txt" compute-ssl-feats --num-threads="$THREADS" $opts \
        "$tmp/wavlm.h5" scp:"$tmp/wav.scp" ark:/dev/null 2>"$tmp/stderr"; then
      echo "bench: compute-ssl-feats failed on ${m} min ($mode):" >&2
      cat "$tmp/stderr" "$tmp/time.txt" >&2
      exit 1
    fi
    rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time.txt")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0;
      for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s }' "$tmp/time.txt")
    printf '%-8s %-40s %12.0f %10.1f %8.3f\n' "${m} min" "$mode${opts:+ $opts}" \
      "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')" "$wall" \
      "$(awk -v w="$wall" -v m="$m" 'BEGIN { print w / (60 * m) }')"
  done
done
echo "(peak RSS: /usr/bin/time -v, MB = 2^20 bytes; wall and RTF include loading the model)"
