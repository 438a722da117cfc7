// src/nnet/random.h
// The engine's random numbers: an explicit generator object (never a hidden global), passed
// to whatever draws (initialisers, dropout, augmentation), and whose full state can be saved
// in a training checkpoint so that a resumed run draws the same numbers.
#ifndef VOXTOOLS_NNET_RANDOM_H_
#define VOXTOOLS_NNET_RANDOM_H_

#include <cstdint>
#include <random>
#include <string>

#include "matrix/tensor.h"

namespace voxtools {

class RandomGenerator {
 public:
  explicit RandomGenerator(uint64_t seed = 0) : engine_(seed) {}
  void Seed(uint64_t seed) { engine_.seed(seed); }

  // Uniform in [0, 1) with 24 random bits (exactly representable floats).
  float Uniform();
  // Standard normal (Box-Muller; deterministic given the state).
  float Normal();
  uint64_t Bits() { return engine_(); }

  // Fills t with U(low, high) / N(mean, stddev^2).
  void FillUniform(float low, float high, Tensor *t);
  void FillNormal(float mean, float stddev, Tensor *t);

  // The whole state as text (std::mt19937_64's stream format) and back; SetState throws
  // Error on a malformed string.
  std::string State() const;
  void SetState(const std::string &state);

 private:
  std::mt19937_64 engine_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_RANDOM_H_
