#!/usr/bin/env bash
# utils/combine_data.sh: combine several data directories into one.

help_message="combine_data.sh: combine data directories into one.
Usage: $0 <dest-dir> <src-dir1> <src-dir2> ...
 e.g.: $0 data/train_all data/train_clean data/train_noisy
Concatenates every file that all sources have (utt2spk, wav.scp, segments, text, utt2dur,
utt2lang, feats.scp, vad.scp, spk2gender, cmvn.scp, ...; a file only some sources have is
left out, with a warning) and trials (when any source has them), then sorts and rebuilds
spk2utt with fix_data_dir.sh. Utterance ids must be unique across the sources: a repeated
id is an error that names it. The same speaker id in two sources is one speaker."

prog=combine_data.sh
case "${1:-}" in --help|-h) echo "$help_message"; exit 0 ;; --*) echo "$prog: bad option $1" >&2; exit 1 ;; esac
if [ $# -lt 2 ]; then echo "$help_message" >&2; exit 1; fi
dest=${1%/}; shift
utils=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C
for s in "$@"; do
  [ -f "${s%/}/utt2spk" ] || { echo "$prog: ${s%/}/utt2spk not found" >&2; exit 1; }
  [ "$(cd "$s" && pwd)" != "$(mkdir -p "$dest" && cd "$dest" && pwd)" ] \
    || { echo "$prog: the destination $dest is also a source" >&2; exit 1; }
done

dups=$(for s in "$@"; do awk '{print $1}' "${s%/}/utt2spk"; done | sort | uniq -d)
if [ -n "$dups" ]; then
  echo "$prog: utterance ids appear in more than one source: $(echo $dups | cut -c1-200)" >&2
  echo "$prog: rename them first (copy_data_dir.sh --utt-prefix)" >&2
  exit 1
fi
nseg=0
for s in "$@"; do [ -f "${s%/}/segments" ] && nseg=$((nseg + 1)); done
if [ $nseg -ne 0 ] && [ $nseg -ne $# ]; then
  echo "$prog: some sources have segments and some do not; give them all segments first" >&2
  exit 1
fi

mkdir -p "$dest" || exit 1
rm -f "$dest"/*
files=$(for s in "$@"; do (cd "$s" && ls -p | grep -v / | grep -vx -e '.*\.tmp' -e spk2utt); done | sort -u)
for f in $files; do
  have=0
  for s in "$@"; do [ -f "${s%/}/$f" ] && have=$((have + 1)); done
  if [ $have -eq $# ] || [ "$f" = trials ]; then
    for s in "$@"; do [ -f "${s%/}/$f" ] && cat "${s%/}/$f"; done > "$dest/$f"
  else
    echo "$prog: warning: $f is in $have of $# sources; left out of $dest" >&2
  fi
done
if ! "$utils/fix_data_dir.sh" --check-wavs false "$dest" > "$dest/.fix.log" 2>&1; then
  cat "$dest/.fix.log" >&2; exit 1
fi
rm -rf "$dest/.backup" "$dest/.fix.log"
echo "$prog: combined $# directories into $dest ($(grep -c . "$dest/utt2spk") utterances, $(grep -c . "$dest/spk2utt") speakers)" >&2
