// src/bin/train-nnet.cc
// Trains an embedding network (x-vector, ECAPA-TDNN, ResNet) with a classification loss on a
// Kaldi data directory. The work is in nnet/train-data.h and nnet/trainer.h.
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <sys/stat.h>

#include "backend/metrics.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "feat/resample.h"
#include "io/json.h"
#include "io/kaldi-stream.h"
#include "matrix/thread-pool.h"
#include "nnet/model-file.h"
#include "nnet/trainer.h"
#include "bin/training-curve.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Train an embedding network on a Kaldi data directory (wav.scp or feats.scp, and\n"
    "utt2spk or utt2lang): random fixed-length chunks, on-the-fly fbank, augmentation\n"
    "(noise, reverb, speed perturbation as new classes), CMN, SpecAugment; SGD/Adam with\n"
    "WeSpeaker's warm-up + exponential-decay learning rate and margin schedule. Writes\n"
    "<checkpoint-dir>/checkpoint-<epoch>.h5 as it goes (--resume continues from the latest,\n"
    "bit-identically), then <model-out> (an \"embedding-classifier\" model file) and the\n"
    "training curve as SVG.\n"
    "\n"
    "Usage: train-nnet [options] <train-data-dir> <model-out>\n"
    "e.g.: train-nnet --config=conf/train/ecapa.conf --model-config=conf/models/ecapa-c512.json \\\n"
    "        data/train exp/ecapa/final.h5\n"
    "See also: extract-embeddings, nnet-average, nnet-info\n";

