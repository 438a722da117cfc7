// src/bin/wav-to-duration.cc
// Durations of audio in seconds (Kaldi's wav-to-duration), e.g. for utt2dur.
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/progress.h"
#include "base/tool-main.h"
#include "io/table.h"
#include "io/wave-reader.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Write the duration in seconds of each utterance (samples per channel / sample rate)\n"
    "as a table of floats: with ark,t: the lines are \"<key> <seconds> \" as Kaldi's.\n"
    "\n"
    "Usage: wav-to-duration [options] <wav-rspecifier> <duration-wspecifier>\n"
    "e.g.: wav-to-duration scp:data/train/wav.scp ark,t:data/train/utt2dur\n"
    "      wav-to-duration --segments=data/dev/segments scp:data/dev/wav.scp ark,t:-\n"
    "See also: wav-to-h5, feat-to-len\n";

struct WavToDurationOptions {
  bool read_entire_file = false;
  int64_t max_errors = 0;

  void Register(OptionsItf *opts) {
    opts->Register("read-entire-file", &read_entire_file,
                   "Accepted for Kaldi compatibility: the whole file is always read (so a "
                   "truncated file is always found)");
    opts->Register("max-errors", &max_errors,
                   "Fail if more than this many utterances could not be read (0: any)");
  }
  void Validate() const {
    if (max_errors < 0) VOX_ERR << "--max-errors=" << max_errors << " must be >= 0";
  }
  std::string ToString() const {
    return std::string("WavToDurationOptions: read-entire-file=") +
           (read_entire_file ? "true" : "false") + " max-errors=" + std::to_string(max_errors);
  }
};

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  WaveReaderOptions wave_opts;
  wave_opts.channel = -2;  // every channel has the same length: no need to choose one
  WavToDurationOptions opts;
  wave_opts.Register(&po);
  opts.Register(&po);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  wave_opts.Validate();
  opts.Validate();
  VOX_VLOG(1) << wave_opts.ToString();
  VOX_VLOG(1) << opts.ToString();
  const std::string wav_rspecifier = po.GetArg(1), duration_wspecifier = po.GetArg(2);

  WaveReader reader(wav_rspecifier, wave_opts);
  TableWriter<FloatHolder> writer(duration_wspecifier);
  ProgressReporter progress("utterances", reader.NumItems());
  int64_t num_done = 0, num_err = 0;
  double sum_duration = 0;
  std::string key, error;
  WaveData wave;
  while (reader.Next(&key, &wave, &error)) {
    progress.Tick();
    if (!error.empty()) {
      VOX_WARN << error;
      num_err++;
      continue;
    }
    // In float, as Kaldi computes it, so the printed digits agree.
    float duration = static_cast<float>(wave.Data().NumCols()) / wave.SampFreq();
    writer.Write(key, duration);
    sum_duration += duration;
    num_done++;
  }
  progress.Finish();
  VOX_LOG << "Done " << num_done << ", errors " << num_err << "; mean duration "
          << (num_done > 0 ? sum_duration / num_done : 0.0) << " s";
  if (num_err > opts.max_errors)
    VOX_ERR << num_err << " utterance(s) failed, more than --max-errors=" << opts.max_errors;
  writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }
