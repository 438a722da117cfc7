#!/usr/bin/env bash
# utils/synth_corpus.sh: synthesise a small multi-speaker corpus with espeak-ng and sox, and
# write it as a Kaldi data directory.

num_spk=4            # number of speakers
utts_per_spk=6       # utterances per speaker
sample_rate=16000    # output sample rate (Hz); 16-bit mono WAV
seed=1               # random seed: the same seed gives the same corpus, byte for byte
noise_level=0.002    # amplitude of added white noise (0 = none); fixed noise (sox -R)
pad=0.15             # seconds of silence before and after each utterance
write_utt2dur=true   # also write utt2dur
nj=2                 # synthesis processes run at once

help_message="synth_corpus.sh: make a small multi-speaker corpus with espeak-ng voices.
Usage: $0 [options] <out-data-dir> <wav-dir>
 e.g.: $0 --num-spk 4 --utts-per-spk 6 --seed 3 data/mini exp/mini_wav
Each speaker is an espeak-ng voice variant with its own pitch and speed (e.g. en-us+m3
-p 40 -s 160); utterances are sentences built from word lists by a seeded random generator
(awk srand), synthesised, resampled to --sample-rate, padded, and mixed with low-level
noise (sox -R, repeatable). Writes <wav-dir>/<utt>.wav and, in <out-data-dir>, wav.scp
(absolute paths), utt2spk, spk2utt, spk2gender, text and utt2dur, sorted (LC_ALL=C).
Speakers are spk01, spk02, ...; utterances spk01-utt001, ... (speaker-prefixed)."

. "$(dirname "$0")/parse_options.sh" || exit 1

prog=synth_corpus.sh
if [ $# -ne 2 ]; then
  printf '%s\n' "$help_message" >&2
  exit 1
fi
data=$1
wavdir=$2
export LC_ALL=C

for v in num_spk utts_per_spk sample_rate seed nj; do
  if [[ ! "${!v}" =~ ^[0-9]+$ ]] || { [ "$v" != seed ] && [ "${!v}" -lt 1 ]; }; then
    echo "$prog: --${v//_/-} must be a positive integer, not '${!v}'" >&2
    exit 1
  fi
done
for v in noise_level pad; do
  if [[ ! "${!v}" =~ ^[0-9]*\.?[0-9]+$ ]]; then
    echo "$prog: --${v//_/-} must be a non-negative number, not '${!v}'" >&2
    exit 1
  fi
done
for tool in espeak-ng sox soxi; do
  if ! command -v $tool >/dev/null 2>&1; then
    echo "$prog: $tool not found (apt-get install espeak-ng sox libsox-fmt-all, or utils/install_deps.sh)" >&2
    exit 1
  fi
done

mkdir -p "$data" "$wavdir" || { echo "$prog: cannot create $data or $wavdir" >&2; exit 1; }
wavdir=$(cd "$wavdir" && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# The plan: one line per utterance, "spk utt voice pitch speed gender words...".
awk -v nspk="$num_spk" -v nutt="$utts_per_spk" -v seed="$seed" '
function pick(list,   a, n) { n = split(list, a, "|"); return a[1 + int(rand() * n)]; }
BEGIN {
  srand(seed);
  # Voice variants that sound like people (not robots, not whispers), with their gender.
  nv = split("m1:m m3:m f1:f m2:m f2:f m4:m f3:f m5:m f4:f m6:m f5:f m7:m " \
             "klatt:m linda:f david:m annie:f edward:m steph:f john:m aunty:f " \
             "paul:m belinda:f robert:m alicia:f", voices, " ");
  nb = split("en-us en en-gb-x-rp en-us", bases, " ");
  subj = "the old farmer|a young doctor|my sister|the quiet student|our neighbour|" \
         "the tall engineer|a tired pilot|the clever child|his uncle|the night nurse|" \
         "a famous singer|the baker next door";
  verb = "painted|carried|found|ordered|repaired|borrowed|described|counted|" \
         "photographed|forgot|delivered|sold";
  obj  = "a red bicycle|seven green apples|the broken window|an old wooden chair|" \
         "twelve yellow pencils|a heavy suitcase|the silver kettle|nine paper boats|" \
         "a blue umbrella|the kitchen clock|three warm blankets|a long letter";
  plc  = "near the river|in the kitchen|at the station|behind the school|" \
         "on the second floor|by the harbour|in a small village|under the bridge";
  tim  = "yesterday|on monday morning|before lunch|late last night|every summer|" \
         "after the storm|twice a week|at half past four";
  wspk = length(nspk "") < 2 ? 2 : length(nspk "");
  wutt = length(nutt "") < 3 ? 3 : length(nutt "");
  off = int(rand() * nv);
  for (s = 1; s <= nspk; s++) {
    split(voices[1 + (off + s - 1) % nv], vg, ":");
    voice = bases[1 + int((s - 1) / nv) % nb] "+" vg[1];
    pitch = 20 + int(rand() * 60);
    speed = 135 + int(rand() * 50);
    spk = sprintf("spk%0" wspk "d", s);
    for (u = 1; u <= nutt; u++) {
      words = pick(subj) " " pick(verb) " " pick(obj);
      r = rand();
      if (r < 0.4) words = words " " pick(plc);
      else if (r < 0.8) words = words " " pick(tim);
      else words = words " " pick(plc) " " pick(tim);
      printf "%s %s-utt%0" wutt "d %s %d %d %s %s\n", spk, spk, u, voice, pitch, speed, vg[2], words;
    }
  }
}' > "$tmp/plan" || { echo "$prog: cannot make the plan" >&2; exit 1; }

# Synthesises one utterance: espeak-ng -> resample, 16-bit mono, pad -> add noise.
synth_one() {
  local spk=$1 utt=$2 voice=$3 pitch=$4 speed=$5 gender=$6
  shift 6
  local out="$wavdir/$utt.wav" clean="$tmp/$utt.clean.wav" n
  espeak-ng -v "$voice" -p "$pitch" -s "$speed" -w "$tmp/$utt.raw.wav" "$*" 2>"$tmp/$utt.err" \
    || { echo "$prog: espeak-ng failed for $utt (voice $voice): $(cat "$tmp/$utt.err")" >&2; return 1; }
  sox -R "$tmp/$utt.raw.wav" -r "$sample_rate" -b 16 -c 1 "$clean" pad "$pad" "$pad" 2>"$tmp/$utt.err" \
    || { echo "$prog: sox failed for $utt: $(cat "$tmp/$utt.err")" >&2; return 1; }
  if [ "$noise_level" = 0 ] || [ "$(awk -v x="$noise_level" 'BEGIN{print (x == 0)}')" = 1 ]; then
    mv "$clean" "$out"
  else
    n=$(soxi -s "$clean")
    sox -R -m -v 1 "$clean" -v "$noise_level" \
      "|sox -R -n -r $sample_rate -b 16 -c 1 -t wav - synth ${n}s whitenoise" \
      -b 16 "$out" 2>"$tmp/$utt.err" \
      || { echo "$prog: sox (noise) failed for $utt: $(cat "$tmp/$utt.err")" >&2; return 1; }
  fi
  rm -f "$tmp/$utt.raw.wav" "$clean" "$tmp/$utt.err"
}

failed=0
running=0
while read -r spk utt voice pitch speed gender words; do
  synth_one "$spk" "$utt" "$voice" "$pitch" "$speed" "$gender" $words &
  running=$((running + 1))
  if [ $running -ge "$nj" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done < "$tmp/plan"
while [ $running -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
[ $failed -eq 0 ] || { echo "$prog: synthesis failed" >&2; exit 1; }

awk -v d="$wavdir" '{print $2, d "/" $2 ".wav"}' "$tmp/plan" | sort > "$data/wav.scp"
awk '{print $2, $1}' "$tmp/plan" | sort > "$data/utt2spk"
awk '{print $1, $6}' "$tmp/plan" | sort -u > "$data/spk2gender"
awk '{printf "%s", $2; for (i = 7; i <= NF; i++) printf " %s", $i; print ""}' "$tmp/plan" \
  | sort > "$data/text"
"$(dirname "$0")/utt2spk_to_spk2utt.pl" "$data/utt2spk" > "$data/spk2utt" || exit 1
if [ "$write_utt2dur" = true ]; then
  while read -r utt path; do
    echo "$utt $(soxi -D "$path")"
  done < "$data/wav.scp" > "$data/utt2dur"
else
  rm -f "$data/utt2dur"
fi
echo "$prog: wrote $data ($num_spk speakers, $((num_spk * utts_per_spk)) utterances, wavs in $wavdir)" >&2
