// src/bin/compute-mfcc-feats.cc
// MFCC features from audio: Kaldi's compute-mfcc-feats, same options and
// defaults, same numbers (src/feat/mfcc.h).
#include "bin/compute-feats-common.h"
#include "feat/mfcc.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Create MFCC feature files (Kaldi's algorithm and options).\n"
    "\n"
    "Usage: compute-mfcc-feats [options...] <wav-rspecifier> <feats-wspecifier>\n"
    "e.g.: compute-mfcc-feats --config=conf/mfcc.conf scp:data/train/wav.scp \\\n"
    "        ark,scp:mfcc.ark,mfcc.scp\n"
    "      compute-mfcc-feats --sample-rate=16000 scp:wav.scp h5:mfcc.h5  # resample any rate\n"
    "Audio at another rate than --sample-frequency is an error unless --sample-rate (libsoxr)\n"
    "or --allow-upsample/--allow-downsample (Kaldi's resampler, for Kaldi-equal numbers) say\n"
    "how to resample it.\n"
    "See also: compute-fbank-feats, compute-vad, apply-cmvn-sliding, compute-cmvn-stats\n";

int Run(int argc, char *argv[]) {
  return RunComputeFeats<MfccOptions, MfccComputer>(argc, argv, kUsage);
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }
