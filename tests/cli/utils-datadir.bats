#!/usr/bin/env bats
# Data-directory tools on a synthetic corpus and on deliberately broken copies of it.

UTILS="$BATS_TEST_DIRNAME/../../utils"

setup_file() {
  command -v espeak-ng >/dev/null && command -v sox >/dev/null || return 0
  export VOX_CORPUS
  VOX_CORPUS=$(mktemp -d)
  "$UTILS/synth_corpus.sh" --num-spk 4 --utts-per-spk 6 --seed 5 "$VOX_CORPUS/data" "$VOX_CORPUS/wav" 2>/dev/null
}

teardown_file() {
  [ -n "${VOX_CORPUS:-}" ] && rm -rf "$VOX_CORPUS"
}

setup() {
  [ -n "${VOX_CORPUS:-}" ] && [ -f "$VOX_CORPUS/data/wav.scp" ] \
    || skip "espeak-ng and sox are needed to synthesise the test corpus (utils/install_deps.sh)"
  cd "$BATS_TEST_TMPDIR"
  cp -r "$VOX_CORPUS/data" d
}

@test "synth_corpus.sh output is a valid data dir" {
  run "$UTILS/validate_data_dir.sh" d
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"d is valid: 24 utterances, 4 speakers"* ]]
}

@test "validate/fix: unsorted utt2spk is reported, then sorted" {
  (tail -n +2 d/utt2spk; head -n 1 d/utt2spk) > x && mv x d/utt2spk
  run "$UTILS/validate_data_dir.sh" d
  [ "$status" -eq 1 ]
  [[ "$output" == *"d/utt2spk: not sorted (LC_ALL=C, by key): spk01-utt001 on line 24 comes after spk04-utt006"* ]]
  run "$UTILS/fix_data_dir.sh" d
  [ "$status" -eq 0 ]
  [[ "$output" == *"d/utt2spk: was not sorted; sorted"* ]]
  LC_ALL=C sort -c d/utt2spk
  run "$UTILS/validate_data_dir.sh" d
  [ "$status" -eq 0 ]
}

@test "validate/fix: duplicate keys: identical lines removed, conflicting ones refused" {
  sed -n 3p d/text >> d/text
  run "$UTILS/validate_data_dir.sh" d
  [ "$status" -eq 1 ]
  [[ "$output" == *"d/text: duplicate key spk01-utt003 (lines 3 and 25)"* ]]
  run "$UTILS/fix_data_dir.sh" d
  [ "$status" -eq 0 ]
  [[ "$output" == *"d/text: removed 1 duplicate line(s)"* ]]
  [ "$(grep -c '^spk01-utt003 ' d/text)" -eq 1 ]
  # Same key, different speaker: cannot be guessed.
  echo "spk02-utt002 spk03" >> d/utt2spk
  cp d/utt2spk before
  run "$UTILS/fix_data_dir.sh" d
  [ "$status" -eq 1 ]
  [[ "$output" == *"d/utt2spk: key spk02-utt002 appears twice with different contents (line 25); fix it by hand"* ]]
  [[ "$output" == *"left unchanged"* ]]
  cmp before d/utt2spk
}

@test "validate/fix: utt2spk and wav.scp mismatch, both ways" {
  grep -v spk02-utt004 d/wav.scp > x && mv x d/wav.scp
  echo "spk09-utt001 /nowhere/x.wav" >> d/wav.scp
  run "$UTILS/validate_data_dir.sh" --no-audio-check d
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"d/wav.scp: lacks 1 utterance(s) of utt2spk: spk02-utt004"* ]]
  [[ "$output" == *"d/wav.scp: has 1 utterance(s) not in utt2spk: spk09-utt001"* ]]
  run "$UTILS/fix_data_dir.sh" d
  [ "$status" -eq 0 ]
  [[ "$output" == *"d/wav.scp: lacks 1 utterance(s) of utt2spk, dropped: spk02-utt004"* ]]
  [[ "$output" == *"kept 23 of 24 utterances"* ]]
  ! grep -q spk02-utt004 d/utt2spk d/text d/utt2dur d/spk2utt
  ! grep -q spk09 d/wav.scp
  grep -q "spk02-utt004 missing from wav.scp" d/.backup/dropped_utts
  [ "$(wc -l < d/.backup/utt2spk)" -eq 24 ]
  run "$UTILS/validate_data_dir.sh" d
  [ "$status" -eq 0 ]
}

