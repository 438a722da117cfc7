// src/bin/compute-fbank-feats.cc
// Log mel filterbank features from audio: Kaldi's compute-fbank-feats, same options and
// defaults, same numbers (src/feat/fbank.h).
#include "bin/compute-feats-common.h"
#include "feat/fbank.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Create Mel-filter bank (FBANK) feature files (Kaldi's algorithm and options).\n"
    "\n"
    "Usage: compute-fbank-feats [options...] <wav-rspecifier> <feats-wspecifier>\n"
    "e.g.: compute-fbank-feats --dither=0 --num-mel-bins=80 scp:data/train/wav.scp \\\n"
    "        ark,scp:fbank.ark,fbank.scp\n"
    "      compute-fbank-feats --sample-rate=16000 scp:wav.scp h5:fbank.h5  # resample any rate\n"
    "Audio at another rate than --sample-frequency is an error unless --sample-rate (libsoxr)\n"
    "or --allow-upsample/--allow-downsample (Kaldi's resampler, for Kaldi-equal numbers) say\n"
    "how to resample it.\n"
    "See also: compute-mfcc-feats, compute-vad, apply-cmvn-sliding, compute-cmvn-stats\n";

int Run(int argc, char *argv[]) {
  return RunComputeFeats<FbankOptions, FbankComputer>(argc, argv, kUsage);
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }
