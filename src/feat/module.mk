# src/feat: the acoustic front-end (framing, fbank, MFCC, CMVN, energy VAD, resampling,
# augmentation: noise, reverberation, speed, gain).
# It computes on Matrix/Vector only; reading and writing archives and audio is the tools' job.
feat_DEPS := matrix base
# FFTW (float) for the frame FFTs, libsoxr for general-purpose resampling (--sample-rate).
feat_LDLIBS := -lfftw3f -lsoxr
