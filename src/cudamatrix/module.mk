# src/cudamatrix: the CUDA device (cuBLAS + kernels). Built only with `make CUDA=1`.
CUDA_HOME ?= /usr/local/cuda
cudamatrix_DEPS := base
cudamatrix_LDLIBS := -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcublas -lcudart
CPPFLAGS += -I$(CUDA_HOME)/include -DVOX_HAVE_CUDA
