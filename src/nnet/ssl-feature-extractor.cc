// src/nnet/ssl-feature-extractor.cc
#include "nnet/ssl-feature-extractor.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <sstream>

#include "base/text-utils.h"
#include "io/kaldi-stream.h"

namespace voxtools {

void SslFeatureOptions::Register(OptionsItf *opts) {
  opts->Register("layer", &layer,
                 "Output to write: N (0 = encoder input after the positional conv, N = output "
                 "of transformer layer N, without the final LayerNorm), cnn, proj or final (a "
                 "full pass, with the final LayerNorm of pre-norm models)");
  opts->Register("layers", &layers,
                 "Several outputs, comma-separated (e.g. 4,8,12 or cnn,0,12), 'all' (0..L) or "
                 "'s3prl' (0..L-1,final: s3prl's hidden states, the order of its learned layer "
                 "weights); overrides --layer. How they are written: --layers-layout, --mean or "
                 "--layer-weights");
  opts->Register("layers-layout", &layers_layout,
                 "With --layers: concat (one matrix, frames x sum of dims, in the order given), "
                 "keys (one frames x dim matrix per output under <utt>-L<n>, <utt>-cnn, "
                 "<utt>-proj, <utt>-final) or stack (one L x frames x dim dataset per utterance; "
                 "h5: output only)");
  opts->Register("mean", &mean, "With --layers: write the mean of the selected outputs");
  opts->Register("layer-weights", &layer_weights,
                 "With --layers: write their weighted sum. A comma list (one weight per output, "
                 "in --layers order) or a file of numbers, e.g. s3prl's learned "
                 "featurizer.weights with --layers=s3prl");
  opts->Register("layer-weights-softmax", &layer_weights_softmax,
                 "Softmax-normalise --layer-weights first, as s3prl does with its learned "
                 "weights (which are logits); false: use them as given");
  opts->Register("layer-weights-norm", &layer_weights_norm,
                 "With --layer-weights: layer-normalise each output per frame first (zero mean, "
                 "unit variance over dims, eps 1e-5, no affine), as s3prl's Featurizer with "
                 "normalize=True");
  opts->Register("attention-block", &attention_block,
                 "Query frames per attention block (bounds memory on long recordings); 0: "
                 "automatic. Results do not depend on it beyond float rounding");
  opts->Register("window-secs", &window_secs,
                 "Cut utterances longer than this into overlapping windows run separately "
                 "(rounded to whole 20 ms frames), each frame taken from the window in which it "
                 "is farthest from an edge; memory stays that of one window and time grows "
                 "linearly. 0: whole utterances (exact; memory grows linearly, ~0.15 GB per "
                 "minute of audio for Base-size models, but attention time quadratically)");
  opts->Register("window-shift", &window_shift,
                 "With --window-secs: seconds between window starts (rounded to whole 20 ms "
                 "frames; at most --window-secs). Every frame keeps at least half the overlap "
                 "(window minus shift) as context on each side, e.g. 30 and 20: 5 s");
}

void SslFeatureOptions::Validate() const {
  if (mean && layers.empty()) VOX_ERR << "--mean needs --layers";
  if (!layer_weights.empty() && layers.empty()) VOX_ERR << "--layer-weights needs --layers";
  if (mean && !layer_weights.empty())
    VOX_ERR << "--mean and --layer-weights both reduce the layers to one; give one of them";
  if (layers_layout != "concat" && layers_layout != "keys" && layers_layout != "stack")
    VOX_ERR << "--layers-layout=" << layers_layout << ": expected concat, keys or stack";
  if (layers_layout != "concat") {
    if (layers.empty()) VOX_ERR << "--layers-layout=" << layers_layout << " needs --layers";
    if (mean || !layer_weights.empty())
      VOX_ERR << "--layers-layout=" << layers_layout << " writes each output; --mean and "
              << "--layer-weights write one combination (leave the layout at concat)";
  }
  if (attention_block < 0) VOX_ERR << "--attention-block=" << attention_block << " < 0";
  if (!(window_secs >= 0)) VOX_ERR << "--window-secs=" << window_secs << " must be >= 0";
  if (window_secs > 0) {
    if (!(window_shift > 0))
      VOX_ERR << "--window-shift=" << window_shift
              << " must be > 0 with --window-secs=" << window_secs;
    if (window_shift > window_secs)
      VOX_ERR << "--window-shift=" << window_shift
              << " is longer than --window-secs=" << window_secs
              << " (frames between windows would be lost)";
  } else if (window_shift != 0) {
    VOX_ERR << "--window-shift=" << window_shift << " needs --window-secs";
  }
  const std::string list = layers.empty() ? layer : layers;
  if (list == "all" || list == "s3prl") return;
  const std::vector<std::string> items = SplitString(list, ",", false);
  if (layers.empty() && items.size() != 1)
    VOX_ERR << "--layer=" << layer << ": one output; use --layers for several";
  for (const std::string &it : items) {
    int64_t n;
    if (it != "cnn" && it != "proj" && it != "final" && !ConvertToInt64(it, &n))
      VOX_ERR << "--layer(s): '" << it << "' is not a layer number, cnn, proj, final or all";
  }
}

std::string SslFeatureOptions::ToString() const {
  std::ostringstream os;
  os << "--layer=" << layer << " --layers=" << layers << " --layers-layout=" << layers_layout
     << " --mean=" << (mean ? "true" : "false") << " --layer-weights=" << layer_weights
     << " --layer-weights-softmax=" << (layer_weights_softmax ? "true" : "false")
     << " --layer-weights-norm=" << (layer_weights_norm ? "true" : "false")
     << " --attention-block=" << attention_block << " --window-secs=" << window_secs
     << " --window-shift=" << window_shift;
  return os.str();
}

void SslBatchOptions::Register(OptionsItf *opts) {
  opts->Register("batch-size", &batch_size,
                 "Utterances (or windows) per forward pass, grouped by length from the "
                 "read-ahead so that little is padding. The batched forward is exact: results "
                 "equal those of --batch-size=1 (float rounding aside)");
  opts->Register("max-batch-secs", &max_batch_secs,
                 "Cap on a batch's padded audio (utterances x the longest), which bounds the "
                 "memory of one forward; a longer utterance runs alone. 0: no cap");
}

void SslBatchOptions::Validate() const {
  if (batch_size < 1) VOX_ERR << "--batch-size=" << batch_size << " must be at least 1";
  if (!(max_batch_secs >= 0)) VOX_ERR << "--max-batch-secs=" << max_batch_secs << " < 0";
}

std::string SslBatchOptions::ToString() const {
  std::ostringstream os;
  os << "--batch-size=" << batch_size << " --max-batch-secs=" << max_batch_secs;
  return os.str();
}

std::vector<SslChunk> SslWindowPlan(const SslConfig &config, int64_t utt, int64_t num_samples,
                                    int64_t window_frames, int64_t shift_frames) {
  const int64_t t = config.NumFrames(num_samples);
  VOX_ASSERT(t >= 1);
  if (window_frames <= 0 || window_frames >= t) {
    SslChunk whole;
    whole.utt = utt;
    whole.length = num_samples;
    whole.keep_end = t;
    return {whole};
  }
  VOX_ASSERT(shift_frames >= 1 && shift_frames <= window_frames);
  std::vector<int64_t> starts;  // in frames
  for (int64_t s = 0; s + window_frames < t; s += shift_frames) starts.push_back(s);
  starts.push_back(t - window_frames);
  const int64_t stride = config.TotalStride();
  const int64_t length = (window_frames - 1) * stride + config.ReceptiveField();
  // Window k owns the frames nearer its centre s_k + (W - 1) / 2 than any other window's:
  // frame f goes to k rather than k + 1 iff 2f <= s_k + s_{k+1} + W - 1.
  std::vector<SslChunk> chunks;
  int64_t begin = 0;  // utterance frame
  for (size_t k = 0; k < starts.size(); k++) {
    const int64_t end =
        k + 1 < starts.size() ? (starts[k] + starts[k + 1] + window_frames - 1) / 2 + 1 : t;
    SslChunk c;
    c.utt = utt;
    c.start = starts[k] * stride;
    c.length = length;
    c.keep_begin = begin - starts[k];
    c.keep_end = end - starts[k];
    VOX_ASSERT(c.keep_begin >= 0 && c.keep_end <= window_frames && c.keep_begin < c.keep_end);
    chunks.push_back(c);
    begin = end;
  }
  return chunks;
}

std::vector<std::vector<int64_t>> SslBatchPlan(const std::vector<int64_t> &lengths,
                                               int64_t max_per_batch, int64_t max_samples) {
  std::vector<int64_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return lengths[a] > lengths[b]; });
  std::vector<std::vector<int64_t>> batches;
  for (int64_t i : order) {
    if (!batches.empty()) {
      std::vector<int64_t> &last = batches.back();
      const int64_t count = static_cast<int64_t>(last.size()) + 1;
      // Sorted longest first: the batch's first chunk is its longest.
      if (count <= max_per_batch && (max_samples <= 0 || count * lengths[last[0]] <= max_samples)) {
        last.push_back(i);
        continue;
      }
    }
    batches.push_back({i});
  }
  return batches;
}

