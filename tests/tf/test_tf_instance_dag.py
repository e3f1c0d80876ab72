"""Issue 26 item 5 through the CLI: two instances' histories swapped on disk are named, not drawn under the
wrong seed (readers used to pair seeds and files by position)."""

import pytest
from dagutil import snakemake

TARGET = "figures/tf/robustness.pdf"
SMOKE = ("--cores", "2", "--config", "preset=smoke")


@pytest.mark.dag
def test_swapped_histories_are_named_by_the_robustness_step(tmp_path):
    snakemake(tmp_path, TARGET, *SMOKE)
    a, b = (tmp_path / f"results/tf/robustness/obs150/data{s}/history.npz" for s in (100, 101))
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    proc = snakemake(tmp_path, TARGET, "--forcerun", "robustness_tf", *SMOKE, check=False)
    log = (tmp_path / "logs/robustness_tf/robustness.log").read_text()
    assert proc.returncode != 0
    assert f"{a.relative_to(tmp_path)} was trained on another instance: data_seed 101 (expected 100)" in log, log[
        -2000:
    ]
