// src/base/timer.h
// Wall-clock timer on the monotonic clock.
#ifndef VOXTOOLS_BASE_TIMER_H_
#define VOXTOOLS_BASE_TIMER_H_

#include <chrono>

namespace voxtools {

class Timer {
 public:
  Timer() { Reset(); }
  void Reset() { start_ = std::chrono::steady_clock::now(); }
  // Seconds since construction or the last Reset().
  double Elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_BASE_TIMER_H_