std::vector<float> ReadSslLayerWeights(const std::string &value) {
  std::vector<float> weights;
  bool all_numbers = true;
  for (const std::string &s : SplitString(value, ",", false)) {
    float w;
    if (!ConvertToFloat(Trim(s), &w)) {
      all_numbers = false;
      break;
    }
    weights.push_back(w);
  }
  if (!all_numbers) {
    weights.clear();
    std::string text;
    try {
      Input in(value);
      std::ostringstream os;
      os << in.Stream().rdbuf();
      text = os.str();
      in.Close();
    } catch (const Error &e) {
      VOX_ERR << "--layer-weights=" << value << ": not a comma list of numbers, and not a "
              << "readable file (" << e.reason() << ")";
    }
    for (const std::string &s : SplitString(text, " \t\r\n", true)) {
      float w;
      if (!ConvertToFloat(s, &w))
        VOX_ERR << "--layer-weights file " << value << ": '" << s << "' is not a number";
      weights.push_back(w);
    }
    if (weights.empty()) VOX_ERR << "--layer-weights file " << value << " holds no numbers";
  }
  for (float w : weights)
    if (!std::isfinite(w)) VOX_ERR << "--layer-weights=" << value << ": " << w << " is not finite";
  return weights;
}

SslFeatureExtractor::SslFeatureExtractor(const SslModel &model, const SslFeatureOptions &opts)
    : model_(model), opts_(opts) {
  opts.Validate();
  const SslConfig &c = model.config();
  const std::string list = opts.layers.empty() ? opts.layer : opts.layers;
  std::vector<std::string> names;
  if (list == "all") {
    for (int64_t n = 0; n <= c.num_layers; n++) names.push_back(std::to_string(n));
  } else if (list == "s3prl") {
    // s3prl's hidden states: the input of each transformer layer, then the encoder's output
    // (with the final LayerNorm of pre-norm models).
    for (int64_t n = 0; n < c.num_layers; n++) names.push_back(std::to_string(n));
    names.push_back("final");
  } else {
    names = SplitString(list, ",", false);
  }
  std::vector<std::string> item_names;
  for (const std::string &name : names) {
    Item it{Kind::kLayer, 0, c.embed_dim};
    if (name == "cnn") {
      it.kind = Kind::kCnn;
      it.dim = c.conv_layers.back().dim;
      request_.cnn = true;
      item_names.push_back("cnn");
    } else if (name == "proj") {
      it.kind = Kind::kProj;
      request_.proj = true;
      item_names.push_back("proj");
    } else if (name == "final") {
      it.kind = Kind::kFinal;
      request_.final = true;
      item_names.push_back("final");
    } else {
      int64_t n = -1;
      ConvertToInt64(name, &n);
      if (n < 0 || n > c.num_layers)
        VOX_ERR << "--layer(s): " << name << " is not a layer of this model (0.." << c.num_layers
                << ")";
      it.index = static_cast<int64_t>(request_.layers.size());  // into SslOutputs::layers
      request_.layers.push_back(n);
      item_names.push_back("L" + std::to_string(n));
    }
    items_.push_back(it);
  }
  auto check_same_dims = [&](const std::string &what) {
    for (const Item &it : items_)
      if (it.dim != items_[0].dim)
        VOX_ERR << what << " over outputs of different dims: " << item_names[0] << " has "
                << items_[0].dim << ", " << item_names[&it - items_.data()] << " has " << it.dim;
  };
  if (opts.mean || !opts.layer_weights.empty()) {
    combine_ = Combine::kWeighted;
    check_same_dims(opts.mean ? "--mean" : "--layer-weights");
    const size_t num = items_.size();
    if (opts.mean) {
      weights_.assign(num, 1.0f / static_cast<float>(num));
    } else {
      weights_ = ReadSslLayerWeights(opts.layer_weights);
      if (weights_.size() != num)
        VOX_ERR << "--layer-weights: " << weights_.size() << " weights for " << num
                << " outputs (--layers=" << opts.layers << ")";
      if (opts.layer_weights_softmax) {
        const float max = *std::max_element(weights_.begin(), weights_.end());
        double sum = 0;
        for (float w : weights_) sum += std::exp(static_cast<double>(w) - max);
        for (float &w : weights_)
          w = static_cast<float>(std::exp(static_cast<double>(w) - max) / sum);
      }
    }
    dim_ = items_[0].dim;
    output_names_ = {"weighted"};
  } else if (opts.layers_layout == "concat") {
    combine_ = Combine::kConcat;
    for (const Item &it : items_) dim_ += it.dim;
    output_names_ = {list};
  } else {
    combine_ = Combine::kSeparate;
    if (opts.layers_layout == "stack") check_same_dims("--layers-layout=stack");
    if (opts.layers_layout == "keys") {
      std::set<std::string> seen;
      for (const std::string &n : item_names)
        if (!seen.insert(n).second)
          VOX_ERR << "--layers-layout=keys: " << n << " is selected twice (the keys would repeat)";
    }
    // keys: every output has its own dim; Dim() is the first's (NumCols of each matrix tells).
    dim_ = items_[0].dim;
    output_names_ = item_names;
  }
  if (opts.layer_weights_norm && combine_ != Combine::kWeighted)
    VOX_ERR << "--layer-weights-norm needs --layer-weights";

  if (opts.window_secs > 0) {
    const double frame_s = static_cast<double>(c.TotalStride()) / c.sample_rate;
    window_frames_ = std::llround(opts.window_secs / frame_s);
    shift_frames_ = std::llround(opts.window_shift / frame_s);
    if (window_frames_ < 1)
      VOX_ERR << "--window-secs=" << opts.window_secs << " is shorter than one frame (" << frame_s
              << " s)";
    if (shift_frames_ < 1)
      VOX_ERR << "--window-shift=" << opts.window_shift << " is shorter than one frame hop ("
              << frame_s << " s)";
    if (shift_frames_ > window_frames_)
      VOX_ERR << "--window-shift=" << opts.window_shift << " is " << shift_frames_
              << " frames, more than the window's " << window_frames_;
  }
}

void SslFeatureExtractor::CheckInput(const float *samples, int64_t n) const {
  const SslConfig &c = model_.config();
  if (c.NumFrames(n) < 1)
    VOX_ERR << n << " samples (" << static_cast<double>(n) / c.sample_rate << " s) are fewer "
            << "than the " << c.ReceptiveField() << " one frame needs";
  for (int64_t i = 0; i < n; i++)
    if (!std::isfinite(samples[i])) VOX_ERR << "audio sample " << i << " is NaN/Inf";
}

void SslFeatureExtractor::AssembleFrame(const SslOutputs &out, int64_t b, int64_t f,
                                        float *const *dst) const {
  int64_t col = 0;  // kConcat: where item i's columns start
  for (size_t i = 0; i < items_.size(); i++) {
    const Item &it = items_[i];
    const Var &v = it.kind == Kind::kCnn     ? out.cnn
                   : it.kind == Kind::kProj  ? out.proj
                   : it.kind == Kind::kFinal ? out.final
                                             : out.layers[it.index];
    const int64_t d = it.dim;
    const float *src = v.value().Data() + (b * v.Dim(1) + f) * d;
    switch (combine_) {
      case Combine::kConcat:
        std::copy(src, src + d, dst[0] + col);
        col += d;
        break;
      case Combine::kSeparate:
        std::copy(src, src + d, dst[i]);
        break;
      case Combine::kWeighted: {
        const float w = weights_[i];
        if (opts_.layer_weights_norm) {
          double sum = 0, ss = 0;
          for (int64_t j = 0; j < d; j++) sum += src[j];
          const double mean = sum / d;
          for (int64_t j = 0; j < d; j++) ss += (src[j] - mean) * (src[j] - mean);
          const double scale = 1.0 / std::sqrt(ss / d + 1e-5);
          for (int64_t j = 0; j < d; j++)
            dst[0][j] += w * static_cast<float>((src[j] - mean) * scale);
        } else {
          for (int64_t j = 0; j < d; j++) dst[0][j] += w * src[j];
        }
        break;
      }
    }
  }
}

