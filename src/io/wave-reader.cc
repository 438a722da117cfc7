// src/io/wave-reader.cc
#include "io/wave-reader.h"

#include <cmath>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/text-utils.h"
#include "io/h5-file.h"
#include "io/holders.h"
#include "io/kaldi-stream.h"
#include "io/table-spec.h"
#include "io/table.h"
#include "io/wave-h5.h"

namespace voxtools {

namespace {

// A segment end past the recording by less than this is clipped to the recording's end
// (rounding in whoever wrote the segments); more means the segment belongs elsewhere.
constexpr double kMaxOvershootS = 0.1;
// Segments line without a channel field.
constexpr int32_t kNoChannel = -100;

struct Segment {
  std::string key, recording;
  double start_s = 0, end_s = -1;  // end -1: to the end of the recording
  int32_t channel = kNoChannel;
};

// Error::what() carries "ERROR (tool:Function():file.cc:12) "; a per-key message shown in a
// WARNING needs only the reason.
std::vector<Segment> ReadSegments(const std::string &rxfilename) {
  std::vector<Segment> segments;
  Input input(rxfilename);
  std::string line;
  int64_t line_number = 0;
  while (std::getline(input.Stream(), line)) {
    line_number++;
    std::vector<std::string> fields = SplitString(line, " \t\r", true);
    Segment seg;
    bool ok = (fields.size() == 4 || fields.size() == 5) && ConvertToDouble(fields[2], &seg.start_s) &&
              ConvertToDouble(fields[3], &seg.end_s) && std::isfinite(seg.start_s) &&
              std::isfinite(seg.end_s) && seg.start_s >= 0 &&
              (seg.end_s == -1 || seg.end_s > seg.start_s) &&
              (fields.size() == 4 || (ConvertToInt32(fields[4], &seg.channel) && seg.channel >= 0));
    if (!ok)
      VOX_ERR << "Bad line " << line_number << " in segments file "
              << PrintableRxfilename(rxfilename) << ": '" << line
              << "' (expected: <segment-id> <recording-id> <start-s> <end-s or -1> [<channel>], "
              << "0 <= start < end)";
    seg.key = fields[0];
    seg.recording = fields[1];
    segments.push_back(std::move(seg));
  }
  input.Close();
  return segments;
}

}  // namespace

void WaveReaderOptions::Register(OptionsItf *opts) {
  opts->Register("segments", &segments,
                 "Kaldi segments file (<utt> <recording> <start-s> <end-s> [<channel>]); if "
                 "given, the output keys are the segments, cut from the recordings the wav "
                 "rspecifier holds");
  opts->Register("channel", &channel,
                 "Channel to use: -1 = mono as is, channel 0 of multi-channel audio with a "
                 "warning; N = channel N (error for audio with fewer channels); -2 = keep every "
                 "channel");
  opts->Register("sample-rate", &sample_rate,
                 "Output audio at this rate in Hz (0 = each input at its own rate). Input at "
                 "another rate is resampled (libsoxr, very high quality) by tools that "
                 "resample (their usage says so); in other tools it is an error for that key "
                 "naming the expected and found rates");
}

void WaveReaderOptions::Validate() const {
  if (channel < -2)
    VOX_ERR << "--channel=" << channel << " is invalid: use -2 (all), -1 (default) or >= 0";
  if (!(sample_rate >= 0) || !std::isfinite(sample_rate))
    VOX_ERR << "--sample-rate=" << sample_rate << " is invalid: use 0 (any) or a rate in Hz";
}

std::string WaveReaderOptions::ToString() const {
  std::ostringstream os;
  os << "WaveReaderOptions: segments='" << segments << "' channel=" << channel
     << " sample-rate=" << sample_rate;
  return os.str();
}

struct WaveReader::Impl {
  WaveReaderOptions opts;
  WaveResampler resampler;
  std::string rspecifier;
  Rspecifier spec;

  // scp: entries in order, and an index by key for segments.
  std::vector<ScpEntry> scp;
  std::unordered_map<std::string, size_t> scp_index;
  Input input;  // reused: consecutive "archive:offset" entries keep one open file
  // h5: the file, its dataset keys, and the root's sample_rate (0 if none).
  std::unique_ptr<H5File> h5;
  std::vector<std::string> h5_keys;
  double h5_rate = 0;
  // ark: a sequential reader, or a random-access one for segments.
  std::unique_ptr<SequentialTableReader<WaveHolder>> sequential;
  std::unique_ptr<RandomAccessTableReader<WaveHolder>> random;
  bool sequential_started = false;

  bool use_segments = false;
  std::vector<Segment> segments;
  size_t pos = 0;  // next scp entry or segment

  // The recording the current run of segments is cut from.
  std::string recording_key;
  bool recording_loaded = false;
  WaveData recording;
  std::string recording_error;

