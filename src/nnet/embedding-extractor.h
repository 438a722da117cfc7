// src/nnet/embedding-extractor.h
// One embedding per utterance from a trained network (extract-embeddings, and the
// trainer's evaluation): the utterance's features mean-normalised (CMN, as in training),
// then either the whole utterance in one forward pass, or fixed-size chunks run as one
// batch and their embeddings averaged (long recordings; WeSpeaker's and Kaldi's
// x-vector extraction with --chunk-size). ExtractEmbeddings does several utterances at
// once, batching their equal-length inputs. ExtractSslXvectors does the same for the models
// that take the waveform itself (ssl-xvector.h: WavLMForXVector).
#ifndef VOXTOOLS_NNET_EMBEDDING_EXTRACTOR_H_
#define VOXTOOLS_NNET_EMBEDDING_EXTRACTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/options-itf.h"
#include "matrix/matrix.h"
#include "nnet/embedding-model.h"
#include "nnet/ssl-xvector.h"

namespace voxtools {

struct EmbeddingExtractOptions {
  int32_t chunk_frames = 0;  // 0: the whole utterance in one pass
  int32_t batch_size = 32;   // chunks per forward pass
  bool cmn = true;           // subtract the utterance's mean (train-nnet's --cmn)

  void Register(OptionsItf *opts);
  void Validate() const;
  std::string ToString() const;
};

// The embedding (EmbedDim()) of feats (T x FeatDim()). Chunks: floor(T / chunk) full chunks
// from the start and, when frames are left over, one more ending at the last frame (so every
// chunk has the same length and every frame is seen); an utterance shorter than one chunk
// is run whole. The model must be in Eval() mode; runs under NoGradGuard. Throws Error if T
// is below the model's MinFrames(), the dimension is wrong, or a value is NaN/Inf.
Vector<float> ExtractEmbedding(EmbeddingModel *model, const Matrix<float> &feats,
                               const EmbeddingExtractOptions &opts);

// The embeddings of several utterances, each as ExtractEmbedding gives it, with the forward
// inputs (whole utterances, or chunks) of equal length from different utterances run
// together in batches of up to opts.batch_size: fixed-length segments (diarization
// sub-segments, trimmed test crops) then run at batch size > 1. Only equal lengths share a
// batch: padding would change the result, since the convolutions and the pooling see every
// frame; in eval mode every other layer works per example, so the only difference from one
// utterance at a time is the rounding of larger matrix products (tests: 1e-5 relative).
// An utterance that fails (dimension, too short, NaN/Inf) gets an empty vector and its
// reason in (*errors)[i] (errors resized to feats.size(), "" where it succeeded); the
// others are unaffected. Errors from the network itself throw.
std::vector<Vector<float>> ExtractEmbeddings(EmbeddingModel *model,
                                             const std::vector<const Matrix<float> *> &feats,
                                             const EmbeddingExtractOptions &opts,
                                             std::vector<std::string> *errors);

// The embeddings of waveforms with an x-vector model on an SSL encoder: waves[i] is one
// utterance, a 1 x N matrix of samples on the [-1, 1] scale at the model's sample rate,
// normalised on its own (zero mean, unit variance, the model's NormalizeEps()) when the SSL
// config says normalize, then run whole: no chunks, no CMN. Utterances of equal length run
// together, up to batch_size per forward pass (no padding, which would change the
// statistics: others run alone, as transformers does with one utterance per call). An
// utterance that fails (too short, NaN/Inf, not mono) gets an empty vector and its reason in
// (*errors)[i]; errors from the network itself throw. Runs under NoGradGuard; the model must
// be in Eval() mode.
std::vector<Vector<float>> ExtractSslXvectors(const SslXvectorModel &model,
                                              const std::vector<const Matrix<float> *> &waves,
                                              int32_t batch_size,
                                              std::vector<std::string> *errors);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_EMBEDDING_EXTRACTOR_H_
