"""Issue 26 item 5: a history records the instance it was trained on; readers check it, not the file's position."""

import numpy as np
import pytest

from implreg import instance
from implreg.errors import DataError
from implreg.io import read_npz, write_npz


def _history(tmp_path, name="h.npz", **inst):
    path = tmp_path / name
    write_npz(path, log_mse=np.ones((2, 3)), **instance.record(**inst))
    return path


def test_a_history_of_the_expected_instance_passes(tmp_path):
    path = _history(tmp_path, data_seed=3, num_samples=2000, shape=[10, 10, 10, 10])
    with read_npz(path) as z:
        instance.check(path, z, data_seed=3, num_samples=2000)
    instance.check(path, {instance.KEY: str(np.load(path)[instance.KEY])}, data_seed=3)  # as load_history gives it


def test_a_history_of_another_instance_is_named(tmp_path):
    path = _history(tmp_path, "data101.npz", data_seed=100, num_samples=2000)
    with (
        read_npz(path) as z,
        pytest.raises(
            DataError,
            match=r"data101\.npz was trained on another instance: "
            r"data_seed 100 \(expected 101\)",
        ),
    ):
        instance.check(path, z, data_seed=101, num_samples=2000)
    with read_npz(path) as z, pytest.raises(DataError, match=r"num_samples 2000 \(expected 3000\)"):
        instance.check(path, z, data_seed=100, num_samples=3000)


def test_a_history_without_its_instance_says_how_to_rebuild_it(tmp_path):
    path = tmp_path / "old.npz"
    write_npz(path, log_mse=np.ones(3))
    with read_npz(path) as z, pytest.raises(DataError, match=r"old\.npz does not record the instance.*rerun"):
        instance.check(path, z, data_seed=0)
