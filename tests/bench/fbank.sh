#!/usr/bin/env bash
# tests/bench/fbank.sh: fbank throughput (seconds of audio per second of compute), ours
# (compute-fbank-feats, 80 bins, dither 0) and torchaudio.compliance.kaldi.fbank on the same
# audio, with 1 and 2 workers. Ours: 1 process, and 2 processes on halves of the list (the
# tool is single-threaded; Kaldi parallelises the same way). torchaudio: one process with
# torch.set_num_threads(1 or 2), OMP_WAIT_POLICY=PASSIVE (its best setting, DESIGN.md §4).
# Both read the same 16-bit wavs and write nothing (ours: ark:/dev/null).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${VOX_PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 40 utterances x 15 s = 10 minutes of speech-like noise (sox, fixed seed).
for i in $(seq 1 40); do
  sox -R -n -r 16000 -b 16 -c 1 "$tmp/u$i.wav" synth 15 pinknoise vol 0.3 2>/dev/null
  echo "u$i $tmp/u$i.wav"
done > "$tmp/wav.scp"
total_s=600
head -20 "$tmp/wav.scp" > "$tmp/a.scp"
tail -20 "$tmp/wav.scp" > "$tmp/b.scp"

rate() { awk -v s="$total_s" -v t="$1" 'BEGIN { printf "%.0f", s / t }'; }
now() { date +%s.%N; }

t0=$(now); bin/compute-fbank-feats --dither=0 --num-mel-bins=80 scp:"$tmp/wav.scp" ark:/dev/null 2>/dev/null; t1=$(now)
ours1=$(rate "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
t0=$(now)
bin/compute-fbank-feats --dither=0 --num-mel-bins=80 scp:"$tmp/a.scp" ark:/dev/null 2>/dev/null &
bin/compute-fbank-feats --dither=0 --num-mel-bins=80 scp:"$tmp/b.scp" ark:/dev/null 2>/dev/null &
wait
t1=$(now)
ours2=$(rate "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")

torch_rate() {
  OMP_WAIT_POLICY=PASSIVE "$PY" - "$tmp/wav.scp" "$1" <<'PY'
import sys, time, torch, torchaudio
import torchaudio.compliance.kaldi as tk
torch.set_num_threads(int(sys.argv[2]))
waves = [torchaudio.load(l.split()[1], normalize=False)[0].float() for l in open(sys.argv[1])]
total = sum(w.shape[1] for w in waves) / 16000
tk.fbank(waves[0], num_mel_bins=80, dither=0.0)  # warm-up
t = time.perf_counter()
for w in waves:
    tk.fbank(w, num_mel_bins=80, dither=0.0)
print(f"{total / (time.perf_counter() - t):.0f}")
PY
}
if "$PY" -c 'import torchaudio' 2>/dev/null; then
  ta1=$(torch_rate 1); ta2=$(torch_rate 2)
else
  ta1="n/a (no torchaudio)"; ta2="n/a"
fi
echo "fbank throughput, seconds of audio per second (80 bins, 16 kHz, 10 min of audio):"
printf '  %-34s %10s %10s\n' "" "1 worker" "2 workers"
printf '  %-34s %10s %10s\n' "voxtools compute-fbank-feats" "$ours1" "$ours2"
printf '  %-34s %10s %10s\n' "torchaudio.compliance.kaldi.fbank" "$ta1" "$ta2"
echo "  (ours includes reading the wavs and process start-up; torchaudio's excludes loading)"
