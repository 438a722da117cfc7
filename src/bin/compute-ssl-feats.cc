// src/bin/compute-ssl-feats.cc
// Per-utterance features from a wav2vec 2.0 / HuBERT / WavLM model file: the outputs of the
// chosen layers (nnet/ssl-model.h), one matrix (frames x dim) per utterance.
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/progress.h"
#include "base/tool-main.h"
#include "feat/resample.h"
#include "io/table.h"
#include "io/wave-reader.h"
#include "matrix/thread-pool.h"
#include "nnet/ssl-feature-extractor.h"
#include "nnet/ssl-weights.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute self-supervised features (wav2vec 2.0, HuBERT, WavLM) from audio: one matrix\n"
    "(frames x dim, 20 ms frames) per utterance from the chosen layer(s) of a model file made\n"
    "by nnet-import-ssl. Layers are numbered as the official code and s3prl do: 0 = encoder\n"
    "input after the positional conv, N = output of transformer layer N (no final LayerNorm);\n"
    "also cnn, proj and final (full pass, with the final LayerNorm of pre-norm models).\n"
    "Several layers (--layers=4,8,12 or all) are written side by side in one matrix\n"
    "(frames x L*dim, in the order given), or averaged with --mean. When the model's config\n"
    "says normalize, each utterance's waveform is normalised (zero mean, unit variance, eps\n"
    "1e-5) first. Audio must be at the model's rate (16 kHz) unless --sample-rate=16000 asks\n"
    "for resampling (libsoxr).\n"
    "\n"
    "Usage: compute-ssl-feats [options] <model.h5> <wav-rspecifier> <feats-wspecifier>\n"
    "e.g.: compute-ssl-feats --layer=6 exp/wavlm-base-plus.h5 scp:data/train/wav.scp ark,scp:f.ark,f.scp\n"
    "      compute-ssl-feats --layers=all --num-threads=4 wavlm.h5 scp:wav.scp h5:feats.h5\n"
    "See also: nnet-import-ssl, compute-fbank-feats, copy-feats\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  SslFeatureOptions feat_opts;
  WaveReaderOptions wave_opts;
  int32_t num_threads = 1;
  int64_t max_errors = 0;
  feat_opts.Register(&po);
  wave_opts.Register(&po);
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
  if (num_threads < 1) VOX_ERR << "--num-threads=" << num_threads << " must be at least 1";
  SetNumThreads(num_threads);

  const std::unique_ptr<SslModel> model = ReadSslModelFile(model_path);
  const float model_rate = static_cast<float>(model->config().sample_rate);
  if (wave_opts.sample_rate > 0 && wave_opts.sample_rate != model_rate)
    VOX_ERR << "--sample-rate=" << wave_opts.sample_rate << " but the model expects "
            << model_rate << " Hz";
  const SslFeatureExtractor extractor(*model, feat_opts);
  VOX_LOG << model_path << ": " << model->config().ToString() << "; writing " << extractor.Dim()
          << "-dim features";
  VOX_VLOG(1) << feat_opts.ToString() << " " << wave_opts.ToString();

  WaveReader reader(wav_rspecifier, wave_opts, ResampleSoxr);
  TableWriter<FloatMatrixHolder> writer(feats_wspecifier);
  ProgressReporter progress("utterances", reader.NumItems());
  int64_t num_done = 0, num_errors = 0;
  double total_s = 0;
  std::string key, error;
  WaveData wave;
  Matrix<float> feats;
  while (reader.Next(&key, &wave, &error)) {
    progress.Tick();
    try {
      if (!error.empty()) VOX_ERR << error;
      if (wave.SampFreq() != model_rate)
        VOX_ERR << "audio at " << wave.SampFreq() << " Hz; the model expects " << model_rate
                << " Hz (add --sample-rate=" << model_rate << " to resample)";
      // WaveData holds the int16 scale; the models were trained on [-1, 1].
      std::vector<float> samples(wave.Data().Row(0), wave.Data().Row(0) + wave.Data().NumCols());
      for (float &s : samples) s /= 32768.0f;
      extractor.Compute(samples.data(), static_cast<int64_t>(samples.size()), &feats);
    } catch (const Error &e) {
      VOX_WARN << (error.empty() ? "utterance " + key + ": " : "") << e.reason();
      num_errors++;
      continue;
    }
    writer.Write(key, feats);
    total_s += wave.Duration();
    num_done++;
  }
  progress.Finish();
  VOX_LOG << "Done " << num_done << ", errors " << num_errors << " (" << total_s << " s of audio)";
  CheckItemErrors(num_done, num_errors, max_errors);
  writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }
