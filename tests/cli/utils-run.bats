#!/usr/bin/env bats
# utils/run.pl: job arrays on the local machine.

UTILS="$BATS_TEST_DIRNAME/../../utils"

setup() {
  cd "$BATS_TEST_TMPDIR"
}

@test "run.pl: a 4-job array where job 3 fails: exit 1, the failed log named, the others complete" {
  run "$UTILS/run.pl" JOB=1:4 exp/log/t.JOB.log 'echo "job JOB"; [ JOB -ne 3 ]'
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"job 3 failed with exit status 1, log is in exp/log/t.3.log"* ]]
  [[ "$output" == *"1 / 4 failed"* ]]
  [[ "$output" != *"t.1.log"* ]] && [[ "$output" != *"t.2.log"* ]] && [[ "$output" != *"t.4.log"* ]]
  for i in 1 2 3 4; do
    [ "$(head -n 1 exp/log/t.$i.log)" = "# echo \"job $i\"; [ $i -ne 3 ]" ]
    sed -n 2p exp/log/t.$i.log | grep -q "^# Started at "
    grep -qx "job $i" exp/log/t.$i.log
    grep -q "^# Accounting: time=[0-9]* threads=1$" exp/log/t.$i.log
  done
  for i in 1 2 4; do
    tail -n 1 exp/log/t.$i.log | grep -q "^# Ended (code 0) at .*, elapsed time [0-9]* seconds$"
  done
  tail -n 1 exp/log/t.3.log | grep -q "^# Ended (code 1) at "
}

@test "run.pl: several failures are each named; the exit code of a job is kept in its log" {
  run "$UTILS/run.pl" JOB=1:3 log/f.JOB.log 'exit $((JOB * 2 - 2))'
  [ "$status" -eq 1 ]
  [[ "$output" == *"job 2 failed with exit status 2, log is in log/f.2.log"* ]]
  [[ "$output" == *"job 3 failed with exit status 4, log is in log/f.3.log"* ]]
  [[ "$output" == *"2 / 3 failed"* ]]
  tail -n 1 log/f.3.log | grep -q "^# Ended (code 4)"
}

@test "run.pl: --max-jobs-run is honoured" {
  mkdir running
  job='touch running/JOB; sleep 0.4; ls running | wc -l > count.JOB; rm running/JOB'
  run "$UTILS/run.pl" --max-jobs-run 1 JOB=1:4 log/a.JOB.log "$job"
  [ "$status" -eq 0 ]
  [ "$(cat count.* | sort -n | tail -n 1)" -eq 1 ]
  rm count.*
  run "$UTILS/run.pl" --max-jobs-run 2 JOB=1:6 log/b.JOB.log "$job"
  [ "$status" -eq 0 ]
  [ "$(cat count.* | sort -n | tail -n 1)" -le 2 ]
  rm count.*
  # And the jobs do run in parallel when allowed to.
  run "$UTILS/run.pl" --max-jobs-run 4 JOB=1:4 log/c.JOB.log "$job"
  [ "$status" -eq 0 ]
  [ "$(cat count.* | sort -n | tail -n 1)" -ge 2 ]
}

@test "run.pl: JOB is substituted in paths and commands, as a whole word only" {
  run "$UTILS/run.pl" JOB=2:3 exp/JOB/log/x.JOB.log \
    echo id=JOB data/split3/JOB/wav.scp "ark:feats.JOB.ark" JOBS MYJOB JOB_ID
  [ "$status" -eq 0 ]
  [ ! -e exp/1 ]
  grep -qx 'id=2 data/split3/2/wav.scp ark:feats.2.ark JOBS MYJOB JOB_ID' exp/2/log/x.2.log
  grep -qx 'id=3 data/split3/3/wav.scp ark:feats.3.ark JOBS MYJOB JOB_ID' exp/3/log/x.3.log
  # Another variable name, and a single job index.
  run "$UTILS/run.pl" N=7 log/n.N.log echo "value=N"
  [ "$status" -eq 0 ]
  grep -qx "value=7" log/n.7.log
}

