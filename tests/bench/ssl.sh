#!/usr/bin/env bash
# tests/bench/ssl.sh: real-time factor (compute seconds per second of audio, lower is better)
# of a Base-size self-supervised model forward on 10 s of audio, ours beside PyTorch:
#   HuBERT Base   ours (compute-ssl-feats) vs torchaudio 0.13's hubert_base, same random weights
#   WavLM Base+   ours vs tests/reference/wavlm-torch.py (our PyTorch WavLM, checked against the
#                 official code's fixtures), same random weights (a unilm checkpoint written by
#                 that script, imported with nnet-import-ssl), batch 1 and batch 4 (four
#                 different 10 s utterances); both sides' outputs on these inputs are compared
#                 and the max |diff| printed, so that the two sides provably run the same model.
# Both sides use 2 threads; PyTorch runs with OMP_WAIT_POLICY=PASSIVE (its best setting,
# DESIGN.md §4) under torch.inference_mode; OPENBLAS_CORETYPE is unset unless
# BENCH_OPENBLAS_CORETYPE is given, and the OpenBLAS core chosen is printed. Ours is timed by
# differences of whole runs so that model loading is not counted: batch 1 as (time for 4
# utterances - time for 1) / 3, batch 4 as (time for 12 utterances - time for 4) / 2 batches,
# with --batch-size=4 when compute-ssl-feats has it (else the 4 run one after another, and the
# table says so); PyTorch as the best of 3 forwards after a warm-up. The two sides take turns
# over 3 rounds, so that both see the same spells of load from other processes (each round's
# numbers go to stderr), and every number is its best round. GFLOP/s are nnet-info's FLOPs
# per second of audio / RTF; % of peak is against BENCH_PEAK_GFLOPS (default 305, the FP32
# peak measured on the 2-core dev VM, DESIGN.md §4). Nothing here is asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/bin:$PATH"
PY=${VOX_PYTHON:-/usr/bin/python3}
unset OPENBLAS_CORETYPE
# Where OpenBLAS misdetects the CPU (this VM: "Prescott"), BENCH_OPENBLAS_CORETYPE=SkylakeX
# gives both sides the kernels a correctly detected machine gets (as nnet.sh and train.sh).
if [ -n "${BENCH_OPENBLAS_CORETYPE:-}" ]; then export OPENBLAS_CORETYPE=$BENCH_OPENBLAS_CORETYPE; fi
THREADS=${BENCH_THREADS:-2}
PEAK=${BENCH_PEAK_GFLOPS:-305}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in nnet-import-ssl compute-ssl-feats nnet-info; do
  command -v $t >/dev/null || { echo "bench: bin/$t not built (run make first)" >&2; exit 1; }
done
if ! "$PY" -c 'import torch, torchaudio' 2>/dev/null; then
  echo "ssl bench: skipped (Debian python3-torch/python3-torchaudio not importable by $PY)"
  exit 0
fi

# Random WavLM Base+ weights (the sizes of conf/ssl/wavlm-base-plus.conf) as a unilm checkpoint;
# importing it with that conf as --arch-config also checks the sizes agree.
"$PY" tests/reference/wavlm-torch.py random conf/ssl/wavlm-base-plus.conf 1 "$tmp/wavlm.pt"
nnet-import-ssl --arch-config=conf/ssl/wavlm-base-plus.conf "$tmp/wavlm.pt" "$tmp/wavlm.h5" 2>/dev/null

# PyTorch's side, run once per round: the first run (setup) writes random HuBERT weights
# (torchaudio names), four different 10 s noise-like utterances as 16-bit wavs and the WavLM
# outputs (batch 1 and 4) for the comparison below; later runs print PyTorch's RTFs (HuBERT,
# WavLM batch 1, batch 4; best of 3 forwards after a warm-up), its version and OpenBLAS core.
cat > "$tmp/torch_side.py" <<'PY'
import ctypes, importlib.util, sys, time, wave
import numpy as np, torch, torchaudio
d, threads, setup = sys.argv[1], int(sys.argv[2]), sys.argv[3] == 'setup'
torch.set_num_threads(threads)
torch.manual_seed(0)
m = torchaudio.models.hubert_base().eval()
if setup:
    torch.save(m.state_dict(), d + '/hubert.pt')
