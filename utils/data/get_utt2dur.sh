#!/usr/bin/env bash
# utils/data/get_utt2dur.sh: write <data-dir>/utt2dur (utterance durations in seconds).

nj=1            # parallel jobs (wav.scp is split into this many parts)
cmd=run.pl      # job wrapper: run.pl, queue.pl or slurm.pl (with its options)
help_message="get_utt2dur.sh: write <data-dir>/utt2dur, each utterance's duration in seconds.
Usage: $0 [options] <data-dir>
 e.g.: $0 --nj 4 --cmd 'utils/run.pl' data/train
With a segments file durations are end - start (the recording's duration for end -1);
otherwise the audio of each wav.scp entry is measured by wav-to-duration (any format
libsndfile reads; commands ending in '|' are run). Does nothing if utt2dur exists and is newer than wav.scp and
segments. Logs go to <data-dir>/log/."

. "$(dirname "$0")/../parse_options.sh" || exit 1
prog=get_utt2dur.sh
if [ $# -ne 1 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi
data=${1%/}
utils=$(cd "$(dirname "$0")/.." && pwd)
# So that --cmd run.pl and the wav-to-duration tool work without path.sh.
export PATH="$utils:$utils/../bin:$PATH"
export LC_ALL=C

[ -f "$data/wav.scp" ] || [ -f "$data/segments" ] || { echo "$prog: $data/wav.scp not found" >&2; exit 1; }
if [ -s "$data/utt2dur" ] && [ "$data/utt2dur" -nt "$data/wav.scp" ] \
   && { [ ! -f "$data/segments" ] || [ "$data/utt2dur" -nt "$data/segments" ]; }; then
  echo "$prog: $data/utt2dur is up to date" >&2
  exit 0
fi
[[ "$nj" =~ ^[1-9][0-9]*$ ]] || { echo "$prog: --nj must be a positive integer" >&2; exit 1; }

# Recording durations are needed unless every segment has an end time.
need_reco=true
if [ -f "$data/segments" ] && ! awk '$4 == -1 { exit 1 }' "$data/segments"; then need_reco=true
elif [ -f "$data/segments" ]; then need_reco=false; fi

tmp=$data/log/utt2dur_tmp
rm -rf "$tmp"
mkdir -p "$tmp" || exit 1
if $need_reco; then
  n=$(grep -c . "$data/wav.scp")
  [ "$nj" -gt "$n" ] && nj=$n
  parts=$(for j in $(seq "$nj"); do echo "$tmp/wav.$j.scp"; done)
  # shellcheck disable=SC2086
  "$utils/split_scp.pl" "$data/wav.scp" $parts || exit 1
  $cmd JOB=1:"$nj" "$data/log/get_durations.JOB.log" \
    wav-to-duration scp:"$tmp/wav.JOB.scp" ark,t:"$tmp/dur.JOB" || {
    echo "$prog: measuring the audio failed; see $data/log/get_durations.*.log" >&2
    exit 1
  }
  for j in $(seq "$nj"); do cat "$tmp/dur.$j"; done > "$tmp/reco2dur"
fi
if [ -f "$data/segments" ]; then
  awk -v r="$tmp/reco2dur" '
    BEGIN { while ((getline l < r) > 0) { split(l, a, " "); d[a[1]] = a[2]; } }
    { e = $4; if (e == -1) { if (!($2 in d)) { print "no duration for recording " $2 > "/dev/stderr"; exit 1; } e = d[$2]; }
      printf "%s %.6g\n", $1, e - $3; }' "$data/segments" > "$tmp/utt2dur" || exit 1
else
  cp "$tmp/reco2dur" "$tmp/utt2dur"
fi
sort -k1,1 "$tmp/utt2dur" > "$data/utt2dur.tmp" && mv "$data/utt2dur.tmp" "$data/utt2dur" || exit 1
rm -rf "$tmp"
echo "$prog: wrote $data/utt2dur ($(wc -l < "$data/utt2dur") utterances)" >&2