@test "run.pl: quoting of commands with pipes and spaces" {
  # Arguments with spaces arrive as one argument; an escaped | is a pipe.
  run "$UTILS/run.pl" log/q1.log printf '%s|\n' "a  b" "it's" 'cost $5' \| tr a-z A-Z
  [ "$status" -eq 0 ]
  [ "$(sed -n 4,6p log/q1.log)" = "$(printf 'A  B|\nIT'"'"'S|\nCOST $5|')" ]
  head -n 1 log/q1.log | grep -qF "# printf '%s|\n' 'a  b' 'it'\\''s' 'cost \$5' | tr a-z A-Z"
  # A command given as one argument is a shell command line.
  run "$UTILS/run.pl" JOB=1:2 log/q2.JOB.log "echo 'x  JOB' | sed 's/x/y/' > out.JOB.txt && cat out.JOB.txt"
  [ "$status" -eq 0 ]
  [ "$(cat out.2.txt)" = "y  2" ]
  grep -qx "y  2" log/q2.2.log
  # Redirections and an rspecifier-like argument with a pipe inside.
  run "$UTILS/run.pl" log/q3.log echo "ark:gunzip -c a.gz |" '>' q3.out
  [ "$status" -eq 0 ]
  [ "$(cat q3.out)" = "ark:gunzip -c a.gz |" ]
  # pipefail: a failure early in a pipeline fails the job.
  run "$UTILS/run.pl" log/q4.log false \| cat
  [ "$status" -eq 1 ]
  [[ "$output" == *"log is in log/q4.log"* ]]
}

@test "run.pl: re-running after a failure works and rewrites the log" {
  run "$UTILS/run.pl" JOB=1:2 log/r.JOB.log '[ JOB -eq 1 ] || [ -f ok ]'
  [ "$status" -eq 1 ]
  touch ok
  run "$UTILS/run.pl" JOB=1:2 log/r.JOB.log '[ JOB -eq 1 ] || [ -f ok ]'
  [ "$status" -eq 0 ]
  [ "$(grep -c '^# Ended' log/r.2.log)" -eq 1 ]
  tail -n 1 log/r.2.log | grep -q "code 0"
}

@test "run.pl: scheduler options are accepted and --num-threads is recorded" {
  run "$UTILS/run.pl" --mem 4G --gpu 1 --num-threads 3 --config conf/none.conf -q all.q \
    log/o.log true
  [ "$status" -eq 0 ]
  grep -q "^# Accounting: time=[0-9]* threads=3$" log/o.log
}

@test "run.pl --dry-run prints the jobs and runs nothing" {
  run "$UTILS/run.pl" --dry-run --max-jobs-run 3 JOB=1:2 log/d.JOB.log touch made.JOB
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "log/d.1.log: touch made.1" ] && [ "${lines[2]}" = "log/d.2.log: touch made.2" ]
  [ ! -e made.1 ] && [ ! -e log/d.1.log ]
}

@test "run.pl: usage errors" {
  run "$UTILS/run.pl" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: run.pl"* ]]
  run "$UTILS/run.pl" log/only.log
  [ "$status" -eq 1 ]
  [[ "$output" == *"expected a log file and a command"* ]]
  run "$UTILS/run.pl" JOB=1:3 log/same.log true
  [ "$status" -eq 1 ]
  [[ "$output" == *"does not contain JOB"* ]]
  run "$UTILS/run.pl" JOB=3:1 log/x.JOB.log true
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad job range"* ]]
  run "$UTILS/run.pl" --max-jobs-run 0 log/x.log true
  [ "$status" -eq 1 ]
  [[ "$output" == *"--max-jobs-run must be a positive integer"* ]]
  run "$UTILS/run.pl" --mem
  [ "$status" -eq 1 ]
  [[ "$output" == *"option --mem needs a value"* ]]
}

@test "run.pl: an interrupted run.pl kills its jobs" {
  "$UTILS/run.pl" JOB=1:2 log/k.JOB.log 'sleep 30; touch survived.JOB' 3>&- &
  pid=$!
  for i in $(seq 50); do [ -f log/k.2.log ] && break; sleep 0.1; done
  sleep 0.2
  kill -TERM "$pid"
  wait "$pid" || true
  sleep 0.3
  ! pgrep -f "sleep 30; touch survived" >/dev/null
}
