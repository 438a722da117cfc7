// src/matrix/thread-pool.cc
#include "matrix/thread-pool.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "base/log.h"

namespace voxtools {
namespace {

// Workers sleep on `wake_` until a job with a newer generation arrives, run their chunk and
// report on `done_`. One job at a time (a ParallelFor from inside a job runs inline).
class ThreadPool {
 public:
  ~ThreadPool() { Resize(0); }

  void Resize(int num_workers) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      generation_++;
    }
    wake_.notify_all();
    for (auto &t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    // A worker starts from the generation current now, so a job posted before the thread
    // first runs is not missed.
    const uint64_t start = generation_;
    for (int i = 0; i < num_workers; i++)
      workers_.emplace_back([this, i, start] { Loop(i + 1, start); });
  }
  int NumWorkers() const { return static_cast<int>(workers_.size()); }

  // Runs fn(c) for c in [0, num_chunks) with chunk 0 on the caller.
  void Run(int num_chunks, const std::function<void(int)> &fn) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &fn;
      num_chunks_ = num_chunks;
      pending_ = num_chunks - 1;
      error_ = nullptr;
      generation_++;
    }
    wake_.notify_all();
    RunChunk(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void Loop(int index, uint64_t seen) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
        if (index >= num_chunks_) continue;
      }
      RunChunk(index);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }
  void RunChunk(int c) {
    t_inside = true;
    try {
      (*job_)(c);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    t_inside = false;
  }

 public:
  static thread_local bool t_inside;

 private:
  std::vector<std::thread> workers_;
  std::mutex mutex_, run_mutex_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  const std::function<void(int)> *job_ = nullptr;
  int num_chunks_ = 0;
  int pending_ = 0;
  std::exception_ptr error_;
};

thread_local bool ThreadPool::t_inside = false;

std::atomic<int> g_num_threads{1};
std::atomic<bool> g_blas_set{false};

ThreadPool &Pool() {
  static ThreadPool *pool = new ThreadPool;  // never destroyed: workers outlive statics
  return *pool;
}

}  // namespace

void SetNumThreads(int num_threads) {
  if (num_threads < 1) VOX_ERR << "--num-threads must be >= 1, got " << num_threads;
  g_num_threads = num_threads;
  Pool().Resize(num_threads - 1);
  openblas_set_num_threads(num_threads);
  omp_set_num_threads(1);
  g_blas_set = true;
  static std::atomic<bool> checked{false};
  if (!checked.exchange(true)) WarnIfBlasCoreIsGeneric();
}

int GetNumThreads() { return g_num_threads; }

bool InsideParallelFor() { return ThreadPool::t_inside; }

void ThreadOptions::Validate() const {
  if (num_threads < 1) VOX_ERR << "--num-threads must be >= 1, got " << num_threads;
}

void ThreadOptions::Apply() const {
  Validate();
  SetNumThreads(num_threads);
}

std::string BlasCoreName() {
  const char *name = openblas_get_corename();
  return name ? name : "unknown";
}

bool WarnIfBlasCoreIsGeneric() {
  const std::string core = BlasCoreName();
  static const char *const kGeneric[] = {"Prescott", "Core2", "Katmai", "Coppermine",
                                         "Northwood", "Banias", "Atom", "Penryn", "Dunnington"};
  bool generic = false;
  for (const char *g : kGeneric) generic = generic || core == g;
  if (!generic) return false;
  const char *better = __builtin_cpu_supports("avx512f") ? "SkylakeX"
                       : __builtin_cpu_supports("avx2")  ? "Haswell"
                                                         : nullptr;
  if (better == nullptr) return false;
  VOX_WARN << "OpenBLAS chose its generic '" << core << "' kernels on a CPU with "
           << (std::string(better) == "SkylakeX" ? "AVX-512" : "AVX2")
           << " (its CPU detection failed, as on some virtual machines): matrix products run "
           << "many times slower. Run with OPENBLAS_CORETYPE=" << better << " in the environment.";
  return true;
}

void EnsureBlasThreads() {
  if (!g_blas_set.exchange(true)) openblas_set_num_threads(g_num_threads);
}

void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)> &fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t max_chunks = std::min<int64_t>(GetNumThreads(), (n + grain - 1) / grain);
  if (max_chunks <= 1 || ThreadPool::t_inside || Pool().NumWorkers() == 0) {
    fn(0, n);
    return;
  }
  const int chunks = static_cast<int>(std::min<int64_t>(max_chunks, Pool().NumWorkers() + 1));
  const int64_t per = (n + chunks - 1) / chunks;
  Pool().Run(chunks, [&](int c) {
    int64_t begin = c * per, end = std::min(n, begin + per);
    if (begin < end) fn(begin, end);
  });
}

void ParallelForSerialBlas(int64_t n, int64_t grain,
                           const std::function<void(int64_t, int64_t)> &fn) {
  const int threads = GetNumThreads();
  if (threads <= 1 || ThreadPool::t_inside || n <= grain) {
    ParallelFor(n, grain, fn);
    return;
  }
  // Restores OpenBLAS's threads on the way out, exceptions included.
  struct SerialBlas {
    explicit SerialBlas(int restore) : restore_(restore) {
      g_blas_set = true;
      openblas_set_num_threads(1);
    }
    ~SerialBlas() { openblas_set_num_threads(restore_); }
    int restore_;
  } serial(threads);
  ParallelFor(n, grain, fn);
}

}  // namespace voxtools
