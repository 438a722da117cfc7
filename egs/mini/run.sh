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
Stages: 0 corpus (data/all, wav/), 1 train/test split and checks, 2 durations and
waveforms in HDF5 (exp/wav_h5/), 3 fbank + MFCC + energy VAD in \$nj jobs through \$train_cmd
(feats/, data/*/feats.scp, vad.scp), 4 summary."

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

if stage_begins 2 "durations and waveforms into HDF5, $nj jobs"; then
  for x in train test; do
    split_data.sh --per-utt true data/$x "$nj"  # features need no speaker grouping
    mkdir -p exp/wav_h5/$x/log
    $train_cmd JOB=1:"$nj" exp/wav_h5/$x/log/wav_to_h5.JOB.log \
      wav-to-h5 --sample-rate=16000 scp:data/$x/split${nj}utt/JOB/wav.scp exp/wav_h5/$x/wav.JOB.h5
    wav-to-duration --sample-rate=16000 scp:data/$x/wav.scp ark,t:data/$x/utt2dur 2>exp/wav_h5/$x/log/utt2dur.log
  done
fi

if stage_begins 3 "fbank, MFCC and energy VAD, $nj jobs"; then
  for x in train test; do
    mkdir -p feats exp/make_feats/$x/log
    # One job per split; each writes its part of the archive, then the scp parts are joined.
    $train_cmd JOB=1:"$nj" exp/make_feats/$x/log/make_feats.JOB.log \
      compute-fbank-feats --config=conf/fbank.conf scp:data/$x/split${nj}utt/JOB/wav.scp \
        ark,scp:feats/fbank_$x.JOB.ark,feats/fbank_$x.JOB.scp '&&' \
      compute-mfcc-feats --config=conf/mfcc.conf scp:data/$x/split${nj}utt/JOB/wav.scp ark:- '|' \
      compute-vad --config=conf/vad.conf ark:- ark,scp:feats/vad_$x.JOB.ark,feats/vad_$x.JOB.scp
    for j in $(seq "$nj"); do cat feats/fbank_$x.$j.scp; done | sort > data/$x/feats.scp
    for j in $(seq "$nj"); do cat feats/vad_$x.$j.scp; done | sort > data/$x/vad.scp
  done
fi

if stage_begins 4 "summary"; then
  for x in train test; do
    n_spk=$(wc -l < data/$x/spk2utt)
    n_utt=$(wc -l < data/$x/utt2spk)
    secs=$(awk '{ s += $2 } END { printf "%.1f", s }' data/$x/utt2dur)
    frames=$(feat-to-len scp:data/$x/feats.scp ark,t:- 2>/dev/null | awk '{ s += $2 } END { print s }')
    dim=$(feat-to-dim scp:data/$x/feats.scp - 2>/dev/null)
    voiced=$(copy-vector scp:data/$x/vad.scp ark,t:- 2>/dev/null | tr -d '[]' |
             awk '{ for (i = 2; i <= NF; i++) { n++; v += $i } } END { printf "%.0f%%", 100 * v / n }')
    echo "$x: $n_spk speakers, $n_utt utterances, $secs s of audio; fbank $frames frames x $dim dims, $voiced voiced"
  done
  h5dump -H exp/wav_h5/train/wav.1.h5 >/dev/null && echo "waveforms: exp/wav_h5/{train,test}/wav.*.h5 (readable by h5dump/h5py)"
fi
