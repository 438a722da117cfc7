// src/nnet/trainer.cc
#include "nnet/trainer.h"

#include <dirent.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/timer.h"
#include "nnet/grad-clip.h"
#include "nnet/model-file.h"
#include "nnet/ops/misc.h"

namespace voxtools {

void TrainerOptions::Register(OptionsItf *opts) {
  opts->Register("num-epochs", &num_epochs, "Epochs to train");
  opts->Register("optimizer", &optimizer, "Optimiser: sgd (WeSpeaker's), adam or adamw");
  PrefixOptions sgd_opts("sgd", opts);
  sgd.Register(&sgd_opts);
  PrefixOptions adam_opts("adam", opts);
  adam.Register(&adam_opts);
  // num-epochs and epoch-iter of the schedule follow the run; registering them would only
  // invite a conflicting value.
  opts->Register("lr.type", &lr.type, "LR schedule: exponential (WeSpeaker), cosine, step or constant");
  opts->Register("lr.initial-lr", &lr.initial_lr, "Learning rate after the warm-up");
  opts->Register("lr.final-lr", &lr.final_lr, "Learning rate at the end of the run");
  opts->Register("lr.warm-up-epochs", &lr.warm_up_epochs, "Warm-up length in epochs");
  opts->Register("lr.warm-from-zero", &lr.warm_from_zero,
                 "exponential: warm up from 0 (else from initial-lr, with --lr.scale-ratio)");
  opts->Register("lr.scale-ratio", &lr.scale_ratio, "exponential: factor reached by the warm-up");
  opts->Register("lr.step-epochs", &lr.step_epochs, "step: epochs between decays");
  opts->Register("lr.gamma", &lr.gamma, "step: decay factor");
  opts->Register("margin.initial", &margin.initial_margin, "Margin before the increase");
  opts->Register("margin.final", &margin.final_margin, "Margin after the increase");
  opts->Register("margin.increase-start-epoch", &margin.increase_start_epoch,
                 "Epoch (from 1) where the margin starts to rise");
  opts->Register("margin.fix-start-epoch", &margin.fix_start_epoch,
                 "Epoch from which the margin stays at --margin.final");
  opts->Register("margin.exponential", &margin.exponential,
                 "Rise exponentially (WeSpeaker) rather than linearly");
  opts->Register("grad-clip", &grad_clip, "Clip the global gradient norm to this (0 = off)");
  opts->Register("log-every", &log_every, "Batches between progress log lines");
  opts->Register("checkpoint-every", &checkpoint_every,
                 "Epochs between checkpoints (the last epoch always writes one)");
}

void TrainerOptions::Validate() const {
  if (num_epochs < 1) VOX_ERR << "--num-epochs=" << num_epochs << " must be >= 1";
  OptimizerType type = ParseOptimizerType(optimizer);
  if (type == OptimizerType::kSgd) sgd.Validate(); else adam.Validate();
  LrScheduleOptions l = lr;
  l.num_epochs = num_epochs;
  l.epoch_iter = 1;
  l.Validate();
  margin.Validate();
  if (!(grad_clip >= 0)) VOX_ERR << "--grad-clip=" << grad_clip << " must be >= 0";
  if (log_every < 1) VOX_ERR << "--log-every=" << log_every << " must be >= 1";
  if (checkpoint_every < 1) VOX_ERR << "--checkpoint-every=" << checkpoint_every << " must be >= 1";
}

std::string TrainerOptions::ToString() const {
  std::ostringstream os;
  os << "--num-epochs=" << num_epochs << " --optimizer=" << optimizer << " ("
     << (optimizer == "sgd" ? sgd.ToString() : adam.ToString()) << ") lr: " << lr.ToString()
     << " margin: " << margin.ToJson().ToString() << " --grad-clip=" << grad_clip;
  return os.str();
}

JsonValue EpochRecordToJson(const EpochRecord &r) {
  JsonValue j = JsonValue::Object();
  auto num = [](double v) {
    return std::isfinite(v) ? JsonValue::Float(v) : JsonValue();  // null: not measured
  };
  j.Set("epoch", JsonValue::Int(r.epoch));
  j.Set("train_loss", num(r.train_loss));
  j.Set("train_accuracy", num(r.train_accuracy));
  j.Set("valid_loss", num(r.valid_loss));
  j.Set("valid_accuracy", num(r.valid_accuracy));
  j.Set("lr", num(r.lr));
  j.Set("margin", num(r.margin));
  j.Set("seconds", num(r.seconds));
  JsonValue m = JsonValue::Object();
  for (const auto &kv : r.metrics) m.Set(kv.first, num(kv.second));
  j.Set("metrics", m);
  return j;
}

EpochRecord EpochRecordFromJson(const JsonValue &j) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto get = [&](const char *key) {
    const JsonValue *v = j.Find(key);
    if (v == nullptr) VOX_ERR << "checkpoint history: an epoch has no " << key;
    return v->IsNull() ? nan : v->AsDouble();
  };
  EpochRecord r;
  r.epoch = static_cast<int64_t>(get("epoch"));
  r.train_loss = get("train_loss");
  r.train_accuracy = get("train_accuracy");
  r.valid_loss = get("valid_loss");
  r.valid_accuracy = get("valid_accuracy");
  r.lr = get("lr");
  r.margin = get("margin");
  r.seconds = get("seconds");
  if (const JsonValue *m = j.Find("metrics")) {
    for (const auto &kv : m->Members())
      r.metrics.emplace_back(kv.first, kv.second.IsNull() ? nan : kv.second.AsDouble());
  }
  return r;
}

