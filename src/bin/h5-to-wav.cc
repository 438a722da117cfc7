// src/bin/h5-to-wav.cc
// Unpacks the audio datasets of an HDF5 file (from wav-to-h5, an h5: wave table, or h5py)
// into a wav table or into one .wav file per key.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/progress.h"
#include "base/tool-main.h"
#include "io/h5-file.h"
#include "io/holders.h"
#include "io/kaldi-stream.h"
#include "io/table.h"
#include "io/wave-h5.h"
#include "io/wave-reader.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Write the audio datasets of an HDF5 file as 16-bit PCM WAV: into a wav table, or with\n"
    "--out-dir as one <dir>/<key>.wav file per key (a '/' in a key makes subfolders) plus a\n"
    "wav.scp that lists them.\n"
    "A dataset is [samples] or [channels, samples]. int16 datasets hold the samples; float\n"
    "datasets are taken as [-1, 1) (times 32768) unless their attribute full_scale says\n"
    "otherwise (wav-to-h5 writes it). The rate is the dataset's attribute sample_rate, else\n"
    "the root's, else --sample-rate.\n"
    "\n"
    "Usage: h5-to-wav [options] <h5-file> <wav-wspecifier>\n"
    "  or:  h5-to-wav [options] --out-dir=<dir> <h5-file> <wav-scp-wxfilename>\n"
    "e.g.: h5-to-wav wav.h5 ark,scp:wavs.ark,wavs.scp\n"
    "      h5-to-wav --out-dir=wav wav.h5 wav.scp\n"
    "See also: wav-to-h5, wav-to-duration\n";

struct H5ToWavOptions {
  std::string out_dir;
  float sample_rate = 0.0f;
  int64_t max_errors = 0;

  void Register(OptionsItf *opts) {
    opts->Register("out-dir", &out_dir,
                   "Write <out-dir>/<key>.wav files and a wav.scp (second argument) listing "
                   "them, instead of a wav table");
    opts->Register("sample-rate", &sample_rate,
                   "Sample rate (Hz) for datasets with no sample_rate attribute on them or on "
                   "the root (0: such datasets are errors)");
    opts->Register("max-errors", &max_errors,
                   "Fail if more than this many datasets could not be converted (0: any)");
  }
  void Validate() const {
    if (!(sample_rate >= 0)) VOX_ERR << "--sample-rate=" << sample_rate << " must be >= 0";
    if (max_errors < 0) VOX_ERR << "--max-errors=" << max_errors << " must be >= 0";
  }
  std::string ToString() const {
    return "H5ToWavOptions: out-dir='" + out_dir + "' sample-rate=" + std::to_string(sample_rate) +
           " max-errors=" + std::to_string(max_errors);
  }
};

// Creates every folder on the way to `path` (a file name).
void MakeParentDirs(const std::string &path) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
      VOX_ERR << "Cannot create folder " << dir << ": " << std::strerror(errno);
  }
}

// The .wav files written so far in --out-dir mode; removed if the tool fails.
class WrittenFiles {
 public:
  ~WrittenFiles() {
    if (!kept_)
      for (const auto &f : files_) std::remove(f.c_str());
  }
  void Add(const std::string &f) { files_.push_back(f); }
  void Keep() { kept_ = true; }

 private:
  std::vector<std::string> files_;
  bool kept_ = false;
};

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  H5ToWavOptions opts;
  opts.Register(&po);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  opts.Validate();
  VOX_VLOG(1) << opts.ToString();
  const std::string h5_filename = po.GetArg(1), out = po.GetArg(2);

  H5File file(h5_filename, H5File::Mode::kRead);
  double default_rate = opts.sample_rate;
  file.GetAttribute("", "sample_rate", &default_rate);
  const std::vector<std::string> keys = file.ListDatasets();

  TableWriter<WaveHolder> writer;
  Output scp;
  WrittenFiles written;
  if (opts.out_dir.empty()) {
    writer.Open(out);
  } else {
    if (::mkdir(opts.out_dir.c_str(), 0777) != 0 && errno != EEXIST)
      VOX_ERR << "Cannot create --out-dir=" << opts.out_dir << ": " << std::strerror(errno);
    scp.Open(out);
  }

  ProgressReporter progress("utterances", static_cast<int64_t>(keys.size()));
  int64_t num_done = 0, num_err = 0;
  for (const std::string &key : keys) {
    progress.Tick();
    WaveData wave;
    try {
      wave = ReadH5Wave(file, key, default_rate);
    } catch (const Error &e) {
      VOX_WARN << "dataset " << key << " in " << h5_filename << ": " << e.what();
      num_err++;
      continue;
    }
    if (opts.out_dir.empty()) {
      writer.Write(key, wave);
    } else {
      const std::string path = opts.out_dir + "/" + key + ".wav";
      MakeParentDirs(path);
      Output wav(path);
      written.Add(path);
      wave.Write(wav.Stream());
      wav.Close();
      scp.Stream() << key << ' ' << path << '\n';
    }
    num_done++;
  }
  progress.Finish();
  VOX_LOG << "Done " << num_done << ", errors " << num_err;
  if (num_err > opts.max_errors)
    VOX_ERR << num_err << " dataset(s) failed, more than --max-errors=" << opts.max_errors;
  if (num_done == 0) VOX_ERR << "no audio datasets in " << h5_filename;
  if (opts.out_dir.empty()) {
    writer.Close();
  } else {
    scp.Close();
    written.Keep();
  }
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }
