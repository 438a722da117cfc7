// src/nnet/embedding-extractor.cc
#include "nnet/embedding-extractor.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "base/log.h"

namespace voxtools {

void EmbeddingExtractOptions::Register(OptionsItf *opts) {
  opts->Register("chunk-size", &chunk_frames,
                 "Frames per chunk; the chunks' embeddings are averaged (0: whole utterance)");
  opts->Register("batch-size", &batch_size, "Chunks per forward pass");
  opts->Register("cmn", &cmn, "Subtract the utterance's mean feature vector (as in training)");
}

void EmbeddingExtractOptions::Validate() const {
  if (chunk_frames < 0) VOX_ERR << "--chunk-size=" << chunk_frames << " must be >= 0";
  if (batch_size < 1) VOX_ERR << "--batch-size=" << batch_size << " must be >= 1";
}

std::string EmbeddingExtractOptions::ToString() const {
  std::ostringstream os;
  os << "--chunk-size=" << chunk_frames << " --batch-size=" << batch_size << " --cmn=" << cmn;
  return os.str();
}

Vector<float> ExtractEmbedding(EmbeddingModel *model, const Matrix<float> &feats,
                               const EmbeddingExtractOptions &opts) {
  const int64_t num_frames = feats.NumRows(), dim = feats.NumCols();
  if (dim != model->FeatDim()) {
    VOX_ERR << "features have dimension " << dim << ", the model takes " << model->FeatDim();
  }
  if (num_frames < model->MinFrames()) {
    VOX_ERR << num_frames << " frames, fewer than the " << model->MinFrames()
            << " the model needs";
  }
  Matrix<float> x = feats;
  std::vector<double> mean(dim, 0.0);
  for (int64_t t = 0; t < num_frames; t++) {
    for (int64_t j = 0; j < dim; j++) {
      if (!std::isfinite(x(t, j))) VOX_ERR << "NaN or Inf in the features at frame " << t;
      mean[j] += x(t, j);
    }
  }
  if (opts.cmn) {
    for (int64_t t = 0; t < num_frames; t++)
      for (int64_t j = 0; j < dim; j++) x(t, j) -= static_cast<float>(mean[j] / num_frames);
  }
  NoGradGuard no_grad;
  const int64_t chunk = opts.chunk_frames > 0 ? std::min<int64_t>(opts.chunk_frames, num_frames)
                                              : num_frames;
  std::vector<int64_t> starts;
  for (int64_t s = 0; s + chunk <= num_frames; s += chunk) starts.push_back(s);
  if (starts.back() + chunk < num_frames) starts.push_back(num_frames - chunk);
  const int64_t embed_dim = model->EmbedDim();
  std::vector<double> sum(embed_dim, 0.0);
  for (size_t b = 0; b < starts.size(); b += opts.batch_size) {
    const int64_t n = std::min<int64_t>(opts.batch_size, starts.size() - b);
    Tensor batch(Shape({n, chunk, dim}));
    for (int64_t i = 0; i < n; i++) {
      std::copy(x.Row(starts[b + i]), x.Row(starts[b + i]) + chunk * dim,
                batch.Data() + i * chunk * dim);
    }
    Var e = model->Forward(Var(batch)).embedding;
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < embed_dim; j++) sum[j] += e.value().Data()[i * embed_dim + j];
  }
  Vector<float> out(embed_dim);
  for (int64_t j = 0; j < embed_dim; j++) out(j) = static_cast<float>(sum[j] / starts.size());
  return out;
}

}  // namespace voxtools
