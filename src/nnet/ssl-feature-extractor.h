// src/nnet/ssl-feature-extractor.h
// What the feature tools (compute-ssl-feats) ask of an SslModel: which outputs, as the user
// names them, assembled into one matrix per utterance.
#ifndef VOXTOOLS_NNET_SSL_FEATURE_EXTRACTOR_H_
#define VOXTOOLS_NNET_SSL_FEATURE_EXTRACTOR_H_

#include <string>
#include <vector>

#include "base/options-itf.h"
#include "matrix/matrix.h"
#include "nnet/ssl-model.h"

namespace voxtools {

// Which outputs a feature tool writes per utterance, as the user names them.
//   --layer=X     one output: N (0..L, the official/s3prl numbering above), cnn, proj, final;
//   --layers=LIST several, comma-separated ("4,8,12", "cnn,proj,0,12"), or "all" (0..L):
//                 written side by side as one (T, sum of dims) matrix, in the order given;
//   --mean        with --layers: their mean instead (T, D); all must have the same dim.
struct SslFeatureOptions {
  std::string layer = "final";
  std::string layers;
  bool mean = false;
  int64_t attention_block = 0;

  void Register(OptionsItf *opts);
  // Syntax only (the range of N needs the model: SslFeatureExtractor checks it).
  void Validate() const;
  std::string ToString() const;
};

// Whole-utterance features from a model for tools: normalises the waveform when the model
// says so, runs one forward pass and assembles the selected outputs.
class SslFeatureExtractor {
 public:
  // Throws Error naming the option if a layer is out of range or --mean mixes dims.
  SslFeatureExtractor(const SslModel &model, const SslFeatureOptions &opts);
  // Columns of the output.
  int64_t Dim() const { return dim_; }
  // samples: n values on the [-1, 1] scale at config().sample_rate. Writes (T, Dim()).
  // Throws Error if the audio is shorter than one frame or holds NaN/Inf.
  void Compute(const float *samples, int64_t n, Matrix<float> *feats) const;

 private:
  enum class Kind { kCnn, kProj, kLayer, kFinal };
  struct Item {
    Kind kind;
    int64_t layer;
  };
  const SslModel &model_;
  SslFeatureOptions opts_;
  std::vector<Item> items_;
  SslOutputRequest request_;
  int64_t dim_ = 0;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_SSL_FEATURE_EXTRACTOR_H_