void SslFeatureExtractor::RunBatch(const std::vector<const float *> &waves,
                                   const std::vector<SslChunk> &chunks,
                                   std::vector<std::vector<Matrix<float>>> *feats) const {
  const SslConfig &c = model_.config();
  const int64_t b = static_cast<int64_t>(chunks.size());
  int64_t n = 0;
  std::vector<int64_t> lengths;
  for (const SslChunk &ch : chunks) {
    lengths.push_back(ch.length);
    n = std::max(n, ch.length);
  }
  Tensor wave({b, n});  // zero padding
  for (int64_t r = 0; r < b; r++) {
    const float *src = waves[chunks[r].utt] + chunks[r].start;
    std::copy(src, src + chunks[r].length, wave.Data() + r * n);
  }
  SslForwardOptions fopts;
  fopts.attention_block = opts_.attention_block;
  NoGradGuard no_grad;
  // One chunk: the plain forward (no lengths), exactly what a single utterance always got.
  const SslOutputs out = b == 1 ? model_.Forward(Var(wave), Tensor(), request_, fopts)
                                : model_.Forward(Var(wave), lengths, request_, fopts);
  const int64_t stride = c.TotalStride();
  std::vector<float *> dst(NumOutputs());
  for (int64_t r = 0; r < b; r++) {
    const SslChunk &ch = chunks[r];
    VOX_ASSERT(ch.keep_end <= c.NumFrames(ch.length));
    std::vector<Matrix<float>> &m = (*feats)[ch.utt];
    for (int64_t j = ch.keep_begin; j < ch.keep_end; j++) {
      const int64_t row = ch.start / stride + j;
      for (int64_t o = 0; o < NumOutputs(); o++) dst[o] = m[o].Row(row);
      AssembleFrame(out, r, j, dst.data());
    }
  }
}

