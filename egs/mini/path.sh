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
