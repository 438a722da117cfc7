#!/usr/bin/env bash
# egs/mini/run.sh: the embedded demo recipe, on a synthetic corpus made on the spot.
# It is also the template for recipes: options through utils/parse_options.sh, stages with
# --stage/--stop-stage (utils/stages.sh), jobs through $train_cmd (cmd.sh), job logs under
# exp/<step>/log/. Every stage is idempotent: running it again redoes or skips its work.

stage=0            # first stage to run
stop_stage=100     # last stage to run
nj=2               # parallel jobs
num_spk=18         # speakers in the synthetic corpus
utts_per_spk=10    # utterances per speaker
num_test_spk=6     # speakers held out for the test set (enrolment + test utterances)
num_enrol=3        # enrolment utterances per test speaker (the rest are test utterances)
num_threads=2      # threads for training and extraction
num_avg=3          # checkpoints averaged into the final model
seed=1             # corpus seed (same seed, same corpus)
help_message="Usage: $0 [options]
 e.g.: $0 --stage 1 --stop-stage 2 --nj 4
Stages: 0 corpus (data/all, wav/), 1 train/test split and checks, 2 durations and
waveforms in HDF5 (exp/wav_h5/), 3 fbank + MFCC + energy VAD in \$nj jobs through \$train_cmd
(feats/, data/*/feats.scp, vad.scp), 4 train a narrow ECAPA-TDNN (exp/ecapa/), 5 average
the last checkpoints and extract embeddings (exp/emb/), 6 enrolment/test trials, 7 cosine and
PLDA scoring with EER, minDCF and a DET plot (exp/scores/), 8 summary."

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

if stage_begins 4 "train ECAPA-TDNN (C=128) on the training speakers"; then
  # Every epoch writes exp/ecapa/checkpoint-<epoch>.h5; rerunning the stage resumes from the
  # latest (bit-identically), so an interrupted demo loses at most one epoch.
  mkdir -p exp/ecapa/log
  $train_cmd exp/ecapa/log/train.log \
    train-nnet --config=conf/train.conf --model-config=conf/ecapa-c128.json \
      --num-threads="$num_threads" --resume=true --embed-data=data/test \
      data/train exp/ecapa/final.h5
  # (A rerun after the last epoch resumes, trains nothing and logs no epoch: not an error.)
  { grep -h 'done in' exp/ecapa/log/train.log || true; } | sed 's/^LOG ([^)]*) /  /' >&2
fi

if stage_begins 5 "average the last $num_avg checkpoints; extract embeddings"; then
  nnet-average $(ls exp/ecapa/checkpoint-*.h5 | sort -V | tail -n "$num_avg") exp/ecapa/avg.h5
  mkdir -p exp/emb/log
  # Enrolment speakers: the first $num_enrol utterances of each test speaker.
  awk -v n="$num_enrol" '{ printf "%s", $1; for (i = 2; i <= n + 1 && i <= NF; i++) printf " %s", $i; print "" }' \
    data/test/spk2utt > data/test/enrol_spk2utt
  $train_cmd exp/emb/log/extract_train.log \
    extract-embeddings --num-threads="$num_threads" exp/ecapa/avg.h5 scp:data/train/feats.scp \
      ark,scp:exp/emb/train.ark,exp/emb/train.scp
  $train_cmd exp/emb/log/extract_test.log \
    extract-embeddings --num-threads="$num_threads" --spk2utt=data/test/enrol_spk2utt \
      --spk-wspecifier=ark,scp:exp/emb/enrol.ark,exp/emb/enrol.scp \
      exp/ecapa/avg.h5 scp:data/test/feats.scp ark,scp:exp/emb/test.ark,exp/emb/test.scp
fi

if stage_begins 6 "trials: each test utterance against each test speaker"; then
  # Enrolment utterances are not test utterances.
  awk 'NR == FNR { for (i = 2; i <= NF; i++) enrol[$i] = 1; spk[++n] = $1; next }
       !($1 in enrol) { for (i = 1; i <= n; i++) print spk[i], $1, (spk[i] == $2 ? "target" : "nontarget") }' \
    data/test/enrol_spk2utt data/test/utt2spk > data/test/trials
  awk '{ n[$3]++ } END { printf "%d trials: %d target, %d nontarget\n", NR, n["target"], n["nontarget"] }' \
    data/test/trials >&2
fi

if stage_begins 7 "cosine and PLDA scoring, EER, minDCF, DET plot"; then
  mkdir -p exp/scores
  compute-vector-mean scp:exp/emb/train.scp exp/emb/train_mean.vec
  score-cosine --mean=exp/emb/train_mean.vec scp:exp/emb/enrol.scp scp:exp/emb/test.scp \
    data/test/trials exp/scores/cosine
  # LDA to fewer dimensions than training speakers (PLDA's between-class rank).
  lda_dim=$(( $(wc -l < data/train/spk2utt) - 1 ))
  train-plda --subtract-mean=true --lda-dim="$lda_dim" --length-norm=true \
    ark:data/train/spk2utt scp:exp/emb/train.scp exp/scores/plda
  awk -v n="$num_enrol" '{ print $1, NF - 1 }' data/test/enrol_spk2utt > exp/scores/num_utts
  score-plda --num-utts=ark:exp/scores/num_utts exp/scores/plda scp:exp/emb/enrol.scp \
    scp:exp/emb/test.scp data/test/trials exp/scores/plda_scores
  for s in cosine plda_scores; do
    compute-eer data/test/trials exp/scores/$s > exp/scores/$s.eer 2>exp/scores/$s.eer.log
    compute-min-dcf --p-target=0.05 data/test/trials exp/scores/$s > exp/scores/$s.mindcf \
      2>exp/scores/$s.mindcf.log
  done
  plot-det --names=cosine,plda --title="egs/mini: ECAPA-TDNN C=128" data/test/trials \
    exp/scores/cosine exp/scores/plda_scores exp/scores/det.svg
fi

if stage_begins 8 "summary"; then
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
  if [ -f exp/scores/cosine.eer ]; then
    n_trials=$(wc -l < data/test/trials)
    n_tgt=$(grep -c ' target$' data/test/trials)
    echo "model: exp/ecapa/avg.h5 ($(nnet-info exp/ecapa/avg.h5 2>/dev/null | awk '/^total/ { print $2, $3; exit }')), average of the last $num_avg epochs"
    { grep -h 'done in' exp/ecapa/log/train.log || true; } | tail -n 1 | sed 's/^.*epoch/last epoch/'
    echo "trials: $n_trials ($n_tgt target), $num_enrol enrolment utterances per speaker (chance EER: 50%)"
    printf '  %-7s EER %6.2f%%   minDCF(p=0.05) %s\n' cosine "$(cat exp/scores/cosine.eer)" "$(cat exp/scores/cosine.mindcf)"
    printf '  %-7s EER %6.2f%%   minDCF(p=0.05) %s\n' plda "$(cat exp/scores/plda_scores.eer)" "$(cat exp/scores/plda_scores.mindcf)"
    echo "plots: exp/scores/det.svg (DET), exp/ecapa/final-curve.svg (training curve)"
  fi
fi
