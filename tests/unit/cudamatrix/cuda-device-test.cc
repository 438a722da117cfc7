// tests/unit/cudamatrix/cuda-device-test.cc
// Runs only in a CUDA=1 build; without a device it is skipped, and says so.
#include "cudamatrix/cuda-device.h"

#include <gtest/gtest.h>

#include "base/log.h"

namespace voxtools {
namespace {

TEST(CudaDevice, DescribesEachDevice) {
  int n = CudaDeviceCount();
  if (n == 0) GTEST_SKIP() << "no CUDA device on this machine";
  for (int i = 0; i < n; i++) {
    std::string d = CudaDeviceDescription(i);
    EXPECT_NE(d.find("compute"), std::string::npos) << d;
  }
  EXPECT_THROW(CudaDeviceDescription(n), Error);
}

}  // namespace
}  // namespace voxtools
