# Test helper (loaded by tests/cli/utils-slurm.bats): start and stop a throw-away
# single-node Slurm cluster on this machine, with everything (munge key and socket, state,
# spool, logs, slurm.conf) in one temporary directory.
#
# Needs Debian's slurm-wlm (slurmctld, slurmd, sbatch, squeue, scontrol) and munge (munged),
# root (slurmd runs jobs as root here), two free TCP ports on 127.0.0.1.
#
#   vox_slurm_start <dir>   starts munged, slurmctld, slurmd; exports SLURM_CONF;
#                           returns 1 with the reason in $VOX_SLURM_WHY when it cannot.
#   vox_slurm_stop <dir>    stops them (always safe to call).

_vox_port_free() {
  ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

_vox_pick_ports() {
  local p tries=0
  while [ $tries -lt 50 ]; do
    p=$(( 20000 + RANDOM % 20000 ))
    if _vox_port_free "$p" && _vox_port_free $((p + 1)); then
      echo "$p"
      return 0
    fi
    tries=$((tries + 1))
  done
  return 1
}

# _vox_wait <seconds> <command...>: polls the command every 0.2 s until it succeeds.
_vox_wait() {
  local limit=$1 i=0
  shift
  while ! "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -ge $((limit * 5)) ] && return 1
    sleep 0.2
  done
}

_vox_node_idle() {
  sinfo -h -n localhost -o %T 2>/dev/null | grep -qx idle
}

vox_slurm_start() {
  local d=$1 tool port host
  VOX_SLURM_WHY=
  for tool in munged munge slurmctld slurmd sbatch squeue scontrol sinfo ss; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      VOX_SLURM_WHY="$tool not installed (install slurm-wlm and munge: utils/install_deps.sh)"
      return 1
    fi
  done
  if [ "$(id -u)" -ne 0 ]; then
    VOX_SLURM_WHY="needs root to run slurmd (SlurmdUser=root)"
    return 1
  fi
  mkdir -p "$d/munge" "$d/state" "$d/spool" "$d/log"
  chmod 700 "$d/munge"
  chmod 755 "$d"

  # munge: a fresh key and a private socket.
  dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 2>/dev/null
  chmod 400 "$d/munge/munge.key"
  if ! munged -f --socket="$d/munge/munge.sock" --key-file="$d/munge/munge.key" \
       --log-file="$d/munge/munged.log" --pid-file="$d/munge/munged.pid" \
       --seed-file="$d/munge/munged.seed" 3>&- >"$d/log/munged.out" 2>&1; then
    VOX_SLURM_WHY="munged does not start: $(tail -n 3 "$d/munge/munged.log" "$d/log/munged.out" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  if ! _vox_wait 5 bash -c "munge -S '$d/munge/munge.sock' -n | unmunge -S '$d/munge/munge.sock'"; then
    VOX_SLURM_WHY="munge cannot encode/decode a credential"
    return 1
  fi

  port=$(_vox_pick_ports) || { VOX_SLURM_WHY="no free TCP ports"; return 1; }
  host=$(hostname -s)
  cat > "$d/slurm.conf" <<EOF
ClusterName=voxtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=1024 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$d/slurm.conf"
  setsid slurmctld -D -f "$SLURM_CONF" >"$d/log/slurmctld.out" 2>&1 3>&- </dev/null &
  echo $! > "$d/slurmctld.bgpid"
  if ! _vox_wait 15 scontrol ping; then
    VOX_SLURM_WHY="slurmctld does not answer: $(tail -n 3 "$d/log/slurmctld.log" "$d/log/slurmctld.out" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  setsid slurmd -D -N localhost -f "$SLURM_CONF" >"$d/log/slurmd.out" 2>&1 3>&- </dev/null &
  echo $! > "$d/slurmd.bgpid"
  if ! _vox_wait 20 _vox_node_idle; then
    VOX_SLURM_WHY="node localhost does not become idle: $(sinfo -h -o '%T %E' 2>&1 | tr '\n' ' ') $(tail -n 3 "$d/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  return 0
}

_vox_kill_pidfile() {
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    _vox_wait 10 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$f"
}

vox_slurm_stop() {
  local d=$1
  [ -n "$d" ] && [ -d "$d" ] || return 0
  if [ -f "$d/slurm.conf" ] && [ -f "$d/slurmctld.bgpid" ]; then
    # Cancel what is left, then stop the daemons.
    SLURM_CONF="$d/slurm.conf" timeout 5 scancel --quiet --user=root >/dev/null 2>&1 || true
  fi
  _vox_kill_pidfile "$d/slurmd.bgpid"
  _vox_kill_pidfile "$d/slurmctld.bgpid"
  if [ -S "$d/munge/munge.sock" ]; then
    timeout 10 munged -s --socket="$d/munge/munge.sock" >/dev/null 2>&1 || true
  fi
  _vox_kill_pidfile "$d/munge/munged.pid"
  return 0
}