  // Reads one scp entry; on failure fills *error (naming the key) instead of throwing.
  void ReadScpEntry(const ScpEntry &entry, WaveData *wave, std::string *error) {
    try {
      if (!entry.range.empty())
        VOX_ERR << "an scp range [" << entry.range << "] does not apply to audio";
      input.Open(entry.rxfilename);
      wave->Read(input.Stream());
      // A command's exit status is known only when it is closed; a plain file stays open
      // for the next entry.
      if (ClassifyRxfilename(entry.rxfilename) == InputType::kPipe) input.Close();
    } catch (const Error &e) {
      *error = entry.key + ": cannot read audio from '" + entry.rxfilename + "': " + e.reason();
      *wave = WaveData();
      try {
        input.Close();
      } catch (const Error &) {
        // The read error above is the one to report.
      }
    }
  }

  // Reads dataset `key` of the h5 input; on failure fills *error (naming the key).
  void ReadH5Entry(const std::string &key, WaveData *wave, std::string *error) {
    try {
      *wave = ReadH5Wave(*h5, key, h5_rate);
    } catch (const Error &e) {
      *error = key + ": cannot read audio from dataset " + key + " of " + h5->Path() + ": " +
               e.reason();
      *wave = WaveData();
    }
  }

  // Loads `key` as the current recording (segments mode), unless it already is.
  void LoadRecording(const std::string &key) {
    if (recording_loaded && recording_key == key) return;
    if (recording_loaded) {
      VOX_VLOG(1) << "Reading recording " << key << " again (segments file not sorted by "
                  << "recording?)";
    }
    recording_key = key;
    recording_loaded = true;
    recording = WaveData();
    recording_error.clear();
    if (spec.type == TableType::kScript) {
      auto it = scp_index.find(key);
      if (it == scp_index.end()) {
        recording_error = "recording " + key + " is not in " + rspecifier;
        return;
      }
      ReadScpEntry(scp[it->second], &recording, &recording_error);
      return;
    }
    if (spec.type == TableType::kH5) {
      if (!h5->HasDataset(key)) {
        recording_error = "recording " + key + " is not in " + rspecifier;
        return;
      }
      ReadH5Entry(key, &recording, &recording_error);
      return;
    }
    try {
      if (!random->HasKey(key)) {
        recording_error = "recording " + key + " is not in " + rspecifier;
        return;
      }
      recording = random->Value(key);
    } catch (const Error &e) {
      recording_error = "recording " + key + ": " + e.reason();
    }
  }

  // LoadRecording and the rate conversion of the whole recording, once per run of segments.
  void LoadAndConvertRecording(const std::string &key) {
    if (recording_loaded && recording_key == key) return;
    LoadRecording(key);
    if (recording_error.empty()) ConvertRate("recording " + key, &recording, &recording_error);
  }

  // Brings *wave to --sample-rate (resampling, or a per-key error if this reader has no
  // resampler). False (with *error naming `key`) on failure.
  bool ConvertRate(const std::string &key, WaveData *wave, std::string *error) const {
    const float rate = wave->SampFreq();
    if (opts.sample_rate <= 0 || rate == opts.sample_rate) return true;
    std::ostringstream msg;
    msg << key << ": sample rate is " << rate << " Hz, expected " << opts.sample_rate << " Hz";
    if (!resampler) {
      msg << " (this tool does not resample: use --sample-rate=0 to accept any rate, or "
          << "resample first, e.g. with sox or wav-to-h5 --sample-rate=" << opts.sample_rate
          << ")";
      *error = msg.str();
      *wave = WaveData();
      return false;
    }
    try {
      Matrix<float> out;
      resampler(wave->Data(), rate, opts.sample_rate, &out);
      *wave = WaveData(opts.sample_rate, out);
    } catch (const Error &e) {
      msg << "; resampling failed: " << e.reason();
      *error = msg.str();
      *wave = WaveData();
      return false;
    }
    return true;
  }

  // Picks the channel(s) from `in` (a whole recording or a cut) and brings them to
  // --sample-rate, moving the result to *out. `channel` is the option's value or a segments
  // line's. The channel comes first so that only the kept channels are resampled.
  bool Finish(const std::string &key, int32_t channel, WaveData *in, WaveData *out,
              std::string *error) const {
    int32_t num_channels = in->NumChannels();
    if (channel == -1 && num_channels > 1) {
      VOX_WARN << key << ": channel not specified but the audio has " << num_channels
               << " channels; using channel 0";
      channel = 0;
    }
    if (channel >= num_channels) {
      *error = key + ": channel " + std::to_string(channel) + " requested but the audio has " +
               std::to_string(num_channels) + " channel(s)";
      return false;
    }
    if (channel < 0 || num_channels == 1) {
      *out = std::move(*in);
    } else {
      const Matrix<float> &m = in->Data();
      *out = WaveData(in->SampFreq(), m.Range(channel, 1, 0, m.NumCols()));
    }
    return ConvertRate(key, out, error);
  }

