// src/nnet/trainer.h
// The training loop for embedding networks, as WeSpeaker runs it: per epoch, the batches of
// a TrainDataSet (train-data.h) through the network and its loss head (trained-model.h);
// per batch, the learning rate of the schedule (lr-schedule.h, warm-up then exponential
// decay by default) and the margin of WeSpeaker's MarginScheduler (losses.h) at that step,
// gradients clipped by global norm (grad-clip.h), one optimiser step (optimizer.h).
//
//   Trainer trainer(opts, &network, &train, valid_or_null, embed_or_null, "exp/ecapa");
//   trainer.SetEmbeddingHook(hook);           // optional: EER on held-out trials
//   if (resume) trainer.Resume(Trainer::LatestCheckpoint("exp/ecapa"));
//   trainer.Train();                          // runs the remaining epochs
//
// Logs (VOX_LOG) a line every --log-every batches (loss, accuracy, learning rate, margin,
// gradient norm, samples/s) and one per epoch (training and validation loss/accuracy and
// the hook's metrics). Checkpoints <dir>/checkpoint-<epoch>.h5 every --checkpoint-every
// epochs and after the last; they hold the network, the optimiser, the step and epoch,
// the LR schedule and the epoch history (the training curve), so Resume() continues
// bit-identically: an epoch's data depends only on (seed, epoch) (train-data.h).
//
// A loss or gradient norm that is NaN/Inf stops the run with an Error naming the epoch,
// batch and learning rate and the last good checkpoint, which is left as it was.
#ifndef VOXTOOLS_NNET_TRAINER_H_
#define VOXTOOLS_NNET_TRAINER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/options-itf.h"
#include "matrix/matrix.h"
#include "nnet/losses.h"
#include "nnet/lr-schedule.h"
#include "nnet/optimizer.h"
#include "nnet/train-data.h"
#include "nnet/trained-model.h"

namespace voxtools {

struct TrainerOptions {
  int32_t num_epochs = 10;
  std::string optimizer = "sgd";  // sgd, adam, adamw
  SgdOptions sgd;                 // --sgd.*
  AdamOptions adam;               // --adam.* (adam and adamw)
  LrScheduleOptions lr;           // --lr.*; num-epochs and epoch-iter are set by the trainer
  MarginScheduleConfig margin;    // --margin.*
  double grad_clip = 0.0;         // max global gradient norm; 0 = no clipping
  int32_t log_every = 10;         // batches between log lines
  int32_t checkpoint_every = 1;   // epochs between checkpoints (and always the last)

  void Register(OptionsItf *opts);
  // Throws Error naming the option.
  void Validate() const;
  std::string ToString() const;
};

// One epoch of the training curve. NaN where not measured.
struct EpochRecord {
  int64_t epoch = 0;
  double train_loss = 0, train_accuracy = 0;
  double valid_loss = 0, valid_accuracy = 0;
  double lr = 0, margin = 0;  // at the epoch's last step
  double seconds = 0;
  std::vector<std::pair<std::string, double>> metrics;  // from the embedding hook
};
JsonValue EpochRecordToJson(const EpochRecord &r);
EpochRecord EpochRecordFromJson(const JsonValue &json);

class Trainer {
 public:
  // Given each epoch the embeddings (rows, in `keys` order) of the embedding set's whole
  // utterances; returns named metrics (e.g. {"eer", 0.05}) to log and record.
  using EmbeddingHook = std::function<std::vector<std::pair<std::string, double>>(
      int64_t epoch, const std::vector<std::string> &keys, const Matrix<float> &embeddings)>;

  // network, train and (when not null) valid and embed must outlive the Trainer. valid's
  // labels must be train's (its loss and accuracy are computed on fixed chunks); embed is
  // any set of utterances for the hook. Throws Error on invalid options, or if the head's
  // number of classes is not train's NumClasses().
  Trainer(const TrainerOptions &opts, TrainedModel *network, const TrainDataSet *train,
          const TrainDataSet *valid, const TrainDataSet *embed, const std::string &checkpoint_dir);
  ~Trainer();

  // Called after every optimiser step with the step's index (from 0), its loss, learning
  // rate and margin (reference tests compare the loss curve with PyTorch's).
  using StepHook = std::function<void(int64_t step, double loss, double lr, double margin)>;

  void SetEmbeddingHook(EmbeddingHook hook) { hook_ = std::move(hook); }
  void SetStepHook(StepHook hook) { step_hook_ = std::move(hook); }
  // Restores network, optimiser, step, epoch and history from a checkpoint of this run.
  void Resume(const std::string &checkpoint);
  // Trains epochs (epochs done + 1) .. --num-epochs.
  void Train();

  int64_t EpochsDone() const { return epoch_; }
  int64_t Step() const { return step_; }
  const std::vector<EpochRecord> &History() const { return history_; }
  // The newest checkpoint written or resumed from ("" if none).
  const std::string &LastCheckpoint() const { return last_checkpoint_; }

  static std::string CheckpointPath(const std::string &dir, int64_t epoch);
  // The checkpoint of the highest epoch in dir, or "" if there is none.
  static std::string LatestCheckpoint(const std::string &dir);

 private:
  // Loss and accuracy of valid on fixed chunks, in eval mode.
  void Validate(double *loss, double *accuracy);
  std::vector<std::pair<std::string, double>> RunHook();
  void SaveCheckpointNow();

  TrainerOptions opts_;
  TrainedModel *network_;
  const TrainDataSet *train_, *valid_, *embed_;
  std::string dir_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<LrSchedule> schedule_;
  std::unique_ptr<MarginScheduler> margin_;
  EmbeddingHook hook_;
  StepHook step_hook_;
  int64_t epoch_ = 0, step_ = 0;
  std::vector<EpochRecord> history_;
  std::string last_checkpoint_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_TRAINER_H_
