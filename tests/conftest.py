import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The offline dataset copies (../shared/data); a missing folder fails the test that needs it."""
    path = Path(os.environ.get("IMPLREG_SHARED_DATA", REPO.parent / "shared" / "data"))
    assert path.is_dir(), f"shared data folder {path} not found; set IMPLREG_SHARED_DATA to its location"
    return path
