#!/usr/bin/env bash
# End-to-end check of the SLURM route on this machine: a one-node SLURM cluster on localhost runs the smoke
# preset through snakemake-executor-plugin-slurm, exactly as a real cluster would be driven.
#
#   bash tests/cluster/slurm_smoke.sh [WORKDIR]      (as root; Debian/Ubuntu; run by tests/test_slurm.py in CI)
#
# What it does: installs slurm-wlm and munge if missing (apt-get), writes a munge key and a slurm.conf of its
# own under WORKDIR (accounting off, no cgroups: works in containers), starts munged, slurmctld and slurmd on
# private ports and a private munge socket, links its slurm.conf to /etc/slurm/slurm.conf for the run (it stops
# instead where a configured SLURM owns that file), waits for the node to be idle, runs
#   snakemake --executor slurm --slurm-no-account --slurm-status-command squeue ... --config preset=smoke
# and checks that every figure has its claims file and that the jobs went through SLURM (one sbatch submission
# and one plugin job log under .snakemake/slurm_logs/ per job, every rule represented). The daemons it started
# are stopped, and the link removed, on every exit (trap). Re-running it with the same WORKDIR is safe.
# Environment: IMPLREG_PYTHON (default <repo>/.venv/bin/python), IMPLREG_SLURM_PORT (default 16817; slurmd
# uses the next port), IMPLREG_SLURM_TIMEOUT (seconds for the snakemake run, default 2400).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${IMPLREG_PYTHON:-$REPO/.venv/bin/python}
PORT=${IMPLREG_SLURM_PORT:-16817}
RUN_TIMEOUT=${IMPLREG_SLURM_TIMEOUT:-2400}
WORK=${1:-$(mktemp -d "${TMPDIR:-/tmp}/implreg-slurm.XXXXXX")}
WORK=$(mkdir -p "$WORK" && cd "$WORK" && pwd)
ST=$WORK/slurm            # daemons' config, state, spool, logs, pids
RUN=$WORK/run             # snakemake's --directory
T0=$(date +%s)

