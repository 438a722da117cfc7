# path.sh: put voxtools' tools (bin/) and helpers (utils/) on PATH. Sourced by run.sh; jobs
# of run.pl inherit its environment, and the cluster jobs of queue.pl and slurm.pl start in
# the recipe directory and source ./path.sh themselves.
# The recipe's utils/ is a link to the repository's utils/ (also in a recipe copied elsewhere).
VOX_ROOT=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/utils/.." && pwd)
export VOX_ROOT
export PATH="$VOX_ROOT/bin:$VOX_ROOT/utils:$VOX_ROOT/utils/data:$PATH"
export LC_ALL=C   # Kaldi's sort order for every sorted file
# Threads: each job sets its own with --num-threads; keep OpenBLAS/OpenMP from taking all
# cores in jobs that do not.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# OpenBLAS picks its kernels from the CPU model; some virtual machines hide the model and it
# falls back to generic SSE kernels (~15x slower GEMM; the tools warn). Name the kernel set
# the CPU's instructions allow, unless the user chose one.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
  if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
fi
