"""Declared findings through the snakemake CLI (issue 31): a finding that still fails lets the run end green and
shows in the summary; a "finding" whose claim passes fails the run naming it; a declared convergence claim, a
declaration without its evidence or one for a figure that is not built is refused before any job runs."""

import json
import shutil

import pytest
import yaml
from dagutil import snakemake as _snakemake

EVIDENCE = "holds on 0/4 main instances and 0/4 on the hold-out (measured 2026-12-07, docs/claims.md)"
FIG = "norms/tc_rank1_order3"


def _configfile(tmp_path, layer) -> str:
    path = tmp_path / "override.yaml"
    path.write_text(yaml.safe_dump(layer))
    return str(path)


def _copy(smoke_dir, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(smoke_dir, work, symlinks=True, ignore=shutil.ignore_patterns("report.html"))
    return work


def _run(work, configfile, *extra):
    return _snakemake(work, "--cores", "1", "--configfile", configfile, "--config", "preset=smoke", *extra, check=False)


@pytest.mark.dag
def test_a_declared_finding_that_fails_ends_green_and_is_shown(smoke_dir, tmp_path):
    """A margin no run can meet makes small_init_beats_linear fail for real; declared a finding, the run exits 0."""
    work = _copy(smoke_dir, tmp_path)
    exp = [dict(e) for e in _smoke_experiments()]
    for e in exp:
        if e["name"] == "rank1_order3":
            e["claim_error_factor"] = 1.0e12
    layer = {"norms": {"tc": {"experiments": exp}}, "findings": {FIG: {"small_init_beats_linear": EVIDENCE}}}
    proc = _run(work, _configfile(tmp_path, layer))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert f"FINDING {FIG}: small_init_beats_linear" in out and "1 finding" in out
    claim = _claim(work, "small_init_beats_linear")
    assert claim["passed"] is False and claim["verdict"] == "finding" and claim["finding"] == EVIDENCE
    summary = json.loads((work / "results/claims_summary.json").read_text())
    assert summary["finding"] == 1 and summary["failed"] == 0
    assert "Not reproduced: findings" in (work / "report/index.html").read_text()


@pytest.mark.dag
def test_a_declared_finding_whose_claim_passes_fails_the_run_naming_it(smoke_dir, tmp_path):
    work = _copy(smoke_dir, tmp_path)
    assert _claim(work, "small_init_beats_linear")["passed"] is True
    proc = _run(work, _configfile(tmp_path, {"findings": {FIG: {"small_init_beats_linear": EVIDENCE}}}))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-4000:]
    assert "declared finding no longer reproduces: small_init_beats_linear" in out and "remove" in out
    assert (work / f"figures/{FIG}.png").is_file()  # the figure stays, to look at


@pytest.mark.parametrize(
    "findings, message",
    [
        ({FIG: {"small_init_runs_converge": EVIDENCE}}, "a convergence claim cannot be declared a finding"),
        ({FIG: {"small_init_beats_linear": "it fails, trust me, it really does fail"}}, "must carry its evidence"),
        ({"norms/tc_rank9_order9": {"small_init_beats_linear": EVIDENCE}}, "does not build"),
    ],
)
def test_a_bad_finding_declaration_is_refused_before_any_job_runs(tmp_path, findings, message):
    proc = _snakemake(tmp_path, "-n", "--configfile", _configfile(tmp_path, {"findings": findings}), "--config",
                      "preset=smoke", check=False)  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and message in out, out[-3000:]
    assert "Job stats" not in out  # refused while parsing: no DAG was planned


def _smoke_experiments():
    from pathlib import Path

    raw = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yaml").read_text())
    return raw["presets"]["smoke"]["norms"]["tc"]["experiments"]


def _claim(work, cid):
    doc = json.loads((work / f"figures/{FIG}.claims.json").read_text())
    return next(c for c in doc["claims"] if c["id"] == cid)
