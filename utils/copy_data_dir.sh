#!/usr/bin/env bash
# utils/copy_data_dir.sh: copy a data directory, optionally renaming utterances and speakers.

utt_prefix=     # added before every utterance id
utt_suffix=     # added after every utterance id
spk_prefix=     # added before every speaker id
spk_suffix=     # added after every speaker id
validate=true   # check the copy with validate_data_dir.sh --no-audio-check
help_message="copy_data_dir.sh: copy a data directory, optionally renaming utterances and speakers.
Usage: $0 [options] <src-dir> <dest-dir>
 e.g.: $0 --utt-prefix sp1.1- --spk-prefix sp1.1- data/train data/train_sp1.1
       $0 --utt-prefix spk01- data/raw data/fixed   (make utterance ids speaker-prefixed)
Renames keys in utt2spk, spk2utt, text, feats.scp, utt2dur, utt2lang, vad.scp, segments,
spk2gender, cmvn.scp, and in wav.scp when there are no segments (recording ids are kept
otherwise); trials are renamed too. Files are re-sorted (LC_ALL=C). Keep the speaker id a
prefix of the utterance id so that both sort the same way."

. "$(dirname "$0")/parse_options.sh" || exit 1
prog=copy_data_dir.sh
if [ $# -ne 2 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi
src=${1%/}; dest=${2%/}
utils=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C
[ -f "$src/utt2spk" ] || { echo "$prog: $src/utt2spk not found" >&2; exit 1; }
mkdir -p "$dest" || exit 1
[ "$(cd "$src" && pwd)" != "$(cd "$dest" && pwd)" ] || { echo "$prog: <src-dir> and <dest-dir> are the same" >&2; exit 1; }
export VOX_UP=$utt_prefix VOX_US=$utt_suffix VOX_SP=$spk_prefix VOX_SS=$spk_suffix

# rename <fields> <file>: fields is a list like "u s" (utterance, speaker, - = keep), applied to
# the first fields of each line; "U" renames every field (spk2utt's utterance list).
rename() {
  perl -e '
    my @spec = split(" ", shift @ARGV);
    my %ren = (u => sub { "$ENV{VOX_UP}$_[0]$ENV{VOX_US}" }, s => sub { "$ENV{VOX_SP}$_[0]$ENV{VOX_SS}" });
    while (my $l = <>) {
      chomp $l;
      my @f = split(/(\s+)/, $l, -1);   # keep the separators
      my $i = 0;
      for (my $k = 0; $k < @f; $k += 2) {
        my $t = $spec[$i < @spec ? $i : -1];
        $t = "-" if $i >= @spec && $spec[-1] ne "U";
        $f[$k] = $ren{$t eq "U" ? "u" : $t}->($f[$k]) if $t ne "-" && $f[$k] ne "";
        $i++;
      }
      print join("", @f), "\n";
    }' "$1" "$2"
}

for f in $(cd "$src" && ls -p | grep -v / | grep -vx -e '.*\.tmp'); do
  case $f in
    utt2spk) rename "u s" "$src/$f" ;;
    spk2utt) rename "s U" "$src/$f" ;;
    spk2gender|cmvn.scp) rename "s -" "$src/$f" ;;
    wav.scp|reco2dur|reco2file_and_channel)
      if [ -f "$src/segments" ]; then cat "$src/$f"; else rename "u -" "$src/$f"; fi ;;
    trials) rename "u u -" "$src/$f" ;;
    rttm) cat "$src/$f" ;;
    *) rename "u -" "$src/$f" ;;
  esac > "$dest/$f.tmp" || { echo "$prog: cannot copy $src/$f" >&2; exit 1; }
  case $f in
    trials|rttm) mv "$dest/$f.tmp" "$dest/$f" ;;
    *) sort -k1,1 "$dest/$f.tmp" > "$dest/$f" && rm "$dest/$f.tmp" ;;
  esac
done
"$utils/utt2spk_to_spk2utt.pl" "$dest/utt2spk" > "$dest/spk2utt" || exit 1
if [ "$validate" = true ]; then
  "$utils/validate_data_dir.sh" --no-audio-check "$dest" 2>"$dest/.validate.log" \
    || { cat "$dest/.validate.log" >&2; rm -f "$dest/.validate.log"; exit 1; }
  rm -f "$dest/.validate.log"
fi
echo "$prog: copied $src to $dest" >&2
