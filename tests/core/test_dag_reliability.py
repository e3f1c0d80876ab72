"""Reliability through the snakemake CLI: killed jobs resume, failed jobs leave nothing, reruns are identical."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from dagutil import cmdline, descendants, snakemake, snakemake_cmd, snakemake_env

NAT_TARGET = "results/tf/natural/mnist/original/metrics.json"
NAT_CKPT = "results/checkpoints/" + NAT_TARGET + ".ckpt.pt"
NAT_LOG = "logs/train_tf_natural/mnist_original.log"


def _long_natural_config(workdir: Path) -> str:
    """Smoke preset, but the natural-data fit runs long enough (~20 s) to be killed mid-way."""
    path = workdir / "long.yaml"
    cfg = {
        "preset": "smoke",
        "checkpoint_every_s": 0.2,
        "presets": {"smoke": {"tf": {"natural": {"epochs": 1500, "eval_every": 50}}}},
    }
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def _run_and_kill(workdir: Path, configfile: str, sig: int) -> str:
    """Start the target, wait for its first checkpoint, kill the training process with `sig`; the job log."""
    proc = subprocess.Popen(
        snakemake_cmd(workdir, NAT_TARGET, "--cores", "1", "--configfile", configfile),
        env=snakemake_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (workdir / NAT_CKPT).exists():
            assert proc.poll() is None, f"job ended before its first checkpoint:\n{proc.stdout.read()[-3000:]}"
            assert time.monotonic() < deadline, "no checkpoint after 120 s"
            time.sleep(0.05)
        time.sleep(0.5)  # a few more epochs, so the kill lands mid-run and after a later save
        jobs = [pid for pid in descendants(proc.pid) if "train_tf_natural" in cmdline(pid)]
        assert jobs, "training process not found"
        for pid in jobs:
            os.kill(pid, sig)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0, out[-3000:]
    return (workdir / NAT_LOG).read_text()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict:
    workdir = tmp_path_factory.mktemp("uninterrupted")
    snakemake(workdir, NAT_TARGET, "--cores", "1", "--configfile", _long_natural_config(workdir))
    assert not (workdir / NAT_CKPT).exists(), "a finished job removes its checkpoint"
    return json.loads((workdir / NAT_TARGET).read_text())


@pytest.mark.dag
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killed_training_resumes_to_the_same_metrics(tmp_path, uninterrupted, sig):
    configfile = _long_natural_config(tmp_path)
    killed_log = _run_and_kill(tmp_path, configfile, sig)
    if sig == signal.SIGTERM:
        assert "SIGTERM: checkpoint saved" in killed_log
    assert not (tmp_path / NAT_TARGET).exists(), "a killed job must not leave its output"
    assert (tmp_path / NAT_CKPT).exists()
    snakemake(tmp_path, NAT_TARGET, "--cores", "1", "--configfile", configfile)
    assert "resuming from checkpoint" in (tmp_path / NAT_LOG).read_text()
    assert json.loads((tmp_path / NAT_TARGET).read_text()) == uninterrupted
    assert not (tmp_path / NAT_CKPT).exists()


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.dag
def test_failing_training_job_leaves_nothing(tmp_path):
    target = "figures/norms/tc_rank1_order3.pdf"
    # A step far too large for plain GD: the run diverges and the job must fail cleanly.
    tc = {"optimizer": "gd", "lr": 10.0, "init_stds": [1.0]}
    configfile = tmp_path / "diverge.yaml"
    configfile.write_text(yaml.safe_dump({"preset": "smoke", "presets": {"smoke": {"norms": {"tc": tc}}}}))
    proc = snakemake(tmp_path, target, "--cores", "2", "--configfile", str(configfile), check=False)
    assert proc.returncode != 0
    logs = "".join(p.read_text() for p in (tmp_path / "logs/train_tc").glob("*.log"))
    assert "diverged" in logs.lower() and "Traceback" not in logs
    assert _leftovers(tmp_path / "results/norms/tc/rank1_order3/init1") == []
    assert not (tmp_path / "figures").exists() or _leftovers(tmp_path / "figures") == []
    dry = snakemake(tmp_path, target, "-n", "--configfile", str(configfile))
    assert "train_tc" in dry.stdout, "the failed job must be scheduled again"


@pytest.mark.dag
def test_failing_plot_leaves_nothing(tmp_path):
    target = "figures/norms/dmf_unobserved_entry_depth3.pdf"
    snakemake(tmp_path, target, "--cores", "2", "--config", "preset=smoke")
    fig_dir = tmp_path / "figures/norms"
    assert (fig_dir / "dmf_unobserved_entry_depth3.claims.json").exists()
    metrics = tmp_path / "results/norms/dmf/main/depth3/metrics.csv"
    metrics.write_text("this is not the csv the plot expects\n")  # newer than the figure: the plot reruns
    proc = snakemake(tmp_path, target, "--cores", "2", "--config", "preset=smoke", check=False)
    assert proc.returncode != 0
    assert not [p for p in _leftovers(fig_dir) if "depth3" in p.name], "no figure, PNG, claims or temp file"
    assert (tmp_path / "logs/plot_dmf_entry/depth3.log").read_text().count("ERROR") >= 1


def _result_files(workdir: Path) -> dict[str, bytes]:
    out = {}
    for top in ("results", "figures"):
        for path in sorted((workdir / top).rglob("*")):
            if path.is_file() and "checkpoints" not in path.parts:
                out[str(path.relative_to(workdir))] = path.read_bytes()
    return out


@pytest.mark.dag
def test_two_smoke_runs_are_byte_identical(smoke_run, tmp_path):
    snakemake(tmp_path, "--cores", "2", "--config", "preset=smoke")
    first, second = _result_files(smoke_run), _result_files(tmp_path)
    first = {k: v for k, v in first.items() if not k.startswith("report")}
    assert first.keys() == second.keys()
    differ = [k for k in first if first[k] != second[k]]
    assert not differ, f"files differ between two runs with the same seeds: {differ}"
    assert any(k.endswith(".pdf") for k in first) and any(k.endswith(".claims.json") for k in first)
