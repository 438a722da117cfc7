#!/usr/bin/env bats
# utils/queue.pl (Grid Engine). No grid runs here: these tests check the qsub invocation
# and the job script with --dry-run, then run the job script and the waiting/reporting logic
# with a stand-in qsub that runs each array task locally (it is not SGE).

UTILS="$BATS_TEST_DIRNAME/../../utils"

setup() {
  cd "$BATS_TEST_TMPDIR"
  mkdir -p conf
  cat > conf/queue.conf <<'EOF'
# a site's config
command qsub -v PATH -cwd -S /bin/bash -j y -l arch=*64*
option mem=* -l mem_free=$0,ram_free=$0
option mem=0
option num_threads=* -pe smp $0
option num_threads=1
option max_jobs_run=* -tc $0
default gpu=0
option gpu=0 -q all.q
option gpu=* -l gpu=$0 -q g.q
option time=* -l h_rt=$0
EOF
}

@test "queue.pl --dry-run: options from conf/queue.conf, array, log paths" {
  run "$UTILS/queue.pl" --dry-run --mem 2G --num-threads 4 --max-jobs-run 2 --time 1:00:00 \
    JOB=1:4 exp/make_fbank/log/fbank.JOB.log compute-fbank scp:data/split4/JOB/wav.scp ark:f.JOB.ark
  echo "$output"
  [ "$status" -eq 0 ]
  line=$(echo "$output" | sed -n 2p)
  q="$PWD/exp/make_fbank/log/q"
  [[ "$line" == "qsub -v PATH -cwd -S /bin/bash -j y -l 'arch=*64*' "* ]]
  [[ "$line" == *" -q all.q "* ]]                       # default gpu=0 rule
  [[ "$line" == *" -l mem_free=2G,ram_free=2G "* ]]
  [[ "$line" == *" -pe smp 4 "* ]]
  [[ "$line" == *" -tc 2 "* ]]
  [[ "$line" == *" -l h_rt=1:00:00 "* ]]
  [[ "$line" == *" -N fbank -t 1:4 -o '$q/fbank."'$TASK_ID'".out' $q/fbank.sh" ]]
  [ -x "$q/fbank.sh" ]
  # The job script maps each task to its log and command.
  grep -qF "3) vox_log='exp/make_fbank/log/fbank.3.log'" "$q/fbank.sh"
  grep -qF "vox_cmd='compute-fbank scp:data/split4/3/wav.scp ark:f.3.ark'" "$q/fbank.sh"
  grep -qF 'SGE_TASK_ID' "$q/fbank.sh"
  grep -qF "threads=4" "$q/fbank.sh"
  [ "$(grep -c 'vox_log=' "$q/fbank.sh")" -eq 4 ]
  bash -n "$q/fbank.sh"
  # Nothing was submitted, no log written.
  [ ! -e exp/make_fbank/log/fbank.1.log ]
}

@test "queue.pl --dry-run: gpu, pass-through options, a single job, --config" {
  run "$UTILS/queue.pl" --dry-run --gpu 1 -l hostname=node7 exp/log/train.log train-nnet "a b"
  [ "$status" -eq 0 ]
  line=$(echo "$output" | sed -n 2p)
  [[ "$line" == *" -l gpu=1 -q g.q -l hostname=node7 -N train -o "*"/exp/log/q/train.1.out "*"/exp/log/q/train.sh" ]]
  [[ "$line" != *" -t "* ]]
  grep -qF "vox_cmd='train-nnet '\\''a b'\\'''" exp/log/q/train.sh
  printf 'command qsub -P myproject\noption mem=* -l h_vmem=$0\n' > other.conf
  run "$UTILS/queue.pl" --dry-run --config other.conf --mem 1G JOB=1:2 exp/log/x.JOB.log true
  [ "$status" -eq 0 ]
  [[ "$(echo "$output" | sed -n 2p)" == "qsub -P myproject -l h_vmem=1G -N x -t 1:2 -o "* ]]
}

@test "queue.pl: an option the config has no rule for is refused, naming the config" {
  run "$UTILS/queue.pl" --dry-run --colour blue exp/log/x.log true
  [ "$status" -eq 1 ]
  [[ "$output" == *"option --colour=blue has no rule in conf/queue.conf"* ]]
  printf 'option mem=* -l m=$0\n' > bad.conf
  run "$UTILS/queue.pl" --dry-run --config bad.conf exp/log/x.log true
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad.conf: no 'command' line"* ]]
  run "$UTILS/queue.pl" --dry-run --config missing.conf exp/log/x.log true
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot read config file missing.conf"* ]]
}

@test "queue.pl: without conf/queue.conf the repository's conf/queue.conf is used" {
  rm conf/queue.conf
  run "$UTILS/queue.pl" --dry-run --num-threads 2 exp/log/x.log true
  [ "$status" -eq 0 ]
  [[ "$(echo "$output" | sed -n 2p)" == "qsub -v PATH -cwd -S /bin/bash -j y -pe smp 2 -N x -o "* ]]
}

@test "queue.pl with a stand-in qsub: tasks run, failures named, waits for all" {
  mkdir fakebin
  # Stand-in for qsub: runs every array task of the script in the background, as SGE would,
  # with SGE_TASK_ID set, and prints SGE's submission message. It is not a grid.
  cat > fakebin/qsub <<'EOF'
#!/bin/bash
echo "$*" > qsub.args
range=1:1; while [ $# -gt 1 ]; do [ "$1" = -t ] && range=$2; shift; done
script=$1
for t in $(seq ${range%:*} ${range#*:}); do
  ( sleep 0.$((RANDOM % 5)); SGE_TASK_ID=$t JOB_ID=4242 bash "$script" ) >/dev/null 2>&1 3>&- &
done
echo "Your job-array 4242.1-${range#*:}:1 (\"x\") has been submitted"
EOF
  printf '#!/bin/bash\nexit 0\n' > fakebin/qstat
  chmod +x fakebin/qsub fakebin/qstat
  PATH="$PWD/fakebin:$PATH" run timeout 60 "$UTILS/queue.pl" JOB=1:4 exp/log/t.JOB.log \
    'echo "task JOB"; [ JOB -ne 3 ]'
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"job 3 failed with exit status 1, log is in exp/log/t.3.log"* ]]
  [[ "$output" == *"1 / 4 failed"* ]]
  for i in 1 2 4; do
    grep -qx "task $i" exp/log/t.$i.log
    grep -q "^# Running on .* as job 4242.$i$" exp/log/t.$i.log
    tail -n 1 exp/log/t.$i.log | grep -q "^# Ended (code 0)"
  done
  [ "$(cat exp/log/q/t.jobid)" = 4242 ]
  # A job that vanishes from the queue without an exit status is a failure.
  printf '#!/bin/bash\necho "Your job 4343 (\\"x\\") has been submitted"\n' > fakebin/qsub
  printf '#!/bin/bash\necho "Following jobs do not exist: $2" >&2; exit 1\n' > fakebin/qstat
  PATH="$PWD/fakebin:$PATH" run timeout 60 "$UTILS/queue.pl" exp/log/lost.log true
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"job failed with no exit status"*"log is in exp/log/lost.log"* ]]
}