JsonValue ReadJsonFile(const std::string &path) {
  std::ifstream is(path);
  if (!is) VOX_ERR << "cannot open model config " << path;
  std::string text((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  return ParseJson(text, path);
}

// EER of cosine scores over all pairs of the embedding set's utterances (target: same label).
std::vector<std::pair<std::string, double>> PairEer(const TrainDataSet &set,
                                                    const Matrix<float> &emb) {
  const int64_t n = emb.NumRows(), d = emb.NumCols();
  std::vector<std::vector<float>> unit(n, std::vector<float>(d));
  for (int64_t i = 0; i < n; i++) {
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += double(emb(i, j)) * emb(i, j);
    for (int64_t j = 0; j < d; j++) unit[i][j] = emb(i, j) / std::sqrt(std::max(s, 1e-20));
  }
  std::vector<float> targets, nontargets;
  for (int64_t a = 0; a < n; a++) {
    for (int64_t b = a + 1; b < n; b++) {
      double s = 0;
      for (int64_t j = 0; j < d; j++) s += unit[a][j] * unit[b][j];
      (set.Label(a) == set.Label(b) ? targets : nontargets).push_back(static_cast<float>(s));
    }
  }
  if (targets.empty() || nontargets.empty()) return {};
  float threshold;
  return {{"pair-eer", ComputeEer(targets, nontargets, &threshold)}};
}

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  std::string model_config, checkpoint_dir, valid_data, embed_data, curve_svg = "auto";
  bool resume = false;
  int32_t init_seed = 1;
  ThreadOptions threads;
  LossConfig loss;
  std::string loss_type = "aam-softmax";
  TrainDataOptions data_opts;
  FbankOptions fbank_opts;
  TrainerOptions trainer_opts;
  po.Register("model-config", &model_config,
              "JSON file of the network (conf/models/*.json); required unless --resume "
              "finds a checkpoint");
  po.Register("loss.type", &loss_type, "softmax, am-softmax, aam-softmax or subcenter-aam");
  po.Register("loss.scale", &loss.scale, "Scale s of the margin losses");
  po.Register("loss.num-subcenters", &loss.num_subcenters, "subcenter-aam: K");
  po.Register("checkpoint-dir", &checkpoint_dir,
              "Where checkpoints go (default: the directory of <model-out>)");
  po.Register("resume", &resume, "Continue from the latest checkpoint in --checkpoint-dir");
  po.Register("valid-data", &valid_data,
              "Data dir of held-out utterances of the training classes: loss and accuracy "
              "each epoch");
  po.Register("embed-data", &embed_data,
              "Data dir of held-out speakers: EER of cosine scores over all utterance pairs "
              "each epoch");
  po.Register("curve-svg", &curve_svg,
              "Training curve SVG (auto: <model-out> with .h5 replaced by -curve.svg; "
              "\"\": none)");
  po.Register("init-seed", &init_seed, "Seed of the initial weights");
  threads.Register(&po);
  data_opts.Register(&po);
  PrefixOptions fbank_prefix("fbank", &po);
  fbank_opts.Register(&fbank_prefix);
  trainer_opts.Register(&po);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::string train_dir = po.GetArg(1), model_out = po.GetArg(2);
  threads.Apply();
  if (checkpoint_dir.empty()) {
    size_t slash = model_out.rfind('/');
    checkpoint_dir = slash == std::string::npos ? "." : model_out.substr(0, slash);
  }
  mkdir(checkpoint_dir.c_str(), 0777);
  if (curve_svg == "auto") {
    std::string base = model_out;
    if (base.size() > 3 && base.compare(base.size() - 3, 3, ".h5") == 0) base.resize(base.size() - 3);
    curve_svg = base + "-curve.svg";
  }
  loss.type = ParseLossType(loss_type);
  trainer_opts.Validate();
  VOX_VLOG(1) << data_opts.ToString() << " | " << trainer_opts.ToString();

  TrainDataSet train(train_dir, data_opts, fbank_opts, ResampleSoxr);
  VOX_LOG << train_dir << ": " << train.NumUtterances() << " utterances, "
          << train.NumBaseClasses() << " classes (" << train.NumClasses()
          << " with speed perturbation), feature dim " << train.FeatDim();
  // Held-out sets: the same features, no augmentation or masks.
  TrainDataOptions eval_opts = data_opts;
  eval_opts.aug = AugmentOptions();
  eval_opts.spec_aug.prob = 0;
  eval_opts.drop_last = false;
  eval_opts.chunks_per_utt = 1;
  FbankOptions eval_fbank = fbank_opts;
  eval_fbank.frame.dither = 0;
  std::unique_ptr<TrainDataSet> valid, embed;
  if (!valid_data.empty()) {
    valid = std::make_unique<TrainDataSet>(valid_data, eval_opts, eval_fbank, ResampleSoxr,
                                           &train.Labels());
  }
  if (!embed_data.empty()) {
    TrainDataOptions o = eval_opts;
    o.pad_short = true;  // whole utterances: the chunk length does not apply
    embed = std::make_unique<TrainDataSet>(embed_data, o, eval_fbank, ResampleSoxr);
  }

  const std::string latest = resume ? Trainer::LatestCheckpoint(checkpoint_dir) : "";
  JsonValue config;
  if (!latest.empty()) {
    config = ReadModelConfig(latest);
  } else {
    if (model_config.empty()) VOX_ERR << "--model-config is required (no checkpoint to resume)";
    config = TrainedModel::MakeConfig(ReadJsonFile(model_config), loss, train.NumClasses(),
                                      train.Labels().Names());
  }
  RandomGenerator rng(init_seed);
  TrainedModel network(config, &rng);
  VOX_LOG << "network: " << network.NumParameters() << " parameters";
  Trainer trainer(trainer_opts, &network, &train, valid.get(), embed.get(), checkpoint_dir);
  if (embed) {
    trainer.SetEmbeddingHook([&](int64_t, const std::vector<std::string> &,
                                 const Matrix<float> &emb) { return PairEer(*embed, emb); });
  }
  if (!latest.empty()) {
    trainer.Resume(latest);
  } else if (resume) {
    VOX_LOG << "--resume: no checkpoint in " << checkpoint_dir << ", starting from scratch";
  }
  trainer.Train();
  SaveModel(model_out, network, network.Config());
  VOX_LOG << "wrote " << model_out << " after " << trainer.EpochsDone() << " epochs ("
          << trainer.Step() << " steps)";
  if (!curve_svg.empty()) {
    Output out(curve_svg);
    out.Stream() << RenderTrainingCurve(trainer.History(), "train-nnet: " + model_out);
    out.Close();
  }
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }
