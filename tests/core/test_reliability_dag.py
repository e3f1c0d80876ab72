"""Issue 18 through the snakemake CLI: a preset switch with data on disk (1), run-only knobs that must not rerun
training (2), following the advice for a damaged file (5, 6), no empty checkpoint folders (9)."""

import json
from pathlib import Path

import pytest
import yaml
from dagutil import snakemake

NAT_TARGET = "results/tf/natural/mnist/original/metrics.json"


def _manifest(workdir: Path, source: str) -> Path:
    """The mnist manifest written from `source` ('fake' or 'idx'), wherever the layout puts it."""
    found = [p for p in workdir.glob("results/data/**/manifest.json") if "mnist" in p.parts and "fashion" not in str(p)]
    found = [p for p in found if json.loads(p.read_text())["source"] == source]
    assert len(found) == 1, f"{source} manifests: {found}"
    return found[0]


@pytest.mark.dag
def test_smoke_then_real_data_in_one_clone(tmp_path, shared_data):
    """Item 1 (and 6): fake smoke files never sit where the real ones go; a deleted data file is fetched again.
    (Issue 27, item 4: one folder holds one preset's outputs, so the real data comes in with the smoke preset.)"""
    snakemake(tmp_path, NAT_TARGET, "--until", "make_fake_idx", "--cores", "1", "--config", "preset=smoke")
    fake = _manifest(tmp_path, "fake")
    real_cfg = tmp_path / "real.yaml"
    real = {"source": "idx", "data_dir": str(shared_data), "download": False}
    real_cfg.write_text(yaml.safe_dump({"tf": {"natural": real}}))
    until_fetch = (NAT_TARGET, "--until", "fetch_dataset", "--cores", "1", "--config", "preset=smoke")
    snakemake(tmp_path, *until_fetch, "--configfile", str(real_cfg))
    real = _manifest(tmp_path, "idx")
    assert fake.parent != real.parent and not str(real.parent).startswith(str(fake.parent))
    assert json.loads(fake.read_text())["source"] == "fake", "the smoke data is untouched"
    # Item 6: delete one file of the real copy, as the advice says; the rerun fetches it again.
    victim = real.parent / "t10k-labels-idx1-ubyte.gz"
    victim.unlink()
    snakemake(tmp_path, *until_fetch, "--configfile", str(real_cfg))
    assert victim.is_file() and victim.stat().st_size > 0
    # and back to smoke: nothing to redo for the fake data
    dry = snakemake(tmp_path, NAT_TARGET, "--until", "make_fake_idx", "-n", "--config", "preset=smoke")
    assert "rule make_fake_idx:" not in dry.stdout + dry.stderr


@pytest.mark.dag
def test_following_the_advice_for_a_corrupt_data_file_recovers(tmp_path):
    """Item 6: the reader names the damaged file and says delete + rerun; doing exactly that works."""
    smoke = ("--cores", "1", "--config", "preset=smoke")
    snakemake(tmp_path, NAT_TARGET, "--until", "make_fake_idx", *smoke)
    images = _manifest(tmp_path, "fake").parent / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:100])  # a truncated copy (full disk, interrupted copy)
    proc = snakemake(tmp_path, NAT_TARGET, *smoke, check=False)
    assert proc.returncode != 0
    log = (tmp_path / "logs/train_tf_natural/mnist_original.log").read_text()
    assert str(images.relative_to(tmp_path)) in log and "Delete it and rerun snakemake" in log
    images.unlink()
    snakemake(tmp_path, NAT_TARGET, *smoke)
    assert (tmp_path / NAT_TARGET).is_file()


@pytest.mark.dag
def test_run_only_knobs_do_not_rerun_jobs(tmp_path):
    """Item 2: checkpoint interval and threads are not rerun triggers; item 9: no empty checkpoint folders."""
    targets = ("results/htf/dynamics/data0/mf/history.npz", "results/htf/locality/pathfinder/L3/data.npz")
    snakemake(tmp_path, *targets, "--cores", "1", "--config", "preset=smoke", "checkpoint_every_s=0.01")
    for every in ("300", "0"):
        dry = snakemake(tmp_path, *targets, "-n", "--config", "preset=smoke", f"checkpoint_every_s={every}")
        assert "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout[-2000:]
    # Issue 27, item 7: the report's parameters hold a hash of the result settings, not the whole config.
    from implreg.smk import result_config_hash

    assert result_config_hash({"preset": "smoke", "checkpoint_every_s": 1}) == result_config_hash(
        {"preset": "smoke", "checkpoint_every_s": 300}
    )
    assert result_config_hash({"preset": "smoke"}) != result_config_hash({"preset": "default"})
    dry = snakemake(tmp_path, *targets, "-n", "--set-threads", "make_pathfinder=2", "--config", "preset=smoke")
    assert "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout[-2000:]
    ckpt = tmp_path / "results/checkpoints"
    assert not ckpt.exists() or not any(ckpt.rglob("*")), f"left behind: {list(ckpt.rglob('*'))}"


@pytest.mark.dag
def test_truncated_intermediate_npz_names_the_file_and_the_advice_works(tmp_path):
    """Item 5: a truncated .npz gives one paragraph naming the file (no BadZipFile traceback); delete + rerun."""
    smoke = ("--cores", "1", "--config", "preset=smoke")
    history = tmp_path / "results/norms/dmf/main/depth2/history.npz"
    snakemake(tmp_path, str(history.relative_to(tmp_path)), *smoke)
    history.write_bytes(history.read_bytes()[:200])
    target = "results/norms/dmf/main/depth2/metrics.csv"
    proc = snakemake(tmp_path, target, *smoke, check=False)
    assert proc.returncode != 0
    log = (tmp_path / "logs/measure_dmf/main_depth2.log").read_text()
    assert "results/norms/dmf/main/depth2/history.npz" in log and "delete it and rerun snakemake" in log
    assert "Traceback" not in log
    history.unlink()
    snakemake(tmp_path, target, *smoke)
    assert (tmp_path / target).is_file()
