// src/base/progress.h
// Progress of a long job on stderr. On a terminal: one line redrawn in place with the count,
// the rate and (when the total is known) the ETA, at most a few times a second. Otherwise (a
// log file of a cluster job): a LOG line every `log_every_s` seconds, so logs stay short.
//
//   ProgressReporter progress("utterances", num_utts);  // total 0 = unknown
//   for (...) { ...; progress.Tick(); }
//   progress.Finish();
#ifndef VOXTOOLS_BASE_PROGRESS_H_
#define VOXTOOLS_BASE_PROGRESS_H_

#include <cstdint>
#include <string>

#include "base/timer.h"

namespace voxtools {

class ProgressReporter {
 public:
  ProgressReporter(const std::string &what, int64_t total, double log_every_s = 60.0);
  ~ProgressReporter();
  void Tick(int64_t n = 1);
  // Clears the terminal line; further Ticks print nothing.
  void Finish();
  int64_t Count() const { return count_; }

  // The status line, e.g. "1200/5000 utterances, 310.2/s, ETA 12s" (exposed for tests).
  std::string Status() const;

 private:
  std::string what_;
  int64_t total_;
  int64_t count_ = 0;
  double log_every_s_;
  double last_print_s_ = 0.0;
  bool is_tty_;
  bool finished_ = false;
  Timer timer_;
};

// "1h02m", "3m05s", "12s".
std::string FormatDuration(double seconds);

}  // namespace voxtools

#endif  // VOXTOOLS_BASE_PROGRESS_H_
