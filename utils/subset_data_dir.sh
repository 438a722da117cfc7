#!/usr/bin/env bash
# utils/subset_data_dir.sh: make a data directory holding a subset of another's utterances.

usage="subset_data_dir.sh: copy a subset of a data directory's utterances to a new one.
Usage: $0 [--first|--last|--per-spk|--speakers|--shortest] <src-dir> <N> <dest-dir>
       $0 --utt-list <file> <src-dir> <dest-dir>
       $0 --spk-list <file> <src-dir> <dest-dir>
 e.g.: $0 data/train 1000 data/train_1k
       $0 --per-spk data/train 2 data/train_2per_spk
Which utterances (in sorted order):
  (no flag)   N utterances evenly spaced over the directory
  --first     the first N;  --last  the last N
  --per-spk   the first N of each speaker (all of those with fewer)
  --speakers  whole speakers, evenly spaced, until N utterances are reached
  --shortest  the N shortest (needs utt2dur)
  --utt-list  those listed (first field of each line); --spk-list  those of the speakers listed
Every file is subset to match (wav.scp, segments, text, feats.scp, utt2dur, spk2gender, ...),
spk2utt is rebuilt, and the result is checked with fix_data_dir.sh."

prog=subset_data_dir.sh
utils=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C
mode=even
list=
case "${1:-}" in
  --help|-h) echo "$usage"; exit 0 ;;
  --first|--last|--per-spk|--speakers|--shortest) mode=${1#--}; shift ;;
  --utt-list|--spk-list) mode=${1#--}; list=$2; shift 2 ;;
  --*) echo "$prog: bad option $1" >&2; echo "$usage" >&2; exit 1 ;;
esac
if [ -n "$list" ]; then
  [ $# -eq 2 ] || { echo "$usage" >&2; exit 1; }
  src=${1%/}; dest=${2%/}
  [ -f "$list" ] || { echo "$prog: list $list not found" >&2; exit 1; }
else
  [ $# -eq 3 ] || { echo "$usage" >&2; exit 1; }
  src=${1%/}; n=$2; dest=${3%/}
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "$prog: <N> must be a positive integer, not '$n'" >&2; exit 1; }
fi
[ -f "$src/utt2spk" ] || { echo "$prog: $src/utt2spk not found" >&2; exit 1; }
[ "$(cd "$src" && pwd)" != "$(mkdir -p "$dest" && cd "$dest" && pwd)" ] \
  || { echo "$prog: <src-dir> and <dest-dir> are the same" >&2; exit 1; }

total=$(grep -c . "$src/utt2spk")
utts=$dest/.subset_utts
sort -k1,1 "$src/utt2spk" > "$dest/.utt2spk_sorted"
case $mode in
  even) awk -v n="$n" -v t="$total" 'BEGIN { if (n > t) n = t; for (i = 0; i < n; i++) want[int(i * t / n) + 1] = 1 }
          want[NR] { print $1 }' "$dest/.utt2spk_sorted" > "$utts" ;;
  first) head -n "$n" "$dest/.utt2spk_sorted" | awk '{print $1}' > "$utts" ;;
  last) tail -n "$n" "$dest/.utt2spk_sorted" | awk '{print $1}' > "$utts" ;;
  per-spk) awk -v n="$n" '++c[$2] <= n { print $1 }' "$dest/.utt2spk_sorted" > "$utts" ;;
  speakers)
    awk '{print $2}' "$dest/.utt2spk_sorted" | sort | uniq -c | awk '{print $2, $1}' > "$dest/.spk_counts"
    awk -v n="$n" '{ s[NR] = $1; c[NR] = $2 } END {
        # Visit speakers at evenly spread positions until N utterances are covered.
        for (k = 0; k < NR && got < n; k++) { i = 1 + (k * 7919) % NR;
          while (used[i]) i = i % NR + 1; used[i] = 1; got += c[i]; print s[i] } }' \
      "$dest/.spk_counts" > "$dest/.spks"
    "$utils/filter_scp.pl" -f 2 "$dest/.spks" "$dest/.utt2spk_sorted" | awk '{print $1}' > "$utts"
    rm -f "$dest/.spk_counts" "$dest/.spks" ;;
  shortest)
    [ -f "$src/utt2dur" ] || { echo "$prog: --shortest needs $src/utt2dur (utils/data/get_utt2dur.sh)" >&2; exit 1; }
    sort -k2,2g "$src/utt2dur" | head -n "$n" | awk '{print $1}' > "$utts" ;;
  utt-list) awk '{print $1}' "$list" > "$utts" ;;
  spk-list) "$utils/filter_scp.pl" -f 2 "$list" "$dest/.utt2spk_sorted" | awk '{print $1}' > "$utts" ;;
esac
rm -f "$dest/.utt2spk_sorted"
if ! grep -q . "$utts"; then
  echo "$prog: no utterance selected from $src" >&2; rm -f "$utts"; exit 1
fi

# Copy: per-utterance files filtered; per-speaker and per-recording files whole (fix_data_dir.sh
# then drops what no kept utterance uses).
for f in $(cd "$src" && ls -p | grep -v / | grep -vx -e '.*\.tmp'); do
  case $f in
    spk2utt|trials|rttm) ;;
    spk2gender|cmvn.scp|reco2dur|reco2file_and_channel) cp "$src/$f" "$dest/$f" ;;
    wav.scp) if [ -f "$src/segments" ]; then cp "$src/$f" "$dest/$f";
             else "$utils/filter_scp.pl" "$utts" "$src/$f" > "$dest/$f"; fi ;;
    *) "$utils/filter_scp.pl" "$utts" "$src/$f" > "$dest/$f" ;;
  esac || { echo "$prog: cannot copy $src/$f" >&2; exit 1; }
done
rm -f "$utts" "$dest/spk2utt"
if ! "$utils/fix_data_dir.sh" --check-wavs false "$dest" > "$dest/.fix.log" 2>&1; then
  cat "$dest/.fix.log" >&2; exit 1
fi
rm -rf "$dest/.backup" "$dest/.fix.log"
echo "$prog: $dest: $(grep -c . "$dest/utt2spk") of $total utterances, $(grep -c . "$dest/spk2utt") speakers" >&2
