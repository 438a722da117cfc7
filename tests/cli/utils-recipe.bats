#!/usr/bin/env bats
# Recipe helpers: parse_options.sh, stages (utils/stages.sh and egs/mini/run.sh),
# synth_corpus.sh.

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
UTILS="$REPO/utils"

setup() {
  cd "$BATS_TEST_TMPDIR"
}

make_script() {
  cat > s.sh <<SCRIPT
#!/usr/bin/env bash
nj=4              # number of jobs
cmd=run.pl
use_gpu=false     # use a GPU
help_message="Usage: \$0 [options] <dir>"
. "$UTILS/parse_options.sh"
echo "nj=\$nj cmd=\$cmd use_gpu=\$use_gpu args=\$#:\$*"
SCRIPT
  chmod +x s.sh
}

@test "parse_options.sh: --name value, --name=value, dashes, booleans, --config, --" {
  make_script
  run ./s.sh --nj 8 --use-gpu true --cmd="queue.pl --mem 2G" a "b c"
  [ "$status" -eq 0 ]
  [ "$output" = "nj=8 cmd=queue.pl --mem 2G use_gpu=true args=2:a b c" ]
  printf 'nj=11\ncmd="slurm.pl --gpu 1"\n' > my.conf
  run ./s.sh --config my.conf --nj 12 x
  [ "$output" = "nj=12 cmd=slurm.pl --gpu 1 use_gpu=false args=1:x" ]
  run ./s.sh --nj 2 -- --not-an-option
  [ "$output" = "nj=2 cmd=run.pl use_gpu=false args=1:--not-an-option" ]
  run ./s.sh --cmd 'a $(touch pwned) b'
  [ "$output" = 'nj=4 cmd=a $(touch pwned) b use_gpu=false args=0:' ]
  [ ! -e pwned ]
}

@test "parse_options.sh: bad options are refused by name; --help lists the options" {
  make_script
  run ./s.sh --foo 1
  [ "$status" -eq 1 ] && [ "$output" = "s.sh: invalid option --foo (see s.sh --help)" ]
  run ./s.sh --use-gpu yes
  [ "$status" -eq 1 ] && [ "$output" = "s.sh: option --use-gpu takes true or false, not 'yes'" ]
  run ./s.sh --nj
  [ "$status" -eq 1 ] && [ "$output" = "s.sh: option --nj needs a value" ]
  run ./s.sh --config missing.conf
  [ "$status" -eq 1 ] && [ "$output" = "s.sh: cannot read config file missing.conf" ]
  run ./s.sh --help_message x
  [ "$status" -eq 1 ]
  run ./s.sh --nj 3 --help
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "Usage: ./s.sh [options] <dir>" ]]
  [[ "$output" == *"--nj <3>"*"# number of jobs"* ]]
  [[ "$output" == *"--cmd <run.pl>"* ]]
  [[ "$output" == *"--use-gpu <false>"*"# use a GPU"* ]]
}

make_recipe() {
  mkdir r
  cp -r "$REPO/egs/mini/run.sh" "$REPO/egs/mini/cmd.sh" "$REPO/egs/mini/path.sh" "$REPO/egs/mini/conf" r/
  ln -s "$UTILS" r/utils
}