say() { printf '[slurm_smoke %4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
die() {
    say "FAILED: $*"
    exit 1
}

[[ $(id -u) -eq 0 ]] || die "needs root (installs packages, runs slurmd); run it as root or under sudo"
[[ -x $PY ]] || die "no python at $PY; create the venv first (README: python3 -m venv .venv && ...) or set IMPLREG_PYTHON"
"$PY" -c "import snakemake_executor_plugin_slurm" 2>/dev/null ||
    die "snakemake-executor-plugin-slurm is not installed in $PY's environment: pip install -r $REPO/envs/requirements.txt"

# --- packages ------------------------------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null ||
    ! command -v sbatch >/dev/null; then
    say "installing slurm-wlm and munge (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >"$WORK/apt.log" 2>&1 || die "apt-get update failed, see $WORK/apt.log"
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >>"$WORK/apt.log" 2>&1 ||
        die "apt-get install slurm-wlm munge failed, see $WORK/apt.log"
fi
say "$(slurmctld -V), $(munged --version 2>&1 | head -1 | awk '{print $1}')"

# --- daemons: started here, stopped on any exit ---------------------------------------------------------------
stop_daemons() {
    local rc=$?
    # Jobs still queued (a failed run) would keep slurmd busy: cancel them while the controller is up.
    if [[ -n ${SLURM_CONF:-} ]] && [[ -s $ST/slurmctld.pid ]]; then
        scancel --user=root >/dev/null 2>&1 || true
    fi
    local pid name
    for name in slurmd slurmctld munged; do
        pid=$(cat "$ST/$name.pid" 2>/dev/null || true)
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
        fi
    done
    # Job steps that outlived slurmd (slurmstepd) belong to this cluster: end them by their pid.
    for pid in $(pgrep -x slurmstepd 2>/dev/null || true); do
        if tr '\0' ' ' <"/proc/$pid/environ" 2>/dev/null | grep -q "SLURM_CONF=$ST/slurm.conf"; then
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    for name in slurmd slurmctld munged; do
        pid=$(cat "$ST/$name.pid" 2>/dev/null || true)
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
            say "WARNING: $name ($pid) still running after stop"
            rc=1
        fi
    done
    if [[ -n ${LINKED_CONF:-} ]] && [[ $(readlink "$LINKED_CONF" 2>/dev/null) == "$ST/slurm.conf" ]]; then
        rm -f "$LINKED_CONF"
    fi
    say "daemons stopped (work dir $WORK)"
    exit "$rc"
}
trap stop_daemons EXIT
trap 'exit 130' INT TERM

# Idempotent: daemons left by an earlier, killed run in this WORKDIR are ended (by their pid files), and the
# workflow starts from an empty directory.
for name in slurmd slurmctld munged; do
    pid=$(cat "$ST/$name.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && grep -qs "$name" "/proc/$pid/comm"; then
        say "ending $name ($pid) left by an earlier run"
        kill "$pid" 2>/dev/null || true
        sleep 1
    fi
done
rm -rf "$RUN"
mkdir -p "$ST"/{ctld,spool,munge} "$RUN"
chmod 700 "$ST/munge"

# munge: a private key, socket and pid file (munged refuses keys others can read).
MUNGE_SOCK=$ST/munge/munge.socket
if [[ ! -s $ST/munge/munge.key ]]; then
    if command -v mungekey >/dev/null; then
        mungekey --create --keyfile="$ST/munge/munge.key" --bits=1024 >/dev/null
    else
        dd if=/dev/urandom of="$ST/munge/munge.key" bs=1 count=1024 status=none
    fi
fi
chmod 400 "$ST/munge/munge.key"
munged --force --socket="$MUNGE_SOCK" --key-file="$ST/munge/munge.key" --pid-file="$ST/munged.pid" \
    --log-file="$ST/munged.log" --seed-file="$ST/munge/munge.seed" ||
    die "munged did not start, see $ST/munged.log"
for _ in $(seq 50); do [[ -S $MUNGE_SOCK ]] && break; sleep 0.1; done
munge --socket="$MUNGE_SOCK" -n </dev/null | unmunge --socket="$MUNGE_SOCK" >/dev/null ||
    die "munge round trip failed, see $ST/munged.log"
say "munged up"

# slurm.conf for this host: CPUs and memory as slurmd itself detects them (less a margin for the OS).
HOST=$(hostname -s)
read -r CPUS MEM < <(slurmd -C | awk '/^NodeName/ {for (i = 1; i <= NF; i++) {split($i, kv, "=");
    if (kv[1] == "CPUs") c = kv[2]; if (kv[1] == "RealMemory") m = kv[2]}} END {print c, m}')
[[ -n $CPUS && -n $MEM ]] || die "slurmd -C did not report CPUs/RealMemory"
MEM=$((MEM > 3000 ? MEM - 1024 : MEM * 2 / 3))
export SLURM_CONF=$ST/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Written by tests/cluster/slurm_smoke.sh: one node on localhost, no accounting, no cgroups.
ClusterName=implreg-smoke
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK
CredType=cred/munge
StateSaveLocation=$ST/ctld
SlurmdSpoolDir=$ST/spool
SlurmctldPidFile=$ST/slurmctld.pid
SlurmdPidFile=$ST/slurmd.pid
SlurmctldLogFile=$ST/slurmctld.log
SlurmdLogFile=$ST/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
PlugStackConfig=$ST/plugstack.conf
ReturnToService=2
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=60
SlurmdTimeout=60
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=smoke Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
: >"$ST/plugstack.conf"

# Inside a job, snakemake's jobstep plugin runs `srun` with the SLURM_* variables removed (SLURM_CONF too),
# so srun finds its config only at the default path: link ours there for the test's duration. A slurm.conf
# there that is not this script's (a configured SLURM) is left alone and the test stops.
SYS_CONF=/etc/slurm/slurm.conf
if [[ -e $SYS_CONF || -L $SYS_CONF ]]; then
    if [[ -L $SYS_CONF ]] && { [[ ! -e $SYS_CONF ]] || grep -q '^# Written by tests/cluster/slurm_smoke.sh' "$SYS_CONF"; }; then
        rm -f "$SYS_CONF" # left by an earlier run of this script that was killed
    else
        die "$SYS_CONF exists: this machine has a SLURM of its own; run this test on one without"
    fi
fi
mkdir -p "$(dirname "$SYS_CONF")"
ln -s "$ST/slurm.conf" "$SYS_CONF"
LINKED_CONF=$SYS_CONF

slurmctld -f "$SLURM_CONF" -c || die "slurmctld did not start, see $ST/slurmctld.log"
slurmd -f "$SLURM_CONF" || die "slurmd did not start, see $ST/slurmd.log"
say "slurmctld and slurmd started (node $HOST: $CPUS CPUs, $MEM MB; ports $PORT/$((PORT + 1)))"

state=""
for _ in $(seq 120); do
    state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -1 || true)
    [[ $state == idle ]] && break
    if [[ $state == down* || $state == drain* ]]; then
        scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true
    fi
    sleep 1