@test "validate/fix: a missing wav file is named; fix drops it; all missing is refused" {
  sed -i 's|spk03-utt002.wav|gone.wav|' d/wav.scp
  run "$UTILS/validate_data_dir.sh" d
  [ "$status" -eq 1 ]
  [[ "$output" == *"d/wav.scp: spk03-utt002: file $VOX_CORPUS/wav/gone.wav does not exist"* ]]
  run "$UTILS/fix_data_dir.sh" d
  [ "$status" -eq 0 ]
  [[ "$output" == *"1 utterance(s) whose audio file does not exist, dropped: spk03-utt002"* ]]
  run "$UTILS/validate_data_dir.sh" d
  [ "$status" -eq 0 ]
  sed -i 's|/wav/|/moved/|' d/wav.scp
  run "$UTILS/fix_data_dir.sh" d
  [ "$status" -eq 1 ]
  [[ "$output" == *"none of the 23 audio files exists"* ]]
}

@test "validate/fix: spk2utt out of date is reported and regenerated" {
  sed -i 's/^spk02-utt001 spk02$/spk02-utt001 spk03/' d/utt2spk
  run "$UTILS/validate_data_dir.sh" d
  [ "$status" -eq 1 ]
  [[ "$output" == *"d/spk2utt: out of date with utt2spk"* ]]
  [[ "$output" == *"2 speaker(s) with other utterances: spk02, spk03"* ]]
  [[ "$output" == *"utterances of speaker spk03 are not contiguous"* ]]
  # Utterance ids that do not sort with their speakers cannot be fixed: refused, named.
  run "$UTILS/fix_data_dir.sh" d
  [ "$status" -eq 1 ]
  [[ "$output" == *"spk2utt: was out of date with utt2spk; regenerated"* ]]
  [[ "$output" == *"cannot fix: utterances of a speaker are not contiguous"* ]]
  # A plain stale spk2utt is fixed.
  cp "$VOX_CORPUS/data/utt2spk" d/utt2spk
  echo "spk05 spk05-utt001" >> d/spk2utt
  run "$UTILS/fix_data_dir.sh" d
  [ "$status" -eq 0 ]
  cmp d/spk2utt "$VOX_CORPUS/data/spk2utt"
}

@test "validate: durations, segments, field counts and missing files are named" {
  sed -i 's/^spk01-utt002 .*/spk01-utt002 9.5/' d/utt2dur
  run "$UTILS/validate_data_dir.sh" d
  [ "$status" -eq 1 ]
  [[ "$output" == *"d/utt2dur: utterance spk01-utt002: says 9.5 s, the audio lasts"* ]]
  cp "$VOX_CORPUS/data/utt2dur" d/utt2dur
  echo "spk01-utt001 spk01 extra" > x; tail -n +2 d/utt2spk >> x; mv x d/utt2spk
  rm d/spk2utt
  : > d/text
  run "$UTILS/validate_data_dir.sh" d
  [ "$status" -eq 1 ]
  [[ "$output" == *"d/spk2utt: missing (required)"* ]]
  [[ "$output" == *"d/utt2spk: line 1 (key spk01-utt001) has 3 fields, expected 2"* ]]
  [[ "$output" == *"d/text: empty file"* ]]
  # Segments beyond the end of their recording.
  cp "$VOX_CORPUS/data/"* d/
  awk '{print $1, $1, 0.1, 0.5}' d/utt2spk > d/segments
  sed -i 's/^spk04-utt006 spk04-utt006 0.1 0.5$/spk04-utt006 spk04-utt006 0.1 99/' d/segments
  rm d/utt2dur
  run "$UTILS/validate_data_dir.sh" d
  [ "$status" -eq 1 ]
  [[ "$output" == *"d/segments: utterance spk04-utt006: ends at 99 s, after the end of spk04-utt006"* ]]
}

