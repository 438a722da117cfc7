# cmd.sh: where this recipe's jobs run. Pick one block; run.sh sources this file.
# All three wrappers take the same options (--num-threads, --mem, --gpu, --max-jobs-run)
# and write one log per job; see utils/README.md ("Recipes and clusters").

# This machine.
export train_cmd="utils/run.pl"
export gpu_cmd="utils/run.pl --gpu 1"

# Grid Engine (options mapped to qsub by conf/queue.conf):
# export train_cmd="utils/queue.pl --mem 4G"
# export gpu_cmd="utils/queue.pl --mem 8G --gpu 1"

# Slurm (options mapped to sbatch by conf/slurm.conf):
# export train_cmd="utils/slurm.pl --mem 4G --time 4:00:00"
# export gpu_cmd="utils/slurm.pl --mem 16G --gpu 1 --time 24:00:00"
