"""The SLURM route end to end: tests/cluster/slurm_smoke.sh runs the smoke preset on a one-node SLURM cluster
on this machine through snakemake-executor-plugin-slurm. Opt-in (needs root and apt-get, ~10 min on 2 cores):
IMPLREG_SLURM_TEST=1 python -m pytest -m cluster. CI (.ci/run) sets it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "cluster" / "slurm_smoke.sh"
ENABLED = os.environ.get("IMPLREG_SLURM_TEST") == "1"


def test_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


@pytest.mark.cluster
@pytest.mark.skipif(not ENABLED, reason="opt-in: set IMPLREG_SLURM_TEST=1 (needs root and apt-get; CI sets it)")
def test_smoke_preset_runs_through_slurm(tmp_path):
    work = tmp_path / "slurm"
    env = {**os.environ, "IMPLREG_PYTHON": sys.executable}
    proc = subprocess.run(
        ["bash", str(SCRIPT), str(work)], capture_output=True, text=True, env=env, timeout=3300, check=False
    )
    out = proc.stdout + proc.stderr
    print(out)  # shown by pytest -rA / on failure: the script's timeline and summary
    assert proc.returncode == 0, f"slurm_smoke.sh exited {proc.returncode}:\n{out[-6000:]}"
    assert "PASSED" in out and "SLURM job logs" in out
    # The daemons it started are gone.
    for name in ("munged", "slurmctld", "slurmd"):
        pid_file = work / "slurm" / f"{name}.pid"
        pid = pid_file.read_text().strip() if pid_file.exists() else ""
        assert not (pid and Path(f"/proc/{pid}").exists()), f"{name} (pid {pid}) still running"
    assert not Path("/etc/slurm/slurm.conf").is_symlink() or Path("/etc/slurm/slurm.conf").resolve() != (
        work / "slurm" / "slurm.conf"
    )