  // Cuts segment `seg` out of the current recording into *out.
  bool Cut(const Segment &seg, WaveData *out, std::string *error) {
    const Matrix<float> &m = recording.Data();
    const double rate = recording.SampFreq();
    const int64_t num_samples = m.NumCols();
    // Truncation, as Kaldi's extract-segments converts times to samples.
    int64_t begin = static_cast<int64_t>(seg.start_s * rate);
    int64_t end = seg.end_s == -1 ? num_samples : static_cast<int64_t>(seg.end_s * rate);
    std::ostringstream msg;
    msg << seg.key << ": segment " << seg.start_s << "-" << seg.end_s << " s of recording "
        << seg.recording << " (" << num_samples / rate << " s)";
    if (begin >= num_samples) {
      msg << " starts at or after the end of the recording";
      *error = msg.str();
      return false;
    }
    if (end > num_samples) {
      if (end - num_samples > static_cast<int64_t>(kMaxOvershootS * rate)) {
        msg << " ends more than " << kMaxOvershootS << " s after the recording";
        *error = msg.str();
        return false;
      }
      end = num_samples;
    }
    if (begin >= end) {
      msg << " holds no samples";
      *error = msg.str();
      return false;
    }
    *out = WaveData(recording.SampFreq(), m.Range(0, m.NumRows(), begin, end - begin));
    return true;
  }
};

WaveReader::WaveReader(const std::string &wav_rspecifier, const WaveReaderOptions &opts,
                       WaveResampler resampler)
    : impl_(new Impl) {
  opts.Validate();
  Impl &d = *impl_;
  d.opts = opts;
  d.resampler = std::move(resampler);
  d.rspecifier = wav_rspecifier;
  d.spec = ParseRspecifier(wav_rspecifier);
  d.use_segments = !opts.segments.empty();
  if (d.use_segments) d.segments = ReadSegments(opts.segments);
  if (d.spec.type == TableType::kScript) {
    d.scp = ReadScpFile(d.spec.filename);
    if (d.use_segments) {
      for (size_t i = 0; i < d.scp.size(); i++)
        if (!d.scp_index.emplace(d.scp[i].key, i).second)
          VOX_ERR << "Duplicate key " << d.scp[i].key << " in " << wav_rspecifier;
    }
  } else if (d.spec.type == TableType::kH5) {
    d.h5 = std::make_unique<H5File>(d.spec.filename, H5File::Mode::kRead);
    d.h5->GetAttribute("", "sample_rate", &d.h5_rate);
    if (!d.use_segments) d.h5_keys = d.h5->ListDatasets();
  } else if (d.use_segments) {
    d.random = std::make_unique<RandomAccessTableReader<WaveHolder>>(wav_rspecifier);
  } else {
    d.sequential = std::make_unique<SequentialTableReader<WaveHolder>>(wav_rspecifier);
  }
}

WaveReader::~WaveReader() = default;

int64_t WaveReader::NumItems() const {
  if (impl_->use_segments) return static_cast<int64_t>(impl_->segments.size());
  if (impl_->spec.type == TableType::kScript) return static_cast<int64_t>(impl_->scp.size());
  if (impl_->spec.type == TableType::kH5) return static_cast<int64_t>(impl_->h5_keys.size());
  return 0;
}

bool WaveReader::Next(std::string *key, WaveData *wave, std::string *error) {
  Impl &d = *impl_;
  error->clear();
  *wave = WaveData();
  WaveData whole;
  if (d.use_segments) {
    if (d.pos >= d.segments.size()) {
      d.recording = WaveData();
      return false;
    }
    const Segment &seg = d.segments[d.pos++];
    *key = seg.key;
    d.LoadAndConvertRecording(seg.recording);
    if (!d.recording_error.empty()) {
      *error = seg.key + ": " + d.recording_error;
      return true;
    }
    if (!d.Cut(seg, &whole, error)) return true;
    int32_t channel = seg.channel != kNoChannel ? seg.channel : d.opts.channel;
    d.Finish(seg.key, channel, &whole, wave, error);
    return true;
  }
  if (d.spec.type == TableType::kScript) {
    if (d.pos >= d.scp.size()) return false;
    const ScpEntry &entry = d.scp[d.pos++];
    *key = entry.key;
    d.ReadScpEntry(entry, &whole, error);
    if (error->empty()) d.Finish(entry.key, d.opts.channel, &whole, wave, error);
    return true;
  }
  if (d.spec.type == TableType::kH5) {
    if (d.pos >= d.h5_keys.size()) return false;
    *key = d.h5_keys[d.pos++];
    d.ReadH5Entry(*key, &whole, error);
    if (error->empty()) d.Finish(*key, d.opts.channel, &whole, wave, error);
    return true;
  }
  if (d.sequential_started) d.sequential->Next();
  d.sequential_started = true;
  if (d.sequential->Done()) return false;
  *key = d.sequential->Key();
  whole = std::move(d.sequential->Value());
  d.Finish(*key, d.opts.channel, &whole, wave, error);
  return true;
}

}  // namespace voxtools
