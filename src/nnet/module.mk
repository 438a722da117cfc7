# src/nnet: autograd, operations (ops/), layers, models, losses, optimisers.
# Model files are HDF5 (io/h5-file.h), hence io.
nnet_DEPS := io matrix base
