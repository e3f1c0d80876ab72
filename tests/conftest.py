import os
import signal
from pathlib import Path

import pytest

from implreg.checkpoint import Checkpoint

REPO = Path(__file__).resolve().parents[1]


def pytest_runtest_logstart(nodeid, location):
    """Name each slow test (the `snakemake` CLI runs, minutes each) as it starts, so a long suite shows progress
    instead of a row of dots that looks like a hang."""
    if any(part in nodeid for part in SLOW_FILES):
        print(f"\n[slow test, snakemake CLI] {nodeid} ...", flush=True)


SLOW_FILES = ("test_dag", "_dag.py", "test_reliability_dag", "test_report_browser", "test_slurm")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The offline dataset copies (../shared/data); a missing folder fails the test that needs it."""
    return find_shared_data()


def find_shared_data() -> Path:
    """IMPLREG_SHARED_DATA, else ../shared/data beside the checkout, else /work/shared/data (CI machines)."""
    env = os.environ.get("IMPLREG_SHARED_DATA")
    candidates = [Path(env)] if env else [REPO.parent / "shared" / "data", Path("/work/shared/data")]
    for path in candidates:
        if path.is_dir():
            return path
    raise AssertionError(f"shared data folder not found (tried {candidates}); set IMPLREG_SHARED_DATA to it")


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """A working directory where the whole DAG ran on the smoke preset through the snakemake CLI."""
    from dagutil import snakemake

    workdir = tmp_path_factory.mktemp("smoke")
    snakemake(workdir, "--cores", "2", "--config", "preset=smoke")
    return workdir


@pytest.fixture(scope="session")
def smoke_dir(request) -> Path:
    """A working directory with the whole smoke DAG built: the session's smoke_run, or IMPLREG_SMOKE_DIR.

    IMPLREG_SMOKE_DIR (a directory where `snakemake --config preset=smoke` already ran, report included) lets a
    developer rerun these tests without rebuilding the DAG; tests only read it, or copy it before changing it.
    """
    env = os.environ.get("IMPLREG_SMOKE_DIR")
    if env:
        return Path(env)
    return request.getfixturevalue("smoke_run")


class KilledAfter(Checkpoint):
    """Saves every time it is asked and 'receives' SIGTERM at the n-th save, as `kill` would deliver it."""

    def __init__(self, path, n: int, fp: str = "job"):
        super().__init__(path, fp, every_s=0.0)
        self.n, self.saves = n, 0

    def due(self) -> bool:
        self.saves += 1
        if self.saves == self.n:
            self._signal = signal.SIGTERM
        return True