void SslFeatureExtractor::Compute(const std::vector<std::vector<float>> &waves,
                                  const SslBatchOptions &batch,
                                  std::vector<std::vector<Matrix<float>>> *feats,
                                  std::vector<std::string> *errors,
                                  const std::function<void(int64_t)> &on_chunks) const {
  batch.Validate();
  const SslConfig &c = model_.config();
  const size_t num = waves.size();
  feats->assign(num, {});
  errors->assign(num, "");
  // Normalised copies where the model asks for them: over each utterance's own samples,
  // before any window is cut or padding added (so windows share the utterance's scale).
  std::vector<std::vector<float>> normalized(c.normalize ? num : 0);
  std::vector<const float *> samples(num);
  std::vector<SslChunk> chunks;
  for (size_t u = 0; u < num; u++) {
    const int64_t n = static_cast<int64_t>(waves[u].size());
    CheckInput(waves[u].data(), n);
    samples[u] = waves[u].data();
    if (c.normalize) {
      normalized[u] = waves[u];
      NormalizeWaveform(normalized[u].data(), n);
      samples[u] = normalized[u].data();
    }
    const int64_t t = c.NumFrames(n);
    (*feats)[u].resize(NumOutputs());
    for (int64_t o = 0; o < NumOutputs(); o++)
      (*feats)[u][o].Resize(t, combine_ == Combine::kSeparate ? items_[o].dim : dim_);
    for (const SslChunk &ch : SslWindowPlan(c, u, n, window_frames_, shift_frames_))
      chunks.push_back(ch);
  }
  std::vector<int64_t> lengths;
  for (const SslChunk &ch : chunks) lengths.push_back(ch.length);
  const int64_t max_samples = static_cast<int64_t>(batch.max_batch_secs * c.sample_rate);
  for (const std::vector<int64_t> &indices : SslBatchPlan(lengths, batch.batch_size, max_samples)) {
    std::vector<SslChunk> group;
    for (int64_t i : indices) group.push_back(chunks[i]);
    try {
      RunBatch(samples, group, feats);
      VOX_VLOG(2) << "batch of " << group.size() << " x " << group[0].length << " samples";
    } catch (const Error &e) {
      if (group.size() == 1) {
        (*errors)[group[0].utt] = e.reason();
        continue;
      }
      // Find which chunk it was: each alone.
      VOX_VLOG(1) << "a batch of " << group.size() << " failed (" << e.reason()
                  << "); running its chunks one by one";
      for (const SslChunk &ch : group) {
        if (!(*errors)[ch.utt].empty()) continue;
        try {
          RunBatch(samples, {ch}, feats);
        } catch (const Error &e1) {
          (*errors)[ch.utt] = e1.reason();
        }
      }
    }
    if (on_chunks) on_chunks(static_cast<int64_t>(group.size()));
  }
  for (size_t u = 0; u < num; u++)
    if (!(*errors)[u].empty()) (*feats)[u].clear();
}

void SslFeatureExtractor::Compute(const float *samples, int64_t n, Matrix<float> *feats) const {
  if (NumOutputs() != 1)
    VOX_ERR << "--layers-layout=" << opts_.layers_layout << " writes " << NumOutputs()
            << " matrices per utterance";
  CheckInput(samples, n);
  std::vector<std::vector<Matrix<float>>> out;
  std::vector<std::string> errors;
  Compute({std::vector<float>(samples, samples + n)}, SslBatchOptions(), &out, &errors);
  if (!errors[0].empty()) VOX_ERR << errors[0];
  *feats = std::move(out[0][0]);
}

}  // namespace voxtools
