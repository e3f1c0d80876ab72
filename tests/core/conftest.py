import os
from pathlib import Path

import pytest


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
