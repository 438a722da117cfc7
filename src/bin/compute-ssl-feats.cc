// src/bin/compute-ssl-feats.cc
// Per-utterance features from a wav2vec 2.0 / HuBERT / WavLM model file: the outputs of the
// chosen layers (nnet/ssl-model.h), assembled by nnet/ssl-feature-extractor.h; utterances
// read ahead a few at a time so that those of similar length share a forward pass, and
// written in input order.
#include <string>
#include <vector>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/progress.h"
#include "base/tool-main.h"
#include "feat/resample.h"
#include "io/h5-file.h"
#include "io/table.h"
#include "io/wave-reader.h"
#include "matrix/thread-pool.h"
#include "nnet/ssl-feature-extractor.h"
#include "nnet/ssl-weights.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute self-supervised features (wav2vec 2.0, HuBERT, WavLM) from audio: per utterance,\n"
    "frames x dim (20 ms frames) from the chosen layer(s) of a model file made by\n"
    "nnet-import-ssl. Layers are numbered as the official code and s3prl do: 0 = encoder\n"
    "input after the positional conv, N = output of transformer layer N (no final LayerNorm);\n"
    "also cnn, proj and final (full pass, with the final LayerNorm of pre-norm models).\n"
    "\n"
    "Several layers (--layers=4,8,12, all = 0..L, or s3prl = 0..L-1,final: s3prl's hidden\n"
    "states, in the order of its learned layer weights) are written\n"
    "  side by side in one matrix (frames x L*dim, in the order given; --layers-layout=concat),\n"
    "  as separate matrices under <utt>-L4, <utt>-L8, ... (<utt>-cnn, -proj, -final; =keys),\n"
    "  as one L x frames x dim dataset per utterance with attribute 'layers' (=stack, h5: only),\n"
    "  averaged (--mean), or as a weighted sum (--layer-weights=0.1,0.5,... or a file; softmax-\n"
    "  normalised first unless --layer-weights-softmax=false, as s3prl's learned weights are).\n"
    "\n"
    "When the model's config says normalize, each utterance's waveform is normalised (zero\n"
    "mean, unit variance, eps 1e-5) over its own samples first. Audio must be at the model's\n"
    "rate (16 kHz) unless --sample-rate=16000 asks for resampling (libsoxr).\n"
    "\n"
    "Batching (--batch-size, --max-batch-secs, --read-ahead): utterances are read a few at a\n"
    "time, sorted by length and run in batches; each is masked to its own length, so results\n"
    "equal --batch-size=1 (float rounding aside). Output is in input order.\n"
    "Long recordings (--window-secs, --window-shift): cut into overlapping windows (which may\n"
    "share batches); each frame is taken from the window in which it is farthest from an edge,\n"
    "so output has the same frames as a whole-utterance run, and memory and time grow linearly.\n"
    "Windowing changes results near window edges and, for group-norm (Base) models, the first\n"
    "conv layer's statistics, which become per window; whole mode (default) is exact.\n"
    "\n"
    "Usage: compute-ssl-feats [options] <model.h5> <wav-rspecifier> <feats-wspecifier>\n"
    "e.g.: compute-ssl-feats --layer=6 exp/wavlm-base-plus.h5 scp:data/train/wav.scp ark,scp:f.ark,f.scp\n"
    "      compute-ssl-feats --layers=all --num-threads=4 wavlm.h5 scp:wav.scp h5:feats.h5\n"
    "      compute-ssl-feats --layers=s3prl --layer-weights=exp/s3prl-weights.txt wavlm.h5 scp:wav.scp ark:f.ark\n"
    "      compute-ssl-feats --batch-size=8 --window-secs=30 --window-shift=20 wavlm.h5 scp:wav.scp h5:f.h5\n"
    "See also: nnet-import-ssl, compute-fbank-feats, copy-feats\n";

// An (L, T, D) float array, one per utterance: --layers-layout=stack, for h5 tables only.
struct LayerStack {
  std::vector<int64_t> shape;
  std::vector<float> data;
  std::string layers;  // the outputs' names, "L4,L8,L12"
};

