// tests/bench/train-bench.cc
// Embedding-network training and extraction speed, printed one result per line for
// tests/bench/train.sh, which runs the same cases in PyTorch (tests/reference/models-ref.py's
// ECAPA-TDNN and margin head) and prints both side by side.
//   train   samples/s of SGD steps (forward, AAM-softmax loss over 1000 classes, backward,
//           SGD with Nesterov momentum and weight decay) of ECAPA-C512 on a batch of 32
//           chunks of 200 frames x 80 fbank; `warmup` steps first, then `steps` timed ones
//   extract real-time factor (compute seconds per second of features, 100 frames/s) of
//           ExtractEmbedding on one 10 s utterance (1000 x 80), whole-utterance pass, best of
//           `repeats` after one warm-up
// The model is built from conf/models/ecapa-c512.json by MakeEmbeddingModel, as train-nnet
// and extract-embeddings build it; the steps are the trainer's (the data loading and the
// progress bookkeeping of train-nnet are left out, so that only the network is timed).
// Usage: train-bench <model.json> <num-threads> <warmup> <steps> <repeats>
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "matrix/thread-pool.h"
#include "nnet/autograd.h"
#include "nnet/embedding-extractor.h"
#include "nnet/embedding-model.h"
#include "nnet/losses.h"
#include "nnet/optimizer.h"
#include "nnet/random.h"

using namespace voxtools;

namespace {

constexpr int64_t kBatch = 32, kFrames = 200, kClasses = 1000, kExtractFrames = 1000;

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 6) {
    std::fprintf(stderr, "Usage: train-bench <model.json> <num-threads> <warmup> <steps> <repeats>\n");
    return 1;
  }
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  const int threads = std::atoi(argv[2]), warmup = std::atoi(argv[3]),
            steps = std::atoi(argv[4]), repeats = std::atoi(argv[5]);
  SetNumThreads(threads);
  std::printf("openblas %s, threads %d\n", openblas_get_corename(), threads);
  RandomGenerator rng(1);
  JsonValue config = ParseJson(text.str(), argv[1]);
  std::unique_ptr<EmbeddingModel> model = MakeEmbeddingModel(config, &rng);
  LossConfig loss_config;
  loss_config.type = LossType::kAamSoftmax;
  loss_config.embed_dim = model->EmbedDim();
  loss_config.num_classes = kClasses;
  std::unique_ptr<LossHead> head = MakeLossHead(loss_config, &rng);

  NamedVars params = model->NamedParameters();
  for (auto &p : head->NamedParameters()) params.emplace_back("head/" + p.first, p.second);
  Sgd sgd(SingleGroup(params), SgdOptions());

  // One fixed batch: the time of a step does not depend on the values.
  Tensor feats = Tensor::Empty({kBatch, kFrames, model->FeatDim()});
  rng.FillNormal(0.0f, 1.0f, &feats);
  std::vector<int64_t> labels(kBatch);
  for (int64_t i = 0; i < kBatch; i++) labels[i] = (i * 37) % kClasses;
  model->Train();
  head->Train();
  auto step = [&]() {
    sgd.ZeroGrad();
    Var loss = head->Loss(model->Forward(Var(feats)).train_output, labels);
    loss.Backward();
    sgd.Step(0.1);
  };
  for (int i = 0; i < warmup; i++) step();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; i++) step();
  const double train_s = Seconds(t0);
  std::printf("train %d steps %.3f s  %.2f samples/s\n", steps, train_s,
              steps * kBatch / train_s);

  model->Eval();
  Matrix<float> utt(kExtractFrames, model->FeatDim());
  for (int64_t t = 0; t < kExtractFrames; t++)
    for (int64_t d = 0; d < model->FeatDim(); d++)
      utt(t, d) = static_cast<float>(((t * 131 + d * 17) % 97) / 48.5 - 1.0);
  EmbeddingExtractOptions extract_opts;
  ExtractEmbedding(model.get(), utt, extract_opts);
  double best = 1e30;
  for (int i = 0; i < repeats; i++) {
    auto t1 = std::chrono::steady_clock::now();
    ExtractEmbedding(model.get(), utt, extract_opts);
    best = std::min(best, Seconds(t1));
  }
  std::printf("extract %.4f s  rtf %.5f\n", best, best / (kExtractFrames / 100.0));
  return 0;
}
