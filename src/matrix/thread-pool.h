// src/matrix/thread-pool.h
// The CPU threads of the engine: one knob (--num-threads) for our element-wise kernels and for
// OpenBLAS together, so the two never oversubscribe the cores.
//
// Why not OpenMP for the kernels: GNU OpenMP's idle threads spin (OMP_WAIT_POLICY, read once
// when libgomp loads, before main can change it), and spinning threads steal the cores that
// OpenBLAS's threads need during a GEMM (DESIGN.md §4 measured this on PyTorch). Our pool's
// workers block on a condition variable between jobs, so nothing spins while OpenBLAS works,
// and no environment variable is needed.
//
// Process-wide state: only main() changes it (SetNumThreads from --num-threads, once, before
// work starts); libraries only read it. The default is 1 thread, as Kaldi's tools.
#ifndef VOXTOOLS_MATRIX_THREAD_POOL_H_
#define VOXTOOLS_MATRIX_THREAD_POOL_H_

#include <cstdint>
#include <functional>
#include <string>

#include "base/options-itf.h"

namespace voxtools {

// The --num-threads option of every tool that computes on tensors. main() registers it and
// calls Apply() once after parsing:
//   ThreadOptions threads;  threads.Register(&po);  po.Read(argc, argv);  threads.Apply();
struct ThreadOptions {
  int32_t num_threads = 1;
  void Register(OptionsItf *opts) {
    opts->Register("num-threads", &num_threads,
                   "Threads for the neural-network engine: element-wise kernels and OpenBLAS "
                   "together (never more than this many busy)");
  }
  // Throws Error naming the option if num_threads < 1.
  void Validate() const;
  std::string ToString() const { return "--num-threads=" + std::to_string(num_threads); }
  // Validate(), then SetNumThreads(num_threads).
  void Apply() const;
};

// Sets the number of threads for ParallelFor and for OpenBLAS (openblas_set_num_threads), and
// tells OpenMP (used by nothing of ours, maybe by a library) to use 1. num_threads >= 1.
void SetNumThreads(int num_threads);
int GetNumThreads();

// Calls fn(begin, end) on disjoint chunks covering [0, n), on up to GetNumThreads() threads
// (the caller is one of them), and returns when all chunks are done. Chunks hold at least
// `grain` items, so small loops run inline on the caller. A ParallelFor inside a ParallelFor
// runs serially on the calling thread. The first exception thrown by fn is rethrown here.
void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)> &fn);

// ParallelFor for loops whose bodies call small GEMMs (attention: one per head and block of
// queries). OpenBLAS is held to one thread while the loop runs, so each of our threads runs
// its GEMMs inline: splitting the loop scales on few cores, where OpenBLAS splitting each
// small GEMM would spend more time waking and joining its threads than multiplying.
// Not reentrant with other GEMM callers: only the thread that owns the engine calls it.
void ParallelForSerialBlas(int64_t n, int64_t grain,
                           const std::function<void(int64_t, int64_t)> &fn);

// True on a thread that runs a chunk of a ParallelFor (where a nested one runs serially).
bool InsideParallelFor();

// The kernel set OpenBLAS chose for this CPU ("SkylakeX", "Haswell", ...).
std::string BlasCoreName();

// A WARNING, with the remedy, if OpenBLAS fell back to generic SSE kernels on a CPU that has
// AVX2 or AVX-512 (its detection fails on some virtual machines that hide the CPU model):
// GEMM then runs ~15x slower. OpenBLAS reads OPENBLAS_CORETYPE only when it loads, so all we
// can do is say so. Returns true if it warned. The first SetNumThreads() calls it.
bool WarnIfBlasCoreIsGeneric();

// Makes OpenBLAS use GetNumThreads() threads if nothing has told it yet (its own default is
// every core). Called by the GEMM wrappers; cheap after the first call.
void EnsureBlasThreads();

}  // namespace voxtools

#endif  // VOXTOOLS_MATRIX_THREAD_POOL_H_
