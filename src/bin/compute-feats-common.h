// src/bin/compute-feats-common.h
// The one loop compute-fbank-feats and compute-mfcc-feats share (only the options struct and
// the computer differ), kept here rather than copied into both tools.
//
// Per item: read the audio (WaveReader: scp/ark/h5, --segments, --channel, and --sample-rate,
// which resamples with libsoxr), compute features (Kaldi's resampler if
// --allow-upsample/--allow-downsample and the rates differ), write them. A bad item is a
// WARNING naming the key, counted; the run fails (writing nothing) when the errors exceed
// --max-errors.
#ifndef VOXTOOLS_BIN_COMPUTE_FEATS_COMMON_H_
#define VOXTOOLS_BIN_COMPUTE_FEATS_COMMON_H_

#include <cmath>
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/progress.h"
#include "base/tool-main.h"
#include "bin/feat-tool-util.h"
#include "feat/feature-common.h"
#include "feat/resample.h"
#include "io/table.h"
#include "io/wave-reader.h"

namespace voxtools {

template <class Options, class Computer>
int RunComputeFeats(int argc, char *argv[], const char *usage) {
  ParseOptions po(usage);
  Options opts;
  WaveReaderOptions wave_opts;
  float vtln_warp = 1.0f, min_duration = 0.0f;
  bool subtract_mean = false;
  std::string utt2dur_wspecifier;
  int64_t max_errors = 0;
  opts.Register(&po);
  wave_opts.Register(&po);
  po.Register("vtln-warp", &vtln_warp, "Vtln warp factor (only applicable if vtln-map not specified)");
  po.Register("min-duration", &min_duration,
              "Minimum duration of segments to process (in seconds); shorter ones are errors.");
  po.Register("subtract-mean", &subtract_mean, "Subtract mean of each feature file [CMS]; not recommended to do it this way.");
  po.Register("write-utt2dur", &utt2dur_wspecifier,
              "Wspecifier to write duration of each utterance in seconds, e.g. 'ark,t:utt2dur'.");
  po.Register("max-errors", &max_errors,
              "Fail (and write nothing) if more than this many utterances fail; 0: fail if any");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::string wav_rspecifier = po.GetArg(1), feats_wspecifier = po.GetArg(2);
  wave_opts.Validate();
  // The reader brings every input to --sample-rate; the features are then computed at that
  // rate, so it must be the one --sample-frequency names.
  const float target_rate = wave_opts.sample_rate;
  if (target_rate > 0 && target_rate != opts.frame.samp_freq)
    VOX_ERR << "--sample-rate=" << target_rate << " differs from --sample-frequency="
            << opts.frame.samp_freq << "; features are computed at the rate audio is "
            << "resampled to, so give both the same value";
  Computer computer(opts);  // validates the options
  VOX_VLOG(1) << opts.ToString();

  WaveReader reader(wav_rspecifier, wave_opts, ResampleSoxr);
  TableWriter<FloatMatrixHolder> writer(feats_wspecifier);
  TableWriter<DoubleHolder> utt2dur_writer;
  if (!utt2dur_wspecifier.empty()) utt2dur_writer.Open(utt2dur_wspecifier);
  ProgressReporter progress("utterances", reader.NumItems());

  int64_t num_done = 0, num_errors = 0;
  std::string key, error;
  WaveData wave;
  Matrix<float> feats;
  while (reader.Next(&key, &wave, &error)) {
    progress.Tick();
    if (!error.empty()) {
      VOX_WARN << error;
      num_errors++;
      continue;
    }
    try {
      if (wave.Data().NumCols() == 0) VOX_ERR << "no audio samples";
      if (wave.Duration() < min_duration)
        VOX_ERR << wave.Duration() << " s is shorter than --min-duration=" << min_duration;
      ComputeFeatures(&computer, wave.Data().Row(0), wave.Data().NumCols(), wave.SampFreq(),
                      vtln_warp, DitherSeed(opts.frame.seed, key), &feats);
      if (feats.NumRows() == 0)
        VOX_ERR << wave.Duration() << " s is shorter than one frame ("
                << opts.frame.frame_length_ms << " ms)";
      if (subtract_mean) SubtractColumnMeans(&feats);
    } catch (const Error &e) {
      VOX_WARN << "utterance " << key << ": " << e.reason();
      num_errors++;
      continue;
    }
    writer.Write(key, feats);
    if (utt2dur_writer.IsOpen()) utt2dur_writer.Write(key, wave.Duration());
    num_done++;
  }
  progress.Finish();
  VOX_LOG << "Done " << num_done << ", errors " << num_errors;
  // Throwing makes the writers remove what they wrote: no partial output on failure.
  CheckItemErrors(num_done, num_errors, max_errors);
  writer.Close();
  if (utt2dur_writer.IsOpen()) utt2dur_writer.Close();
  return 0;
}

}  // namespace voxtools

#endif  // VOXTOOLS_BIN_COMPUTE_FEATS_COMMON_H_
