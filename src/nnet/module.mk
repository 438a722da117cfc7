# src/nnet: autograd, operations (ops/), layers, models, losses, optimisers.
# Model files are HDF5 (io/h5-file.h), hence io; training data (train-data.h) augments and
# computes fbank on the fly, hence feat.
nnet_DEPS := feat io matrix base
