// src/bin/extract-embeddings.cc
// Speaker/language embeddings of a table of utterances with a trained network.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/text-utils.h"
#include "base/tool-main.h"
#include "feat/fbank.h"
#include "feat/resample.h"
#include "io/kaldi-stream.h"
#include "io/table.h"
#include "io/wave-reader.h"
#include "matrix/thread-pool.h"
#include "nnet/embedding-extractor.h"
#include "nnet/model-file.h"
#include "nnet/ssl-xvector.h"
#include "nnet/trained-model.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Extract one embedding per utterance with a trained network (train-nnet's model file,\n"
    "or any x-vector/ECAPA/ResNet model file): features mean-normalised, then the whole\n"
    "utterance in one pass, or --chunk-size frames at a time with the chunks averaged.\n"
    "Input is a feature table (--input=feats, default) or audio (--input=wav: fbank with\n"
    "the --fbank.* options, which must match training). With --spk2utt, also writes each\n"
    "speaker's mean embedding to --spk-wspecifier. --group-utts=N runs equal-length inputs of\n"
    "N utterances at a time in shared batches (fixed-length segments; same results).\n"
    "An x-vector model on a WavLM/wav2vec 2.0 encoder (nnet-import-ssl of a transformers\n"
    "WavLMForXVector, e.g. microsoft/wavlm-base-plus-sv) takes the waveform itself: it needs\n"
    "--input=wav, each utterance runs whole (no --chunk-size; --cmn and --fbank.* do not\n"
    "apply), normalised first if the model's config says so, and the audio must be at the\n"
    "model's rate (16 kHz) unless --sample-rate asks for resampling. Utterances of equal\n"
    "length among --group-utts share a pass; others run one per pass (as transformers does\n"
    "for one utterance). Compare its embeddings by cosine (score-cosine).\n"
    "\n"
    "Usage: extract-embeddings [options] <model.h5> <feats-or-wav-rspecifier> <emb-wspecifier>\n"
    "e.g.: extract-embeddings exp/ecapa/final.h5 scp:data/test/feats.scp ark,scp:emb.ark,emb.scp\n"
    "      extract-embeddings --input=wav --fbank.num-mel-bins=80 --chunk-size=300 \\\n"
    "        --spk2utt=data/enrol/spk2utt --spk-wspecifier=h5:spk.h5 final.h5 scp:wav.scp h5:utt.h5\n"
    "      extract-embeddings --input=wav exp/wavlm-sv.h5 scp:wav.scp ark:emb.ark\n"
    "See also: train-nnet, score-cosine, train-plda, ivector-mean\n";

// spk2utt lines "spk utt1 utt2 ...".
std::vector<std::pair<std::string, std::vector<std::string>>> ReadSpk2Utt(const std::string &f) {
  Input in(f);
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  std::string line;
  for (int64_t n = 1; std::getline(in.Stream(), line); n++) {
    std::vector<std::string> fields = SplitString(line, " \t\r", true);
    if (fields.empty()) continue;
    if (fields.size() < 2) VOX_ERR << f << " line " << n << ": a speaker without utterances";
    out.emplace_back(fields[0], std::vector<std::string>(fields.begin() + 1, fields.end()));
  }
  return out;
}

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  EmbeddingExtractOptions opts;
  FbankOptions fbank_opts;
  ThreadOptions threads;
  std::string input = "feats", spk2utt, spk_wspecifier;
  int32_t max_errors = 0, group_utts = 1;
  float sample_rate = 0.0f;
  opts.Register(&po);
  threads.Register(&po);
  PrefixOptions fbank_prefix("fbank", &po);
  fbank_opts.Register(&fbank_prefix);
  po.Register("input", &input, "feats (a feature table) or wav (audio; fbank on the fly)");
  po.Register("sample-rate", &sample_rate,
              "Waveform (SSL x-vector) models: resample the audio to this rate in Hz (libsoxr), "
              "which must be the model's; 0: audio must already be at the model's rate. "
              "Fbank models resample to --fbank.sample-frequency instead");
  po.Register("spk2utt", &spk2utt, "Also average the embeddings of each speaker's utterances");
  po.Register("spk-wspecifier", &spk_wspecifier, "Where --spk2utt's speaker embeddings go");
  po.Register("group-utts", &group_utts,
              "Utterances gathered before extracting: forward inputs of equal length among "
              "them (fixed-length segments) share a pass of up to --batch-size; the same "
              "embeddings up to float rounding (1: one utterance at a time)");
  po.Register("max-errors", &max_errors,
              "Fail (and write nothing) if more than this many utterances fail; 0: fail if any");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  const std::string model_file = po.GetArg(1), rspecifier = po.GetArg(2),
                    wspecifier = po.GetArg(3);
  opts.Validate();
  if (group_utts < 1) VOX_ERR << "--group-utts=" << group_utts << " must be >= 1";
  threads.Apply();
  if (input != "feats" && input != "wav") VOX_ERR << "--input=" << input << ": feats or wav";
  if (spk2utt.empty() != spk_wspecifier.empty())
    VOX_ERR << "--spk2utt and --spk-wspecifier go together";
  VOX_VLOG(1) << opts.ToString();

  if (!(sample_rate >= 0)) VOX_ERR << "--sample-rate=" << sample_rate << " must be >= 0";

  // Waveform models (ssl-xvector.h) and feature models (embedding-model.h).
  std::shared_ptr<EmbeddingModel> model;
  std::unique_ptr<SslXvectorModel> wave_model;
  if (IsSslXvectorConfig(ReadModelConfig(model_file))) {
    if (input != "wav")
      VOX_ERR << model_file << " is an x-vector model on an SSL encoder, which takes audio: "
              << "use --input=wav";
    if (opts.chunk_frames != 0)
      VOX_ERR << "--chunk-size=" << opts.chunk_frames << ": " << model_file
              << " runs whole utterances only";
    wave_model = ReadSslXvectorModelFile(model_file);
    const float model_rate = static_cast<float>(wave_model->ssl_config().sample_rate);
    if (sample_rate > 0 && sample_rate != model_rate)
      VOX_ERR << "--sample-rate=" << sample_rate << " but " << model_file << " expects "
              << model_rate << " Hz";
    VOX_LOG << model_file << ": " << wave_model->Describe();
  } else {
    if (sample_rate > 0)
      VOX_ERR << "--sample-rate applies to waveform models; " << model_file
              << " takes fbank features (see --fbank.sample-frequency)";
    model = LoadEmbeddingModel(model_file);
    model->Eval();
  }
  TableWriter<FloatVectorHolder> writer(wspecifier);
  std::map<std::string, Vector<float>> kept;  // for --spk2utt
  int64_t num_done = 0, num_errors = 0;
  // Utterances waiting for extraction (--group-utts), in input order.
  std::vector<std::pair<std::string, Matrix<float>>> pending;
  auto flush = [&]() {
    if (pending.empty()) return;
    std::vector<const Matrix<float> *> feats;
    for (const auto &p : pending) feats.push_back(&p.second);
    std::vector<std::string> errors;
    std::vector<Vector<float>> embeddings;
    try {
      embeddings = wave_model
                       ? ExtractSslXvectors(*wave_model, feats, opts.batch_size, &errors)
                       : ExtractEmbeddings(model.get(), feats, opts, &errors);
    } catch (const Error &err) {  // the network failed: every utterance of the group fails
      errors.assign(pending.size(), err.reason());
    }
    for (size_t i = 0; i < pending.size(); i++) {
      try {
        if (!errors[i].empty()) VOX_ERR << errors[i];
        writer.Write(pending[i].first, embeddings[i]);
        if (!spk2utt.empty()) kept[pending[i].first] = embeddings[i];
        num_done++;
      } catch (const Error &err) {
        VOX_WARN << "utterance " << pending[i].first << ": " << err.reason();
        num_errors++;
      }
    }
    pending.clear();
  };
  // feats: a feature matrix, or for a waveform model the samples (1 x N).
  auto process = [&](const std::string &key, const Matrix<float> &feats) {
    pending.emplace_back(key, feats);
    if (static_cast<int32_t>(pending.size()) >= group_utts) flush();
  };
  if (input == "feats") {
    SequentialTableReader<FloatMatrixHolder> reader(rspecifier);
    for (; !reader.Done(); reader.Next()) process(reader.Key(), reader.Value());
  } else {
    WaveReaderOptions wave_opts;
    std::unique_ptr<FbankComputer> computer;
    if (wave_model) {
      wave_opts.sample_rate = sample_rate;
    } else {
      fbank_opts.Validate();
      wave_opts.sample_rate = fbank_opts.frame.samp_freq;
      computer = std::make_unique<FbankComputer>(fbank_opts);
    }
    WaveReader reader(rspecifier, wave_opts, ResampleSoxr);
    std::string key, error;
    WaveData wave;
    while (reader.Next(&key, &wave, &error)) {
      if (!error.empty()) {
        VOX_WARN << error;
        num_errors++;
        continue;
      }
      if (wave_model) {
        const float model_rate = static_cast<float>(wave_model->ssl_config().sample_rate);
        if (wave.SampFreq() != model_rate) {
          VOX_WARN << "utterance " << key << ": audio at " << wave.SampFreq()
                   << " Hz; the model expects " << model_rate << " Hz (add --sample-rate="
                   << model_rate << " to resample)";
          num_errors++;
          continue;
        }
        // WaveData holds the int16 scale; the SSL models were trained on [-1, 1].
        Matrix<float> samples(1, wave.Data().NumCols());
        for (int64_t j = 0; j < samples.NumCols(); j++) samples(0, j) = wave.Data()(0, j) / 32768.0f;
        process(key, samples);
        continue;
      }
      Matrix<float> feats;
      ComputeFeatures(computer.get(), wave.Data().Row(0), wave.Data().NumCols(), wave.SampFreq(),
                      1.0f, DitherSeed(fbank_opts.frame.seed, key), &feats);
      process(key, feats);
    }
  }
  flush();
  VOX_LOG << "Done " << num_done << ", errors " << num_errors;
  CheckItemErrors(num_done, num_errors, max_errors);
  if (!spk2utt.empty()) {
    // The mean of the raw embeddings, as Kaldi's ivector-mean (length-normalise afterwards).
    TableWriter<FloatVectorHolder> spk_writer(spk_wspecifier);
    int64_t num_spk = 0;
    for (const auto &entry : ReadSpk2Utt(spk2utt)) {
      Vector<double> sum;
      int64_t n = 0;
      for (const std::string &utt : entry.second) {
        auto it = kept.find(utt);
        if (it == kept.end()) continue;
        if (n == 0) sum.Resize(it->second.Dim());
        for (int64_t j = 0; j < sum.Dim(); j++) sum(j) += it->second(j);
        n++;
      }
      if (n == 0) {
        VOX_WARN << "speaker " << entry.first << ": none of its utterances has an embedding";
        continue;
      }
      Vector<float> mean(sum.Dim());
      for (int64_t j = 0; j < sum.Dim(); j++) mean(j) = static_cast<float>(sum(j) / n);
      spk_writer.Write(entry.first, mean);
      num_spk++;
    }
    VOX_LOG << "wrote " << num_spk << " speaker embeddings";
    spk_writer.Close();
  }
  writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }
