#!/usr/bin/env bash
# utils/split_data.sh: split a data directory into N parts, <data>/split<N>/{1..N}.

per_utt=false   # split by utterance (into split<N>utt) instead of keeping speakers together
help_message="split_data.sh: split a data directory into N parts for N parallel jobs.
Usage: $0 [--per-utt true] <data-dir> <num-parts>
 e.g.: $0 data/train 4      (makes data/train/split4/1 ... data/train/split4/4)
By default all utterances of a speaker go to the same part (needed for per-speaker CMVN or
statistics); --per-utt true splits by utterance into <data-dir>/split<N>utt/. Each part
gets utt2spk, spk2utt and the subset of every other file (wav.scp, segments, text,
feats.scp, utt2dur, utt2lang, vad.scp, spk2gender, cmvn.scp, ...). Does nothing when the
split exists and is newer than the data directory's files; jobs then use
<data-dir>/split<N>/JOB/ (e.g. run.pl JOB=1:N ... scp:data/train/split4/JOB/wav.scp)."

. "$(dirname "$0")/parse_options.sh" || exit 1
prog=split_data.sh
if [ $# -ne 2 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi
data=${1%/}
n=$2
utils=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "$prog: <num-parts> must be a positive integer, not '$n'" >&2; exit 1; }
[ -f "$data/utt2spk" ] || { echo "$prog: $data/utt2spk not found" >&2; exit 1; }
[ "$per_utt" = true ] || [ "$per_utt" = false ] || { echo "$prog: --per-utt takes true or false" >&2; exit 1; }

if $per_utt; then out=$data/split${n}utt; else out=$data/split$n; fi

files=$(cd "$data" && ls -p | grep -v / | grep -vx -e '.*\.tmp' -e 'trials' -e 'rttm')
# Up to date: every part exists and is newer than every file of the data dir.
uptodate=true
for j in $(seq "$n"); do [ -f "$out/$j/utt2spk" ] || uptodate=false; done
if $uptodate; then
  for f in $files; do [ "$data/$f" -nt "$out/1/utt2spk" ] && uptodate=false; done
fi
if $uptodate; then
  echo "$prog: $out is up to date" >&2
  exit 0
fi

nutt=$(grep -c . "$data/utt2spk")
nspk=$(awk '{print $2}' "$data/utt2spk" | sort -u | grep -c .)
if $per_utt && [ "$nutt" -lt "$n" ]; then
  echo "$prog: cannot split $nutt utterances of $data into $n parts" >&2; exit 1
fi
if ! $per_utt && [ "$nspk" -lt "$n" ]; then
  echo "$prog: cannot split $nspk speakers of $data into $n parts (use --per-utt true)" >&2; exit 1
fi

rm -rf "$out"
tmp=$out.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
parts=$(for j in $(seq "$n"); do mkdir -p "$tmp/$j"; echo "$tmp/$j/utt2spk"; done)
if $per_utt; then
  # shellcheck disable=SC2086
  "$utils/split_scp.pl" "$data/utt2spk" $parts || exit 1
else
  # shellcheck disable=SC2086
  "$utils/split_scp.pl" --utt2spk="$data/utt2spk" "$data/utt2spk" $parts || exit 1
fi

for j in $(seq "$n"); do
  d=$tmp/$j
  "$utils/utt2spk_to_spk2utt.pl" "$d/utt2spk" > "$d/spk2utt" || exit 1
  for f in $files; do
    case $f in
      utt2spk|spk2utt) ;;
      spk2gender|cmvn.scp|spk2*) "$utils/filter_scp.pl" "$d/spk2utt" "$data/$f" > "$d/$f" ;;
      wav.scp|reco2dur|reco2file_and_channel)
        if [ -f "$data/segments" ]; then
          "$utils/filter_scp.pl" "$d/utt2spk" "$data/segments" | awk '{print $2}' | sort -u > "$d/.recos"
          "$utils/filter_scp.pl" "$d/.recos" "$data/$f" > "$d/$f"
          rm -f "$d/.recos"
        else
          "$utils/filter_scp.pl" "$d/utt2spk" "$data/$f" > "$d/$f"
        fi ;;
      *) "$utils/filter_scp.pl" "$d/utt2spk" "$data/$f" > "$d/$f" ;;
    esac || { echo "$prog: cannot split $data/$f" >&2; exit 1; }
  done
done
mv "$tmp" "$out" || exit 1
trap - EXIT
echo "$prog: split $data into $n parts in $out" >&2