Trainer::Trainer(const TrainerOptions &opts, TrainedModel *network, const TrainDataSet *train,
                 const TrainDataSet *valid, const TrainDataSet *embed,
                 const std::string &checkpoint_dir)
    : opts_(opts), network_(network), train_(train), valid_(valid), embed_(embed),
      dir_(checkpoint_dir) {
  opts_.Validate();
  const int64_t batches = static_cast<int64_t>(train_->EpochBatches(1).size());
  LossConfig loss = LossConfig::FromJson(*network_->Config().Find("loss"));
  if (loss.type != LossType::kGe2e && loss.num_classes != train_->NumClasses()) {
    VOX_ERR << "the loss head has " << loss.num_classes << " classes, the training data "
            << train_->NumClasses();
  }
  if (network_->model().FeatDim() != train_->FeatDim()) {
    VOX_ERR << "the model takes " << network_->model().FeatDim()
            << "-dimensional features, the training data has " << train_->FeatDim()
            << " (fbank --num-mel-bins?)";
  }
  if (train_->Options().chunk_frames < network_->model().MinFrames()) {
    VOX_ERR << "--chunk-frames=" << train_->Options().chunk_frames << " is shorter than the "
            << network_->model().MinFrames() << " frames the model needs";
  }
  std::vector<ParamGroup> groups = SingleGroup(network_->NamedParameters());
  switch (ParseOptimizerType(opts_.optimizer)) {
    case OptimizerType::kSgd: optimizer_ = std::make_unique<Sgd>(groups, opts_.sgd); break;
    case OptimizerType::kAdam: optimizer_ = std::make_unique<Adam>(groups, opts_.adam); break;
    case OptimizerType::kAdamW:
      optimizer_ = std::make_unique<Adam>(groups, opts_.adam, true);
      break;
  }
  opts_.lr.num_epochs = opts_.num_epochs;
  opts_.lr.epoch_iter = batches;
  schedule_ = std::make_unique<LrSchedule>(opts_.lr);
  margin_ = std::make_unique<MarginScheduler>(opts_.margin, batches);
}

Trainer::~Trainer() = default;

std::string Trainer::CheckpointPath(const std::string &dir, int64_t epoch) {
  return dir + "/checkpoint-" + std::to_string(epoch) + ".h5";
}

std::string Trainer::LatestCheckpoint(const std::string &dir) {
  DIR *d = opendir(dir.c_str());
  if (d == nullptr) return "";
  int64_t best = -1;
  while (struct dirent *e = readdir(d)) {
    std::string name = e->d_name;
    const std::string pre = "checkpoint-", suf = ".h5";
    if (name.size() <= pre.size() + suf.size() || name.compare(0, pre.size(), pre) != 0 ||
        name.compare(name.size() - suf.size(), suf.size(), suf) != 0) {
      continue;
    }
    std::string num = name.substr(pre.size(), name.size() - pre.size() - suf.size());
    if (num.find_first_not_of("0123456789") != std::string::npos) continue;
    best = std::max<int64_t>(best, std::stoll(num));
  }
  closedir(d);
  return best < 0 ? "" : CheckpointPath(dir, best);
}

void Trainer::Resume(const std::string &checkpoint) {
  TrainState state;
  LoadCheckpoint(checkpoint, network_, optimizer_.get(), &state);
  epoch_ = state.epoch;
  step_ = state.step;
  history_.clear();
  if (const JsonValue *h = state.extra.IsObject() ? state.extra.Find("history") : nullptr) {
    for (const JsonValue &r : h->Items()) history_.push_back(EpochRecordFromJson(r));
  }
  last_checkpoint_ = checkpoint;
  VOX_LOG << "resumed from " << checkpoint << " after epoch " << epoch_ << " (step " << step_
          << ")";
}

void Trainer::SaveCheckpointNow() {
  TrainState state;
  state.step = step_;
  state.epoch = epoch_;
  state.lr_schedule = opts_.lr.ToJson();
  JsonValue extra = JsonValue::Object();
  JsonValue history = JsonValue::Array();
  for (const EpochRecord &r : history_) history.Append(EpochRecordToJson(r));
  extra.Set("history", history);
  extra.Set("margin_schedule", opts_.margin.ToJson());
  state.extra = extra;
  std::string path = CheckpointPath(dir_, epoch_);
  SaveCheckpoint(path, *network_, network_->Config(), *optimizer_, state);
  last_checkpoint_ = path;
  VOX_LOG << "wrote " << path;
}

namespace {

// Correct predictions: rows whose largest logit is at the label.
int64_t CountCorrect(const Tensor &logits, const std::vector<int64_t> &labels) {
  const int64_t rows = logits.Dim(0), cols = logits.Dim(1);
  int64_t correct = 0;
  for (int64_t i = 0; i < rows; i++) {
    const float *row = logits.Data() + i * cols;
    int64_t best = 0;
    for (int64_t j = 1; j < cols; j++) if (row[j] > row[best]) best = j;
    if (best == labels[i]) correct++;
  }
  return correct;
}

}  // namespace

void Trainer::Validate(double *loss, double *accuracy) {
  NoGradGuard no_grad;
  network_->Eval();
  double loss_sum = 0;
  int64_t correct = 0, n = 0;
  for (const std::vector<ChunkSpec> &specs : valid_->EpochBatches(0)) {
    TrainBatch batch;
    valid_->MakeBatch(specs, &batch);
    EmbeddingOutput out = network_->model().Forward(Var(batch.feats));
    Var logits = network_->head().Logits(out.train_output, batch.labels);
    loss_sum += CrossEntropy(logits, batch.labels).value().Item() * batch.labels.size();
    correct += CountCorrect(logits.value(), batch.labels);
    n += static_cast<int64_t>(batch.labels.size());
  }
  network_->Train();
  *loss = n > 0 ? loss_sum / n : std::numeric_limits<double>::quiet_NaN();
  *accuracy = n > 0 ? static_cast<double>(correct) / n : std::numeric_limits<double>::quiet_NaN();
}

std::vector<std::pair<std::string, double>> Trainer::RunHook() {
  NoGradGuard no_grad;
  network_->Eval();
  const int64_t num = embed_->NumUtterances(), dim = network_->model().EmbedDim();
  Matrix<float> embeddings(num, dim);
  std::vector<std::string> keys(num);
  for (int64_t u = 0; u < num; u++) {
    Matrix<float> feats = embed_->UtteranceFeatures(u);
    Tensor x = Tensor::FromMatrix(feats).Reshape({1, feats.NumRows(), feats.NumCols()});
    Var e = network_->model().Forward(Var(x)).embedding;
    std::copy(e.value().Data(), e.value().Data() + dim, embeddings.Row(u));
    keys[u] = embed_->Key(u);
  }
  network_->Train();
  return hook_(epoch_, keys, embeddings);
}

void Trainer::Train() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  BatchLoader loader(train_);
  network_->Train();
  std::vector<Var> params = optimizer_->Parameters();
  while (epoch_ < opts_.num_epochs) {
    const int64_t epoch = epoch_ + 1;
    Timer epoch_timer, log_timer;
    loader.StartEpoch(epoch);
    double loss_sum = 0, window_loss = 0;
    int64_t correct = 0, seen = 0, window_correct = 0, window_seen = 0;
    double lr = 0, margin = 0, grad_norm = 0;
    TrainBatch batch;
    while (loader.Next(&batch)) {
      lr = schedule_->LearningRate(step_);
      margin = margin_->MarginAt(step_);
      network_->head().SetMargin(static_cast<float>(margin));
      optimizer_->ZeroGrad();
      EmbeddingOutput out = network_->model().Forward(Var(batch.feats));
      Var logits = network_->head().Logits(out.train_output, batch.labels);
      Var loss = CrossEntropy(logits, batch.labels);
      const double loss_value = loss.value().Item();
      const std::string last_good =
          last_checkpoint_.empty() ? std::string("none (no epoch finished)") : last_checkpoint_;
      if (!std::isfinite(loss_value)) {
        VOX_ERR << "the loss is " << loss_value << " at epoch " << epoch << ", batch "
                << batch.index + 1 << " (step " << step_ << ", lr " << lr
                << "): training diverged; the last good checkpoint is " << last_good
                << " (try a lower --lr.initial-lr or --grad-clip)";
      }
      loss.Backward();
      grad_norm = opts_.grad_clip > 0 ? ClipGradNorm(params, opts_.grad_clip) : GradNorm(params);
      if (!std::isfinite(grad_norm)) {
        VOX_ERR << "the gradient norm is " << grad_norm << " at epoch " << epoch << ", batch "
                << batch.index + 1 << " (step " << step_ << ", lr " << lr
                << "): training diverged; the last good checkpoint is " << last_good
                << " (try a lower --lr.initial-lr or --grad-clip)";
      }
      optimizer_->Step(lr);
      if (step_hook_) step_hook_(step_, loss_value, lr, margin);
      step_++;
      const int64_t b = static_cast<int64_t>(batch.labels.size());
      const int64_t c = CountCorrect(logits.value(), batch.labels);
      loss_sum += loss_value * b;
      correct += c;
      seen += b;
      window_loss += loss_value * b;
      window_correct += c;
      window_seen += b;
      if ((batch.index + 1) % opts_.log_every == 0 || batch.index + 1 == loader.NumBatches()) {
        VOX_LOG << "epoch " << epoch << " batch " << batch.index + 1 << "/"
                << loader.NumBatches() << ": loss " << window_loss / window_seen << ", accuracy "
                << 100.0 * window_correct / window_seen << "%, lr " << lr << ", margin "
                << margin << ", grad-norm " << grad_norm << ", "
                << window_seen / log_timer.Elapsed() << " samples/s";
        window_loss = 0;
        window_correct = window_seen = 0;
        log_timer.Reset();
      }
    }
    EpochRecord record;
    record.epoch = epoch;
    record.train_loss = seen > 0 ? loss_sum / seen : nan;
    record.train_accuracy = seen > 0 ? static_cast<double>(correct) / seen : nan;
    record.valid_loss = record.valid_accuracy = nan;
    if (valid_ != nullptr) Validate(&record.valid_loss, &record.valid_accuracy);
    if (embed_ != nullptr && hook_) record.metrics = RunHook();
    record.lr = lr;
    record.margin = margin;
    record.seconds = epoch_timer.Elapsed();
    std::ostringstream line;
    line << "epoch " << epoch << "/" << opts_.num_epochs << " done in " << record.seconds
         << " s: train loss " << record.train_loss << ", accuracy "
         << 100 * record.train_accuracy << "%";
    if (valid_ != nullptr) {
      line << "; valid loss " << record.valid_loss << ", accuracy "
           << 100 * record.valid_accuracy << "%";
    }
    for (const auto &kv : record.metrics) line << "; " << kv.first << " " << kv.second;
    VOX_LOG << line.str();
    history_.push_back(record);
    epoch_ = epoch;
    if (epoch_ % opts_.checkpoint_every == 0 || epoch_ == opts_.num_epochs) SaveCheckpointNow();
  }
}

}  // namespace voxtools