done
[[ $state == idle ]] || die "node $HOST is '${state:-unknown}', not idle, after 120 s; see $ST/slurmctld.log, $ST/slurmd.log"
say "node $HOST idle"

# A one-line job through srun proves the daemons talk before the workflow starts.
srun -N1 -n1 -t 1 true || die "srun true failed; see $ST/slurmd.log"

# --- the workflow -------------------------------------------------------------------------------------------
# Jobs run `python -m snakemake` of this venv; its bin comes first on their PATH (sbatch --export=ALL).
export PATH="$(dirname "$PY"):$PATH"
say "snakemake --executor slurm --config preset=smoke in $RUN"
set +e
timeout "$RUN_TIMEOUT" "$PY" -m snakemake -s "$REPO/Snakefile" --directory "$RUN" \
    --executor slurm --jobs 4 --slurm-no-account --slurm-status-command squeue \
    --slurm-init-seconds-before-status-checks 5 --slurm-keep-successful-logs \
    --latency-wait 5 --config preset=smoke >"$WORK/snakemake.log" 2>&1
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
    tail -n 60 "$WORK/snakemake.log" | sed 's/^/    /'
    for f in $(find "$RUN/.snakemake/slurm_logs" -name '*.log' 2>/dev/null | head -200); do
        grep -l -i -E "error|traceback" "$f" >/dev/null 2>&1 && { echo "--- $f"; tail -n 20 "$f"; }
    done
    die "snakemake exited with $rc (124 = timed out after $RUN_TIMEOUT s); full log $WORK/snakemake.log"
fi
say "snakemake finished"

# --- checks -------------------------------------------------------------------------------------------------
mapfile -t pdfs < <(cd "$RUN" && find figures -name '*.pdf' | sort)
[[ ${#pdfs[@]} -gt 0 ]] || die "no figures/**/*.pdf in $RUN"
for pdf in "${pdfs[@]}"; do
    if [[ $(basename "$pdf") == robustness.pdf ]]; then  # rates, not a verdict: robustness.json beside it
        [[ -s $RUN/${pdf%.pdf}.json ]] || die "$pdf has no rates file ${pdf%.pdf}.json"
    else
        [[ -s $RUN/${pdf%.pdf}.claims.json ]] || die "$pdf has no claims file ${pdf%.pdf}.claims.json"
    fi
    [[ -s $RUN/${pdf%.pdf}.png ]] || die "$pdf has no png"
done
[[ -s $RUN/results/claims_summary.json ]] || die "results/claims_summary.json missing"
say "${#pdfs[@]} figures, each with its claims file; $("$PY" -c "import json, sys; s = json.load(open(sys.argv[1])); print(f\"claims: {s['passed']} passed, {s['failed']} failed\")" "$RUN/results/claims_summary.json")"

# Every rule that ran went through SLURM: the plugin writes .snakemake/slurm_logs/rule_<rule>/.../<jobid>.log.
LOGS=$RUN/.snakemake/slurm_logs
[[ -d $LOGS ]] || die "no $LOGS: the jobs did not go through SLURM"
nlogs=$(find "$LOGS" -name '*.log' | wc -l)
rules=$(grep -oE '^(local)?rule [a-z_0-9]+' "$WORK/snakemake.log" | awk '{print $2}' | grep -vx all | sort -u)
[[ -n $rules ]] || die "no jobs listed in $WORK/snakemake.log"
for r in $rules; do
    [[ -n $(find "$LOGS/rule_$r" -name '*.log' 2>/dev/null | head -1) ]] ||
        die "rule $r has no SLURM job log under $LOGS/rule_$r: it did not run through SLURM"
done
njobs=$(grep -cE '^rule [a-z_0-9]+:' "$WORK/snakemake.log" || true)
[[ $nlogs -ge $njobs ]] || die "only $nlogs SLURM job logs for $njobs jobs"
nsub=$(grep -c "has been submitted with SLURM jobid" "$WORK/snakemake.log" || true)
[[ $nsub -ge $njobs ]] || die "snakemake.log shows $nsub SLURM submissions for $njobs jobs"
# Inside each job the plugin's step executor ran the rule (sbatch -> srun -> snakemake --executor slurm-jobstep).
nstep=$(grep -l -- "--executor slurm-jobstep" $(find "$LOGS" -name '*.log') | wc -l)
[[ $nstep -ge $njobs ]] || die "only $nstep of $nlogs SLURM job logs show the in-job slurm-jobstep executor"
say "$njobs jobs of $(wc -w <<<"$rules") rules submitted with sbatch; $nlogs SLURM job logs, each run by slurm-jobstep"
say "PASSED in $(($(date +%s) - T0)) s"
