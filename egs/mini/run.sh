#!/usr/bin/env bash
# egs/mini/run.sh: the embedded demo recipe, on a synthetic corpus made on the spot.
# It is also the template for recipes: options through utils/parse_options.sh, stages with
# --stage/--stop-stage (utils/stages.sh), jobs through $train_cmd (cmd.sh), job logs under
# exp/<step>/log/. Every stage is idempotent: running it again redoes or skips its work.

stage=0            # first stage to run
stop_stage=100     # last stage to run
nj=2               # parallel jobs
num_spk=6          # speakers in the synthetic corpus
utts_per_spk=6     # utterances per speaker
num_test_spk=2     # speakers held out for the test set
seed=1             # corpus seed (same seed, same corpus)
help_message="Usage: $0 [options]
 e.g.: $0 --stage 1 --stop-stage 2 --nj 4
Stages: 0 corpus (data/all, wav/), 1 train/test split and checks, 2 per-job audio
statistics through \$train_cmd (exp/audio_stats/)."

. "$(dirname "$0")/utils/parse_options.sh" || exit 1
cd "$(dirname "$0")" || exit 1
. ./cmd.sh
. ./path.sh
. utils/stages.sh || exit 1
set -euo pipefail
if [ $# -ne 0 ]; then printf '%s\n' "$help_message" >&2; exit 1; fi

if stage_begins 0 "synthesise the corpus"; then
  # synth_corpus.sh is deterministic; skip it when the corpus is already there and valid.
  if [ -f data/all/wav.scp ] && validate_data_dir.sh data/all 2>/dev/null \
     && [ "$(wc -l < data/all/spk2utt)" -eq "$num_spk" ]; then
    echo "$0: data/all is already there" >&2
  else
    rm -rf data/all wav
    synth_corpus.sh --num-spk "$num_spk" --utts-per-spk "$utts_per_spk" --seed "$seed" \
      data/all wav
  fi
fi

if stage_begins 1 "split into train and test speakers; check"; then
  cut -d' ' -f1 data/all/spk2utt | tail -n "$num_test_spk" > data/all/test_speakers
  cut -d' ' -f1 data/all/spk2utt | head -n -"$num_test_spk" > data/all/train_speakers
  for x in train test; do
    rm -rf data/$x
    subset_data_dir.sh --spk-list data/all/${x}_speakers data/all data/$x
    validate_data_dir.sh data/$x
  done
fi

if stage_begins 2 "per-job audio statistics with \$train_cmd"; then
  split_data.sh data/train "$nj"
  mkdir -p exp/audio_stats/log
  $train_cmd JOB=1:"$nj" exp/audio_stats/log/durations.JOB.log \
    wav_durations.pl data/train/split$nj/JOB/wav.scp \> exp/audio_stats/durations.JOB
  cat exp/audio_stats/durations.* | awk '{ n++; s += $2 } END {
    printf "utterances %d, total %.1f s, mean %.2f s\n", n, s, s / n }' \
    > exp/audio_stats/summary
  cat exp/audio_stats/summary
fi
