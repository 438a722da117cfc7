#!/usr/bin/env bats
# utils/slurm.pl against a real single-node Slurm cluster started for this file
# (tests/cli/utils-slurm-cluster.bash). Needs root, slurm-wlm and munge; when the daemons
# cannot run here every test is skipped with the reason. Takes about 20 seconds.

load utils-slurm-cluster

UTILS="$BATS_TEST_DIRNAME/../../utils"

setup_file() {
  export VOX_SLURM_DIR
  VOX_SLURM_DIR=$(mktemp -d /tmp/voxslurm.XXXXXX)
  export VOX_SLURM_SKIP=
  if ! vox_slurm_start "$VOX_SLURM_DIR"; then
    VOX_SLURM_SKIP="cannot run a Slurm cluster here: $VOX_SLURM_WHY"
    vox_slurm_stop "$VOX_SLURM_DIR"
  fi
}

teardown_file() {
  vox_slurm_stop "$VOX_SLURM_DIR"
  [ -n "$VOX_SLURM_DIR" ] && rm -rf "$VOX_SLURM_DIR"
}

setup() {
  [ -z "$VOX_SLURM_SKIP" ] || skip "$VOX_SLURM_SKIP"
  export SLURM_CONF="$VOX_SLURM_DIR/slurm.conf"
  cd "$BATS_TEST_TMPDIR"
}

@test "slurm.pl: a 4-task array where task 3 fails: exit 1, failed log named, others complete" {
  run timeout 60 "$UTILS/slurm.pl" JOB=1:4 exp/log/t.JOB.log \
    'echo "task JOB of array $SLURM_ARRAY_JOB_ID"; [ JOB -ne 3 ]'
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"job 3 failed with exit status 1, log is in exp/log/t.3.log"* ]]
  [[ "$output" == *"1 / 4 failed"* ]]
  [[ "$output" != *"t.1.log"* ]]
  for i in 1 2 4; do
    head -n 1 exp/log/t.$i.log | grep -qF "# echo \"task $i of array"
    grep -q "^task $i of array [0-9]" exp/log/t.$i.log
    tail -n 1 exp/log/t.$i.log | grep -q "^# Ended (code 0) at .*, elapsed time [0-9]* seconds$"
  done
  grep -q "^# Accounting: time=[0-9]* threads=1$" exp/log/t.3.log
  tail -n 1 exp/log/t.3.log | grep -q "^# Ended (code 1)"
  # One array job, not four jobs.
  [ "$(cat exp/log/q/t.jobid | wc -l)" -eq 1 ]
}

@test "slurm.pl: re-running after a failure works and the stale status is not reused" {
  run timeout 60 "$UTILS/slurm.pl" JOB=1:2 exp/log/r.JOB.log '[ JOB -ne 2 ] || [ -f fixed ]'
  [ "$status" -eq 1 ]
  [[ "$output" == *"exp/log/r.2.log"* ]]
  touch fixed
  run timeout 60 "$UTILS/slurm.pl" JOB=1:2 exp/log/r.JOB.log '[ JOB -ne 2 ] || [ -f fixed ]'
  echo "$output"
  [ "$status" -eq 0 ]
  tail -n 1 exp/log/r.2.log | grep -q "^# Ended (code 0)"
}

@test "slurm.pl: --num-threads, --mem and --max-jobs-run reach Slurm; quoting survives" {
  run timeout 60 "$UTILS/slurm.pl" --num-threads 2 --mem 100M --max-jobs-run 1 \
    JOB=1:3 exp/log/o.JOB.log echo "cpus \$SLURM_CPUS_PER_TASK" "two  spaces" \| tr a-z A-Z
  echo "$output"
  [ "$status" -eq 0 ]
  for i in 1 2 3; do
    grep -qx 'CPUS $SLURM_CPUS_PER_TASK TWO  SPACES' exp/log/o.$i.log
    grep -q "^# Accounting: time=[0-9]* threads=2$" exp/log/o.$i.log
  done
  jobid=$(cat exp/log/q/o.jobid)
  # The job is finished but still known to slurmctld (MinJobAge=300).
  scontrol show job "$jobid" > show.txt
  grep -q "ArrayTaskThrottle=1" show.txt
  grep -q "MinCPUsNode=2" show.txt
}

@test "slurm.pl: a single job without JOB, running in the submitting directory" {
  echo hello > input.txt
  run timeout 60 "$UTILS/slurm.pl" exp/log/single.log 'cat input.txt; echo "cwd $(pwd)"'
  [ "$status" -eq 0 ]
  grep -qx hello exp/log/single.log
  grep -qx "cwd $(pwd)" exp/log/single.log
  [ -f exp/log/q/single.1.out ]
}

@test "slurm.pl: a task cancelled in Slurm (no exit status) is reported as failed" {
  timeout 120 "$UTILS/slurm.pl" JOB=1:2 exp/log/k.JOB.log '[ JOB -eq 1 ] || sleep 120' \
    > slurm.out 2>&1 3>&- &
  pid=$!
  # Cancel only once job 1 has finished and job 2 is running (a loaded machine can take
  # a while to get there); cancelling earlier would also kill job 1.
  for i in $(seq 300); do
    grep -qs "^# Ended" exp/log/k.1.log && grep -qs "^# Started" exp/log/k.2.log && break
    sleep 0.2
  done
  grep -qs "^# Ended" exp/log/k.1.log && grep -qs "^# Started" exp/log/k.2.log
  scancel "$(cat exp/log/q/k.jobid)"
  wait "$pid" && rc=0 || rc=$?
  cat slurm.out
  [ "$rc" -eq 1 ]
  grep -q "job 2 failed with no exit status .*, log is in exp/log/k.2.log" slurm.out
  ! grep -q "job 1 failed" slurm.out
}
