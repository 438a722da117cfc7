// src/cudamatrix/cuda-device.h
// Which CUDA devices this process can use. The tensor's device field and the CUDA kernels
// (a later issue) build on this; for now it lets tools and tests ask whether a GPU is there.
#ifndef VOXTOOLS_CUDAMATRIX_CUDA_DEVICE_H_
#define VOXTOOLS_CUDAMATRIX_CUDA_DEVICE_H_

#include <string>

namespace voxtools {

// Number of usable CUDA devices; 0 when there is no driver or no device (never throws).
int CudaDeviceCount();

// "NVIDIA H100 80GB HBM3, 79 GiB, compute 9.0" for device `index`. Throws Error if absent.
std::string CudaDeviceDescription(int index);

}  // namespace voxtools

#endif  // VOXTOOLS_CUDAMATRIX_CUDA_DEVICE_H_
