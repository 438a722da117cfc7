// src/cudamatrix/cuda-device.cc
#include "cudamatrix/cuda-device.h"

#include <cuda_runtime.h>

#include <cstdio>

#include "base/log.h"

namespace voxtools {

int CudaDeviceCount() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return count;
}

std::string CudaDeviceDescription(int index) {
  cudaDeviceProp prop;
  cudaError_t err = cudaGetDeviceProperties(&prop, index);
  if (err != cudaSuccess)
    VOX_ERR << "CUDA device " << index << ": " << cudaGetErrorString(err);
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%s, %.0f GiB, compute %d.%d", prop.name,
                prop.totalGlobalMem / double(1 << 30), prop.major, prop.minor);
  return buf;
}

}  // namespace voxtools
