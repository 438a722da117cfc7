// src/nnet/embedding-extractor.cc
#include "nnet/embedding-extractor.h"

#include <algorithm>
#include <cmath>
#include <map>
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

namespace {

// feats checked and, with opts.cmn, mean-normalised. Throws Error.
Matrix<float> Prepare(const EmbeddingModel &model, const Matrix<float> &feats,
                      const EmbeddingExtractOptions &opts) {
  const int64_t num_frames = feats.NumRows(), dim = feats.NumCols();
  if (dim != model.FeatDim()) {
    VOX_ERR << "features have dimension " << dim << ", the model takes " << model.FeatDim();
  }
  if (num_frames < model.MinFrames()) {
    VOX_ERR << num_frames << " frames, fewer than the " << model.MinFrames()
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
  return x;
}

// One forward input: `chunk` frames of utterance `utt` from frame `start`.
struct Segment {
  size_t utt;
  int64_t start;
};

}  // namespace

std::vector<Vector<float>> ExtractEmbeddings(EmbeddingModel *model,
                                             const std::vector<const Matrix<float> *> &feats,
                                             const EmbeddingExtractOptions &opts,
                                             std::vector<std::string> *errors) {
  const size_t n = feats.size();
  const int64_t dim = model->FeatDim(), embed_dim = model->EmbedDim();
  errors->assign(n, "");
  std::vector<Matrix<float>> x(n);
  std::vector<int64_t> num_segments(n, 0);
  // Segments by length; within one utterance in increasing start order, so that its
  // chunk embeddings are summed in the same order as when it runs alone.
  std::map<int64_t, std::vector<Segment>> by_length;
  for (size_t i = 0; i < n; i++) {
    try {
      x[i] = Prepare(*model, *feats[i], opts);
    } catch (const Error &e) {
      (*errors)[i] = e.reason();
      continue;
    }
    const int64_t num_frames = x[i].NumRows();
    const int64_t chunk = opts.chunk_frames > 0
                              ? std::min<int64_t>(opts.chunk_frames, num_frames)
                              : num_frames;
    std::vector<Segment> &segments = by_length[chunk];
    int64_t s = 0;
    for (; s + chunk <= num_frames; s += chunk) segments.push_back({i, s});
    // Frames left over: one more chunk ending at the last frame.
    if (s < num_frames) segments.push_back({i, num_frames - chunk});
    num_segments[i] = s / chunk + (s < num_frames ? 1 : 0);
  }

  NoGradGuard no_grad;
  std::vector<std::vector<double>> sum(n);
  for (size_t i = 0; i < n; i++)
    if (num_segments[i] > 0) sum[i].assign(embed_dim, 0.0);
  for (const auto &entry : by_length) {
    const int64_t chunk = entry.first;
    const std::vector<Segment> &segments = entry.second;
    for (size_t b = 0; b < segments.size(); b += opts.batch_size) {
      const int64_t m = std::min<int64_t>(opts.batch_size, segments.size() - b);
      Tensor batch(Shape({m, chunk, dim}));
      for (int64_t k = 0; k < m; k++) {
        const Segment &seg = segments[b + k];
        std::copy(x[seg.utt].Row(seg.start), x[seg.utt].Row(seg.start) + chunk * dim,
                  batch.Data() + k * chunk * dim);
      }
      Var e = model->Forward(Var(batch)).embedding;
      for (int64_t k = 0; k < m; k++) {
        std::vector<double> &s = sum[segments[b + k].utt];
        for (int64_t j = 0; j < embed_dim; j++) s[j] += e.value().Data()[k * embed_dim + j];
      }
    }
  }
  std::vector<Vector<float>> out(n);
  for (size_t i = 0; i < n; i++) {
    if (num_segments[i] == 0) continue;
    out[i].Resize(embed_dim);
    for (int64_t j = 0; j < embed_dim; j++)
      out[i](j) = static_cast<float>(sum[i][j] / num_segments[i]);
  }
  return out;
}

std::vector<Vector<float>> ExtractSslXvectors(const SslXvectorModel &model,
                                              const std::vector<const Matrix<float> *> &waves,
                                              int32_t batch_size,
                                              std::vector<std::string> *errors) {
  if (batch_size < 1) VOX_ERR << "batch size " << batch_size << " must be >= 1";
  const size_t n = waves.size();
  const int64_t embed_dim = model.EmbedDim();
  errors->assign(n, "");
  // Utterance indices by length, in input order.
  std::map<int64_t, std::vector<size_t>> by_length;
  for (size_t i = 0; i < n; i++) {
    try {
      const Matrix<float> &w = *waves[i];
      if (w.NumRows() != 1) VOX_ERR << w.NumRows() << " channels (the model takes mono audio)";
      if (w.NumCols() < model.MinSamples())
        VOX_ERR << w.NumCols() << " samples ("
                << static_cast<double>(w.NumCols()) / model.ssl_config().sample_rate
                << " s), fewer than the " << model.MinSamples() << " the model needs";
      for (int64_t j = 0; j < w.NumCols(); j++)
        if (!std::isfinite(w(0, j))) VOX_ERR << "audio sample " << j << " is NaN/Inf";
    } catch (const Error &e) {
      (*errors)[i] = e.reason();
      continue;
    }
    by_length[waves[i]->NumCols()].push_back(i);
  }

  NoGradGuard no_grad;
  std::vector<Vector<float>> out(n);
  for (const auto &entry : by_length) {
    const int64_t len = entry.first;
    const std::vector<size_t> &utts = entry.second;
    for (size_t b = 0; b < utts.size(); b += batch_size) {
      const int64_t m = std::min<int64_t>(batch_size, utts.size() - b);
      Tensor batch = Tensor::Empty({m, len});
      for (int64_t k = 0; k < m; k++) {
        float *row = batch.Data() + k * len;
        std::copy(waves[utts[b + k]]->Row(0), waves[utts[b + k]]->Row(0) + len, row);
        if (model.ssl_config().normalize) NormalizeWaveform(row, len, model.NormalizeEps());
      }
      const Var e = model.Forward(Var(batch));
      for (int64_t k = 0; k < m; k++) {
        Vector<float> &v = out[utts[b + k]];
        v.Resize(embed_dim);
        for (int64_t j = 0; j < embed_dim; j++) v(j) = e.value().Data()[k * embed_dim + j];
      }
    }
  }
  return out;
}

Vector<float> ExtractEmbedding(EmbeddingModel *model, const Matrix<float> &feats,
                               const EmbeddingExtractOptions &opts) {
  std::vector<std::string> errors;
  std::vector<Vector<float>> out = ExtractEmbeddings(model, {&feats}, opts, &errors);
  if (!errors[0].empty()) VOX_ERR << errors[0];
  return out[0];
}

}  // namespace voxtools