wavs = []
for i in range(4):
    x = (0.1 * np.random.RandomState(i).randn(160000)).clip(-1, 1)
    q = (x * 32767).astype('<i2')
    if setup:
        with wave.open('%s/u%d.wav' % (d, i + 1), 'wb') as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
            w.writeframes(q.tobytes())
    wavs.append(q.astype(np.float32) / 32768.0)  # what our wav reader gives
wav4 = torch.from_numpy(np.stack(wavs))
wav1 = wav4[:1].contiguous()


def best_of_3(f):
    f()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


sys.path.insert(0, 'tests/reference')  # its helper modules (safetensors_read)
spec = importlib.util.spec_from_file_location('wavlm_torch', 'tests/reference/wavlm-torch.py')
wt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wt)
wavlm = wt.WavLM(*wt.load_checkpoint(d + '/wavlm.pt'))
assert not wavlm.normalize
if setup:
    np.save(d + '/torch_b1.npy', wavlm.extract(wav1)['out'].numpy())
    np.save(d + '/torch_b4.npy', wavlm.extract(wav4)['out'].numpy())
    sys.exit(0)
with torch.inference_mode():
    hubert = best_of_3(lambda: m(wav1)) / 10.0
b1 = best_of_3(lambda: wavlm.extract(wav1)) / 10.0
b4 = best_of_3(lambda: wavlm.extract(wav4)) / 40.0
try:
    lib = ctypes.CDLL('libopenblas.so.0')
    lib.openblas_get_corename.restype = ctypes.c_char_p
    core = lib.openblas_get_corename().decode()
except OSError:
    core = '?'
print('%.4f %.4f %.4f %s %s' % (hubert, b1, b4, torch.__version__, core))
PY
torch_side() { OMP_WAIT_POLICY=PASSIVE "$PY" "$tmp/torch_side.py" "$tmp" "$THREADS" "$1"; }
torch_side setup
nnet-import-ssl --arch-config=conf/ssl/hubert-base.conf "$tmp/hubert.pt" "$tmp/hubert.h5" 2>/dev/null
echo "u1 $tmp/u1.wav" > "$tmp/1.scp"
for i in 1 2 3 4; do echo "u$i $tmp/u$i.wav"; done > "$tmp/4.scp"
for r in a b c; do for i in 1 2 3 4; do echo "u$i$r $tmp/u$i.wav"; done; done > "$tmp/12.scp"

if compute-ssl-feats --help 2>&1 | grep -q -- '--batch-size'; then
  batch_opt=--batch-size=4 batch_note=""
else
  batch_opt="" batch_note=" (4 in sequence)"
fi

# Same outputs on both sides (final = layer 12: post-norm): batch 1 on u1, batch 4 on u1..u4.
compute-ssl-feats --num-threads=$THREADS "$tmp/wavlm.h5" scp:"$tmp/1.scp" ark:"$tmp/ours_b1.ark" 2>/dev/null
compute-ssl-feats --num-threads=$THREADS $batch_opt "$tmp/wavlm.h5" scp:"$tmp/4.scp" ark:"$tmp/ours_b4.ark" 2>/dev/null
diffs=$("$PY" - "$tmp" <<'PY'
import sys, numpy as np
d = sys.argv[1]


def read_ark(path):
    """Kaldi binary archive of float matrices: key, '\0B', 'FM ', int32 rows and cols, data."""
    b, i, out = open(path, 'rb').read(), 0, []
    while i < len(b):
        j = b.index(b' ', i)
        assert b[j + 1:j + 6] == b'\0BFM ', 'not a binary float matrix in ' + path
        rows, cols = np.frombuffer(b, '<i4', 1, j + 7)[0], np.frombuffer(b, '<i4', 1, j + 12)[0]
        n = int(rows) * int(cols)
        out.append(np.frombuffer(b, '<f4', n, j + 16).reshape(rows, cols))
        i = j + 16 + 4 * n
    return np.stack(out)


res = []
for case in ('b1', 'b4'):
    ours, ref = read_ark('%s/ours_%s.ark' % (d, case)), np.load('%s/torch_%s.npy' % (d, case))
    assert ours.shape == ref.shape, (case, ours.shape, ref.shape)
    res.append('%.1e' % np.abs(ours - ref).max())
res.append('%.1f' % np.abs(ref).max())
print(' '.join(res))
PY
)
read -r diff_b1 diff_b4 ref_max <<< "$diffs"

now() { date +%s.%N; }
run_ours() {  # a failed run would time as ~0: stop instead
  compute-ssl-feats --num-threads=$THREADS "$@" ark:/dev/null 2>"$tmp/err" ||
    { echo "bench: compute-ssl-feats $* failed:" >&2; tail -3 "$tmp/err" >&2; exit 1; }
}
# ours MODEL SMALL BIG SECONDS [OPTS]: (time for scp BIG - time for scp SMALL) / SECONDS of
# audio that BIG has more.
ours() {
  local model=$1 small=$2 big=$3 secs=$4 opts=${5:-} t0 t1 t2
  t0=$(now); run_ours $opts "$model" scp:"$small"
  t1=$(now); run_ours $opts "$model" scp:"$big"
  t2=$(now)
  awk -v a="$t0" -v b="$t1" -v c="$t2" -v s="$secs" 'BEGIN { printf "%.4f", ((c - b) - (b - a)) / s }'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
torch_hubert="" torch_b1="" torch_b4="" hubert="" wavlm_b1="" wavlm_b4=""
for round in 1 2 3; do
  read -r th t1 t4 torch_version core <<< "$(torch_side time)"
  h=$(ours "$tmp/hubert.h5" "$tmp/1.scp" "$tmp/4.scp" 30)
  w1=$(ours "$tmp/wavlm.h5" "$tmp/1.scp" "$tmp/4.scp" 30)
  w4=$(ours "$tmp/wavlm.h5" "$tmp/4.scp" "$tmp/12.scp" 80 "$batch_opt")
  echo "round $round RTF: HuBERT ours $h torch $th; WavLM batch 1 ours $w1 torch $t1; batch 4 ours $w4 torch $t4" >&2
  torch_hubert=$(min "$torch_hubert" "$th") torch_b1=$(min "$torch_b1" "$t1") torch_b4=$(min "$torch_b4" "$t4")
  hubert=$(min "$hubert" "$h") wavlm_b1=$(min "$wavlm_b1" "$w1") wavlm_b4=$(min "$wavlm_b4" "$w4")
done
flops() { nnet-info "$1" 2>/dev/null | sed -n 's/^FLOPs per second of audio: //p'; }
hubert_flops=$(flops "$tmp/hubert.h5")
wavlm_flops=$(flops "$tmp/wavlm.h5")

echo "SSL forward, 10 s of audio, $THREADS threads, OpenBLAS core $core (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset})"
echo "FLOPs per second of audio (nnet-info): HuBERT Base $hubert_flops, WavLM Base+ $wavlm_flops; FP32 peak $PEAK GFLOP/s"
row() {  # label RTF FLOPS-PER-AUDIO-SECOND
  awk -v l="$1" -v r="$2" -v f="$3" -v p="$PEAK" \
    'BEGIN { g = f / r / 1e9; printf "%-56s %8s %9.1f %6.1f%%\n", l, r, g, 100 * g / p }'
}
printf '%-56s %8s %9s %8s\n' case RTF GFLOP/s "of peak"
row "HuBERT Base, ours" "$hubert" "$hubert_flops"
row "HuBERT Base, torchaudio $torch_version" "$torch_hubert" "$hubert_flops"
row "WavLM Base+ batch 1, ours" "$wavlm_b1" "$wavlm_flops"
row "WavLM Base+ batch 1, PyTorch $torch_version (wavlm-torch.py)" "$torch_b1" "$wavlm_flops"
row "WavLM Base+ batch 4, ours$batch_note" "$wavlm_b4" "$wavlm_flops"
row "WavLM Base+ batch 4, PyTorch $torch_version (wavlm-torch.py)" "$torch_b4" "$wavlm_flops"
ratio() { awk -v o="$2" -v t="$3" -v l="$1" 'BEGIN { printf "%-27s ours / PyTorch time %.2f (< 1: ours faster)\n", l ":", o / t }'; }
ratio "HuBERT Base" "$hubert" "$torch_hubert"
ratio "WavLM Base+ batch 1" "$wavlm_b1" "$torch_b1"
ratio "WavLM Base+ batch 4$batch_note" "$wavlm_b4" "$torch_b4"
echo "WavLM Base+ outputs (final), ours vs PyTorch: max |diff| $diff_b1 (batch 1), $diff_b4 (batch 4$batch_note); values up to $ref_max"
