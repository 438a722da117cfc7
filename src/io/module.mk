# src/io: Kaldi objects and tables (ark/scp/pipes), HDF5 tables, audio (libsndfile).
io_DEPS := matrix base
io_LDLIBS := $(shell pkg-config --libs hdf5) -lsndfile