class LayerStackHolder {
 public:
  using T = LayerStack;
  static const char *TypeName() { return "layer stack"; }
  static void Write(std::ostream &, bool, const T &) {
    VOX_ERR << "a layer stack (L x frames x dim) has no Kaldi archive form; use h5:";
  }
  static constexpr bool kSupportsRange = false;
  static constexpr bool kSupportsH5 = true;
  static void WriteH5(H5File *file, const std::string &key, const T &t) {
    file->Write(key, t.shape, t.data.data());
    file->SetAttribute(key, "layers", t.layers);
  }
};

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  SslFeatureOptions feat_opts;
  SslBatchOptions batch_opts;
  WaveReaderOptions wave_opts;
  int32_t num_threads = 1, read_ahead = 0;
  int64_t max_errors = 0;
  feat_opts.Register(&po);
  batch_opts.Register(&po);
  wave_opts.Register(&po);
  po.Register("read-ahead", &read_ahead,
              "Utterances read before computing, sorted by length into batches (their audio "
              "and features are held in memory); 0: 4 x --batch-size (1 at batch size 1)");
  po.Register("num-threads", &num_threads, "Threads for the forward pass (OpenBLAS and ours)");
  po.Register("max-errors", &max_errors,
              "Fail (and write nothing) if more than this many utterances fail; 0: fail if any");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  const std::string model_path = po.GetArg(1), wav_rspecifier = po.GetArg(2),
                    feats_wspecifier = po.GetArg(3);
  wave_opts.Validate();
  feat_opts.Validate();
  batch_opts.Validate();
  if (num_threads < 1) VOX_ERR << "--num-threads=" << num_threads << " must be at least 1";
  if (read_ahead < 0) VOX_ERR << "--read-ahead=" << read_ahead << " < 0";
  if (read_ahead == 0) read_ahead = batch_opts.batch_size == 1 ? 1 : 4 * batch_opts.batch_size;
  const bool stack = feat_opts.layers_layout == "stack";
  if (stack && ClassifyWspecifier(feats_wspecifier) != TableType::kH5)
    VOX_ERR << "--layers-layout=stack writes an L x frames x dim array per utterance, which "
            << "needs an h5: wspecifier (got " << feats_wspecifier << ")";
  SetNumThreads(num_threads);

  const std::unique_ptr<SslModel> model = ReadSslModelFile(model_path);
  const float model_rate = static_cast<float>(model->config().sample_rate);
  if (wave_opts.sample_rate > 0 && wave_opts.sample_rate != model_rate)
    VOX_ERR << "--sample-rate=" << wave_opts.sample_rate << " but the model expects "
            << model_rate << " Hz";
  const SslFeatureExtractor extractor(*model, feat_opts);
  const std::vector<std::string> &names = extractor.OutputNames();
  VOX_LOG << model_path << ": " << model->config().ToString() << "; writing "
          << (stack ? std::to_string(names.size()) + " x " : "") << extractor.Dim()
          << "-dim features"
          << (feat_opts.layers_layout == "keys" ? " under " + std::to_string(names.size()) +
                                                      " keys per utterance"
                                                : "");
  if (extractor.WindowFrames() > 0)
    VOX_LOG << "windows of " << extractor.WindowFrames() << " frames every "
            << extractor.ShiftFrames() << " frames";
  VOX_VLOG(1) << feat_opts.ToString() << " " << batch_opts.ToString() << " --read-ahead="
              << read_ahead << " " << wave_opts.ToString();

  WaveReader reader(wav_rspecifier, wave_opts, ResampleSoxr);
  TableWriter<FloatMatrixHolder> writer;
  TableWriter<LayerStackHolder> stack_writer;
  if (stack) {
    stack_writer.Open(feats_wspecifier);
  } else {
    writer.Open(feats_wspecifier);
  }
  // With windows, progress counts them (a long recording is many windows, one utterance).
  const bool windowed = extractor.WindowFrames() > 0;
  ProgressReporter progress(windowed ? "windows" : "utterances", windowed ? 0 : reader.NumItems());
  int64_t num_done = 0, num_errors = 0;
  double total_s = 0;
  std::string key, error;
  WaveData wave;
  bool more = true;
  while (more) {
    // A group of up to read_ahead utterances; those that cannot be computed keep their slot
    // (and their message) so that the output stays in input order.
    std::vector<std::string> keys, reasons;
    std::vector<std::vector<float>> waves;
    std::vector<double> durations;
    while (static_cast<int64_t>(keys.size()) < read_ahead &&
           (more = reader.Next(&key, &wave, &error))) {
      keys.push_back(key);
      reasons.push_back(error);
      waves.emplace_back();
      durations.push_back(error.empty() ? wave.Duration() : 0.0);
      if (!error.empty()) continue;
      try {
        if (wave.SampFreq() != model_rate)
          VOX_ERR << "audio at " << wave.SampFreq() << " Hz; the model expects " << model_rate
                  << " Hz (add --sample-rate=" << model_rate << " to resample)";
        // WaveData holds the int16 scale; the models were trained on [-1, 1].
        std::vector<float> &s = waves.back();
        s.assign(wave.Data().Row(0), wave.Data().Row(0) + wave.Data().NumCols());
        for (float &x : s) x /= 32768.0f;
        extractor.CheckInput(s.data(), static_cast<int64_t>(s.size()));
      } catch (const Error &e) {
        reasons.back() = "utterance " + key + ": " + e.reason();
        waves.back().clear();
      }
    }
    std::vector<int64_t> index;  // into the group, of the utterances to compute
    std::vector<std::vector<float>> todo;
    for (size_t i = 0; i < keys.size(); i++) {
      if (!reasons[i].empty()) continue;
      index.push_back(static_cast<int64_t>(i));
      todo.push_back(std::move(waves[i]));
    }
    std::vector<std::vector<Matrix<float>>> feats;
    std::vector<std::string> compute_errors;
    extractor.Compute(todo, batch_opts, &feats, &compute_errors, [&](int64_t n) {
      if (windowed) progress.Tick(n);
    });
    todo.clear();
    std::vector<std::vector<Matrix<float>>> group_feats(keys.size());
    for (size_t j = 0; j < index.size(); j++) {
      if (!compute_errors[j].empty())
        reasons[index[j]] = "utterance " + keys[index[j]] + ": " + compute_errors[j];
      group_feats[index[j]] = std::move(feats[j]);
    }
    for (size_t i = 0; i < keys.size(); i++) {
      if (!windowed) progress.Tick();
      if (!reasons[i].empty()) {
        VOX_WARN << reasons[i];
        num_errors++;
        continue;
      }
      std::vector<Matrix<float>> &m = group_feats[i];
      if (stack) {
        LayerStack s;
        s.shape = {static_cast<int64_t>(m.size()), m[0].NumRows(), m[0].NumCols()};
        for (size_t o = 0; o < m.size(); o++) {
          s.data.insert(s.data.end(), m[o].Row(0), m[o].Row(0) + m[o].NumRows() * m[o].NumCols());
          s.layers += (o ? "," : "") + names[o];
          m[o] = Matrix<float>();  // its copy is in s
        }
        stack_writer.Write(keys[i], s);
      } else if (feat_opts.layers_layout == "keys") {
        for (size_t o = 0; o < m.size(); o++) writer.Write(keys[i] + "-" + names[o], m[o]);
      } else {
        writer.Write(keys[i], m[0]);
      }
      m.clear();
      total_s += durations[i];
      num_done++;
    }
  }
  progress.Finish();
  VOX_LOG << "Done " << num_done << ", errors " << num_errors << " (" << total_s << " s of audio)";
  CheckItemErrors(num_done, num_errors, max_errors);
  if (stack) {
    stack_writer.Close();
  } else {
    writer.Close();
  }
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }
