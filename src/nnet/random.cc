// src/nnet/random.cc
#include "nnet/random.h"

#include <cmath>
#include <sstream>

#include "base/log.h"

namespace voxtools {

float RandomGenerator::Uniform() {
  return static_cast<float>(engine_() >> 40) * (1.0f / 16777216.0f);
}

float RandomGenerator::Normal() {
  // 1 - u keeps the log's argument in (0, 1].
  double u1 = 1.0 - static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0);
  double u2 = static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0);
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
}

void RandomGenerator::FillUniform(float low, float high, Tensor *t) {
  float *d = t->Data();
  for (int64_t i = 0; i < t->NumElements(); i++) d[i] = low + (high - low) * Uniform();
}

void RandomGenerator::FillNormal(float mean, float stddev, Tensor *t) {
  float *d = t->Data();
  for (int64_t i = 0; i < t->NumElements(); i++) d[i] = mean + stddev * Normal();
}

std::string RandomGenerator::State() const {
  std::ostringstream os;
  os << engine_;
  return os.str();
}

void RandomGenerator::SetState(const std::string &state) {
  std::istringstream is(state);
  std::mt19937_64 e;
  is >> e;
  if (is.fail()) VOX_ERR << "malformed random generator state (" << state.size() << " bytes)";
  engine_ = e;
}

}  // namespace voxtools