@test "recipe stages: egs/mini/run.sh runs the stages asked for, each idempotent" {
  command -v espeak-ng >/dev/null && command -v sox >/dev/null || skip "espeak-ng and sox needed"
  make_recipe
  # The data stages (0-3) on a tiny corpus; training and scoring run in make demo.
  run r/run.sh --num-spk 3 --utts-per-spk 2 --num-test-spk 1 --stop-stage 3
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"=== stage 0: "*"=== stage 1: "*"=== stage 2: "*"=== stage 3: "* ]]
  [[ "$output" != *"=== stage 4: "* ]]
  [ "$(wc -l < r/data/train/spk2utt)" -eq 2 ] && [ "$(wc -l < r/data/test/spk2utt)" -eq 1 ]
  [ -f r/exp/make_feats/train/log/make_feats.2.log ]
  [ "$(wc -l < r/data/train/feats.scp)" -eq 4 ] && [ "$(wc -l < r/data/test/vad.scp)" -eq 2 ]
  [ "$(cd r && . ./path.sh && feat-to-dim scp:data/train/feats.scp - 2>/dev/null)" -eq 80 ]
  # Re-running a stage is harmless; other stages are skipped.
  run r/run.sh --num-spk 3 --utts-per-spk 2 --num-test-spk 1 --stage 1 --stop-stage 1
  [ "$status" -eq 0 ]
  [[ "$output" == *"=== stage 1: "* ]]
  [[ "$output" != *"=== stage 0: "* ]] && [[ "$output" != *"=== stage 2: "* ]]
  run r/run.sh --num-spk 3 --utts-per-spk 2 --stop-stage 0
  [[ "$output" == *"data/all is already there"* ]]
  # A failing job stops the recipe and names its log.
  mv r/wav/spk01-utt001.wav r/wav/moved.wav
  run r/run.sh --num-spk 3 --utts-per-spk 2 --num-test-spk 1 --stage 2 --stop-stage 3
  [ "$status" -ne 0 ]
  [[ "$output" == *"failed with exit status 1, log is in exp/wav_h5/train/log/wav_to_h5.1.log"* ]]
  run r/run.sh --stage x
  [ "$status" -eq 1 ] && [[ "$output" == *"--stage and --stop-stage must be integers"* ]]
}

@test "synth_corpus.sh: deterministic for a seed, different for another, sorted Kaldi dir" {
  command -v espeak-ng >/dev/null && command -v sox >/dev/null || skip "espeak-ng and sox needed"
  "$UTILS/synth_corpus.sh" --num-spk 4 --utts-per-spk 6 --seed 7 a wa
  "$UTILS/synth_corpus.sh" --num-spk 4 --utts-per-spk 6 --seed 7 b wb
  "$UTILS/synth_corpus.sh" --num-spk 4 --utts-per-spk 6 --seed 8 c wc
  [ "$(ls wa | wc -l)" -eq 24 ]
  for f in utt2spk spk2utt text spk2gender utt2dur; do cmp a/$f b/$f; LC_ALL=C sort -c a/$f; done
  (cd wa && md5sum *.wav) > sums
  (cd wb && md5sum -c --quiet ../sums)
  ! cmp -s a/text c/text
  ! (cd wc && md5sum -c --quiet ../sums 2>/dev/null)
  # Absolute paths, speaker-prefixed ids, 16 kHz 16-bit mono.
  awk '$2 !~ /^\// { exit 1 }' a/wav.scp
  awk '{ if (index($1, $2 "-") != 1) exit 1 }' a/utt2spk
  head -n 1 a/utt2spk | grep -qx "spk01-utt001 spk01"
  f=$(awk 'NR == 1 { print $2 }' a/wav.scp)
  [ "$(soxi -r "$f")" = 16000 ] && [ "$(soxi -b "$f")" = 16 ] && [ "$(soxi -c "$f")" = 1 ]
  "$UTILS/validate_data_dir.sh" a
  # Other rate, no noise.
  "$UTILS/synth_corpus.sh" --num-spk 2 --utts-per-spk 1 --sample-rate 8000 --noise-level 0 d wd
  [ "$(soxi -r "$(awk 'NR == 1 { print $2 }' d/wav.scp)")" = 8000 ]
  run "$UTILS/synth_corpus.sh" --num-spk 0 e we
  [ "$status" -eq 1 ] && [[ "$output" == *"--num-spk must be a positive integer"* ]]
  run "$UTILS/synth_corpus.sh" only-one-arg
  [ "$status" -eq 1 ] && [[ "$output" == *"Usage:"* ]]
}

@test "every utils script answers --help with a usage text" {
  for s in run.pl queue.pl slurm.pl split_scp.pl filter_scp.pl utt2spk_to_spk2utt.pl \
           spk2utt_to_utt2spk.pl fix_data_dir.sh validate_data_dir.sh combine_data.sh \
           subset_data_dir.sh copy_data_dir.sh split_data.sh synth_corpus.sh \
           data/get_utt2dur.sh; do
    run "$UTILS/$s" --help
    echo "$s: $status"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Usage:"* ]]
  done
}
