// src/base/progress.cc
#include "base/progress.h"

#include <unistd.h>

#include <cstdio>

#include "base/log.h"

namespace voxtools {

std::string FormatDuration(double seconds) {
  if (seconds < 0) seconds = 0;
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  char buf[64];
  if (s >= 3600) std::snprintf(buf, sizeof(buf), "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
  else if (s >= 60) std::snprintf(buf, sizeof(buf), "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
  else std::snprintf(buf, sizeof(buf), "%llds", (long long)s);
  return buf;
}

ProgressReporter::ProgressReporter(const std::string &what, int64_t total, double log_every_s)
    : what_(what), total_(total), log_every_s_(log_every_s), is_tty_(isatty(STDERR_FILENO)) {}

ProgressReporter::~ProgressReporter() { Finish(); }

std::string ProgressReporter::Status() const {
  double elapsed = timer_.Elapsed();
  double rate = elapsed > 0 ? count_ / elapsed : 0.0;
  char buf[256];
  if (total_ > 0) {
    double eta = rate > 0 ? (total_ - count_) / rate : 0.0;
    std::snprintf(buf, sizeof(buf), "%lld/%lld %s, %.1f/s, ETA %s", (long long)count_,
                  (long long)total_, what_.c_str(), rate, FormatDuration(eta).c_str());
  } else {
    std::snprintf(buf, sizeof(buf), "%lld %s, %.1f/s, elapsed %s", (long long)count_,
                  what_.c_str(), rate, FormatDuration(elapsed).c_str());
  }
  return buf;
}

void ProgressReporter::Tick(int64_t n) {
  count_ += n;
  if (finished_) return;
  double now = timer_.Elapsed();
  double interval = is_tty_ ? 0.25 : log_every_s_;
  if (now - last_print_s_ < interval) return;
  last_print_s_ = now;
  if (is_tty_) {
    std::fprintf(stderr, "\r%s\033[K", Status().c_str());
    std::fflush(stderr);
  } else {
    VOX_LOG << Status();
  }
}

void ProgressReporter::Finish() {
  if (finished_) return;
  finished_ = true;
  if (is_tty_ && last_print_s_ > 0) std::fprintf(stderr, "\r\033[K");
}

}  // namespace voxtools