@test "fix_data_dir.sh / validate_data_dir.sh: usage" {
  run "$UTILS/fix_data_dir.sh" --help
  [ "$status" -eq 0 ] && [[ "$output" == *"Usage: fix_data_dir.sh"* ]]
  run "$UTILS/validate_data_dir.sh" --help
  [ "$status" -eq 0 ] && [[ "$output" == *"Usage: validate_data_dir.sh"* ]]
  run "$UTILS/validate_data_dir.sh" nowhere
  [ "$status" -eq 1 ] && [[ "$output" == *"nowhere is not a directory"* ]]
  rm d/utt2spk
  run "$UTILS/fix_data_dir.sh" d
  [ "$status" -eq 1 ] && [[ "$output" == *"d/utt2spk is missing"* ]]
}

@test "split_data.sh: keeps speakers together, or splits per utterance; up to date is skipped" {
  run "$UTILS/split_data.sh" d 3
  [ "$status" -eq 0 ]
  for j in 1 2 3; do "$UTILS/validate_data_dir.sh" d/split3/$j; done
  [ "$(cat d/split3/*/utt2spk | LC_ALL=C sort | md5sum)" = "$(md5sum < d/utt2spk)" ]
  [ "$(cat d/split3/*/wav.scp | LC_ALL=C sort | md5sum)" = "$(md5sum < d/wav.scp)" ]
  for j in 1 2 3; do  # no speaker in two parts
    for k in 1 2 3; do
      [ $j = $k ] || [ -z "$(comm -12 <(cut -d' ' -f1 d/split3/$j/spk2utt) <(cut -d' ' -f1 d/split3/$k/spk2utt))" ]
    done
  done
  run "$UTILS/split_data.sh" d 3
  [[ "$output" == *"up to date"* ]]
  run "$UTILS/split_data.sh" --per-utt true d 5
  [ "$status" -eq 0 ]
  for j in 1 2 3 4 5; do n=$(wc -l < d/split5utt/$j/utt2spk); [ "$n" -ge 4 ] && [ "$n" -le 5 ]; done
  run "$UTILS/split_data.sh" d 5
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot split 4 speakers of d into 5 parts"* ]]
}

@test "split_scp.pl: by utterance, by speaker, -j, too many parts" {
  "$UTILS/split_scp.pl" d/wav.scp a b c d5 e
  for f in a b c d5 e; do n=$(wc -l < $f); [ "$n" -ge 4 ] && [ "$n" -le 5 ]; done
  [ "$(cat a b c d5 e | md5sum)" = "$(md5sum < d/wav.scp)" ]
  "$UTILS/split_scp.pl" --utt2spk=d/utt2spk d/wav.scp p q
  [ "$(cut -c1-5 p | sort -u | tr '\n' ' ')" = "spk01 spk02 " ]
  [ "$(cut -c1-5 q | sort -u | tr '\n' ' ')" = "spk03 spk04 " ]
  [ "$("$UTILS/split_scp.pl" -j 5 2 d/wav.scp | md5sum)" = "$(md5sum < b)" ]
  run "$UTILS/split_scp.pl" --utt2spk=d/utt2spk d/wav.scp p q r s t
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot split 4 speakers of d/wav.scp into 5 parts"* ]]
  # A speaker whose lines are not contiguous.
  (cat d/wav.scp; head -n 1 d/wav.scp | sed 's/spk01-utt001/spk01-utt999/') > w
  echo "spk01-utt999 spk01" | cat d/utt2spk - > u
  run "$UTILS/split_scp.pl" --utt2spk=u w p q
  [ "$status" -eq 1 ]
  [[ "$output" == *"the lines of speaker spk01 are not contiguous in w"* ]]
}

@test "utt2spk_to_spk2utt.pl, spk2utt_to_utt2spk.pl and filter_scp.pl" {
  "$UTILS/utt2spk_to_spk2utt.pl" d/utt2spk | cmp - d/spk2utt
  "$UTILS/spk2utt_to_utt2spk.pl" d/spk2utt | cmp - d/utt2spk
  "$UTILS/utt2spk_to_spk2utt.pl" < d/utt2spk | cmp - d/spk2utt
  printf 'spk01-utt002\nspk03-utt005 x\n' > ids
  [ "$("$UTILS/filter_scp.pl" ids d/utt2spk | tr '\n' ' ')" = "spk01-utt002 spk01 spk03-utt005 spk03 " ]
  [ "$("$UTILS/filter_scp.pl" --exclude ids d/utt2spk | wc -l)" -eq 22 ]
  echo spk02 > spks
  [ "$("$UTILS/filter_scp.pl" -f 2 spks d/utt2spk | wc -l)" -eq 6 ]
  printf 'u1 s1\nu1 s2\n' > bad
  run "$UTILS/utt2spk_to_spk2utt.pl" bad
  [ "$status" -eq 1 ] && [[ "$output" == *"bad line 2: utterance u1 appears twice"* ]]
}

@test "subset_data_dir.sh, copy_data_dir.sh, combine_data.sh" {
  run "$UTILS/subset_data_dir.sh" d 5 s1
  [ "$status" -eq 0 ]
  [ "$(wc -l < s1/utt2spk)" -eq 5 ]
  "$UTILS/validate_data_dir.sh" s1
  run "$UTILS/subset_data_dir.sh" --per-spk d 2 s2
  [ "$(wc -l < s2/utt2spk)" -eq 8 ] && [ "$(wc -l < s2/spk2utt)" -eq 4 ]
  run "$UTILS/subset_data_dir.sh" --speakers d 7 s3
  [ "$(wc -l < s3/spk2utt)" -eq 2 ] && [ "$(wc -l < s3/utt2spk)" -eq 12 ]
  echo spk03 > spks
  run "$UTILS/subset_data_dir.sh" --spk-list spks d s4
  [ "$(cut -d' ' -f2 s4/utt2spk | sort -u)" = spk03 ] && [ "$(wc -l < s4/spk2gender)" -eq 1 ]
  run "$UTILS/subset_data_dir.sh" --shortest d 3 s5
  [ "$(wc -l < s5/utt2spk)" -eq 3 ]
  "$UTILS/validate_data_dir.sh" s5
  # copy with prefixes, then combine with the original: ids stay unique, speakers doubled.
  run "$UTILS/copy_data_dir.sh" --utt-prefix sp- --spk-prefix sp- d c
  [ "$status" -eq 0 ]
  grep -qx "sp-spk01-utt001 sp-spk01" c/utt2spk
  grep -q "^sp-spk01-utt001 /" c/wav.scp
  "$UTILS/validate_data_dir.sh" c
  run "$UTILS/combine_data.sh" all d c
  [ "$status" -eq 0 ]
  [ "$(wc -l < all/utt2spk)" -eq 48 ] && [ "$(wc -l < all/spk2utt)" -eq 8 ]
  "$UTILS/validate_data_dir.sh" all
  run "$UTILS/combine_data.sh" all2 d s1
  [ "$status" -eq 1 ]
  [[ "$output" == *"utterance ids appear in more than one source"* ]]
}

@test "data/get_utt2dur.sh: measures the audio through run.pl jobs; matches sox" {
  rm d/utt2dur
  run "$UTILS/data/get_utt2dur.sh" --nj 2 d
  [ "$status" -eq 0 ]
  [ -f d/log/get_durations.2.log ]
  paste d/utt2dur "$VOX_CORPUS/data/utt2dur" \
    | awk '{ if ($1 != $3 || ($2 - $4) > 1e-4 || ($4 - $2) > 1e-4) { print; bad = 1 } } END { exit bad }'
  run "$UTILS/data/get_utt2dur.sh" d
  [[ "$output" == *"up to date"* ]]
  # A command ending in | is run.
  awk '{print $1, "cat", $2, "|"}' d/wav.scp > d/wav.scp.new && mv d/wav.scp.new d/wav.scp
  rm d/utt2dur
  run "$UTILS/data/get_utt2dur.sh" d
  [ "$status" -eq 0 ]
  "$UTILS/validate_data_dir.sh" d
  sed -i '3s/^\(\S*\) .*/\1 false |/' d/wav.scp
  rm d/utt2dur
  run "$UTILS/data/get_utt2dur.sh" d
  [ "$status" -eq 1 ]
  grep -q "spk01-utt003: cannot read audio from 'false |'" d/log/get_durations.1.log
}
