// src/bin/wav-to-h5.cc
// Packs audio (any wav rspecifier, optionally cut by segments) into one HDF5 file, one
// dataset per utterance, for training pipelines that read HDF5 (h5py, PyTorch).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/progress.h"
#include "base/tool-main.h"
#include "feat/resample.h"
#include "io/h5-file.h"
#include "io/kaldi-stream.h"
#include "io/wave-h5.h"
#include "io/wave-reader.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Write audio into an HDF5 file: one dataset per utterance key (a '/' in a key makes\n"
    "groups), with attribute sample_rate (Hz) on each dataset and, when every utterance has\n"
    "the same rate, on the root. --sample-rate=R resamples input at another rate to R Hz\n"
    "(libsoxr, very high quality) before writing, so the datasets and their sample_rate\n"
    "attributes are at R Hz. Channels: a dataset is [samples] for mono audio and\n"
    "[channels, samples] otherwise (all channels are kept unless --channel is given).\n"
    "  --format=int16:   the 16-bit samples themselves (non-16-bit input is rounded and\n"
    "                    clipped); what h5: tables (WaveHolder) and h5-to-wav read back.\n"
    "  --format=float32: samples / 32768, in [-1, 1), as torchaudio/soundfile give them;\n"
    "                    datasets carry attribute full_scale = 1.0 (int16: 32768), by\n"
    "                    which h5-to-wav and the tools reading h5: audio scale them back.\n"
    "The file is written under a temporary name and renamed when complete.\n"
    "\n"
    "Usage: wav-to-h5 [options] <wav-rspecifier> <h5-file>\n"
    "e.g.: wav-to-h5 scp:data/train/wav.scp data/train/wav.h5\n"
    "      wav-to-h5 --segments=data/dev/segments --compress=4 scp:data/dev/wav.scp dev.h5\n"
    "      wav-to-h5 --sample-rate=16000 scp:data/nb/wav.scp nb16k.h5  # 8 kHz -> 16 kHz\n"
    "See also: h5-to-wav, wav-to-duration, copy-feats\n";


struct WavToH5Options {
  std::string format = "int16";
  int32_t compress = 0;
  int64_t max_errors = 0;

  void Register(OptionsItf *opts) {
    opts->Register("format", &format,
                   "Sample type of the datasets: int16 (the 16-bit samples) or float32 "
                   "(samples / 32768, in [-1, 1))");
    opts->Register("compress", &compress,
                   "gzip level 0..9 for the datasets (0: none); speech shrinks by about a quarter");
    opts->Register("max-errors", &max_errors,
                   "Fail if more than this many utterances could not be read (0: any)");
  }
  void Validate() const {
    if (format != "int16" && format != "float32")
      VOX_ERR << "--format=" << format << " is invalid: use int16 or float32";
    if (compress < 0 || compress > 9) VOX_ERR << "--compress=" << compress << " is not in 0..9";
    if (max_errors < 0) VOX_ERR << "--max-errors=" << max_errors << " must be >= 0";
  }
  WaveSampleFormat Format() const {
    return format == "float32" ? WaveSampleFormat::kFloat32 : WaveSampleFormat::kInt16;
  }
  std::string ToString() const {
    return "WavToH5Options: format=" + format + " compress=" + std::to_string(compress) +
           " max-errors=" + std::to_string(max_errors);
  }
};

// Removes the temporary HDF5 file unless Keep() was called (an error unwound the tool).
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string &name) : name_(name) {}
  ~TemporaryFile() { if (!kept_) std::remove(name_.c_str()); }
  void Keep() { kept_ = true; }

 private:
  std::string name_;
  bool kept_ = false;
};

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  WaveReaderOptions wave_opts;
  wave_opts.channel = -2;  // keep every channel: this tool converts, it does not choose
  WavToH5Options opts;
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
  const std::string wav_rspecifier = po.GetArg(1), h5_filename = po.GetArg(2);
  if (ClassifyWxfilename(h5_filename) != OutputType::kFile)
    VOX_ERR << "The output must be a plain file name (HDF5 cannot be written to a pipe or "
            << "stdout), got '" << h5_filename << "'";

  WaveReader reader(wav_rspecifier, wave_opts, ResampleSoxr);
  const std::string tmp_name = TemporaryOutputName(h5_filename);
  TemporaryFile tmp_guard(tmp_name);
  H5File file(tmp_name, H5File::Mode::kTruncate);
  file.SetCompression(opts.compress);
  const WaveSampleFormat format = opts.Format();

  ProgressReporter progress("utterances", reader.NumItems());
  int64_t num_done = 0, num_err = 0;
  double first_rate = 0;
  bool same_rate = true;
  std::string key, error;
  WaveData wave;
  while (reader.Next(&key, &wave, &error)) {
    progress.Tick();
    if (!error.empty()) {
      VOX_WARN << error;
      num_err++;
      continue;
    }
    int64_t clipped = WriteH5Wave(&file, key, wave, format);
    if (clipped > 0)
      VOX_WARN << key << ": clipped " << clipped << " of " << wave.Data().NumElements()
               << " samples to the int16 range";
    if (num_done == 0) first_rate = wave.SampFreq();
    same_rate = same_rate && wave.SampFreq() == first_rate;
    num_done++;
  }
  progress.Finish();
  VOX_LOG << "Done " << num_done << ", errors " << num_err;
  if (num_err > opts.max_errors)
    VOX_ERR << num_err << " utterance(s) failed, more than --max-errors=" << opts.max_errors
            << "; nothing written to " << h5_filename;
  if (num_done == 0) VOX_ERR << "no audio read from " << wav_rspecifier << " (empty input?)";
  if (same_rate) {
    file.SetAttribute("", "sample_rate", first_rate);
  } else {
    VOX_WARN << "Utterances have different sample rates; no root sample_rate attribute";
  }
  file.SetAttribute("", "sample_format", opts.format);
  file.Close();
  if (std::rename(tmp_name.c_str(), h5_filename.c_str()) != 0)
    VOX_ERR << "Cannot rename " << tmp_name << " to " << h5_filename;
  tmp_guard.Keep();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }
