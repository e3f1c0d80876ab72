"""A build of one figure prints that figure's verdict and exits non-zero on an undeclared failed claim, keeping
the figure (issue 28, item 1), through the snakemake CLI on the smoke preset."""

import csv
import json

import pytest
from dagutil import snakemake as _snakemake

FIG = "figures/norms/dmf_unobserved_entry_depth3.pdf"


@pytest.mark.dag
def test_one_figure_prints_its_verdict_and_fails_on_a_failed_claim(tmp_path):
    proc = _snakemake(tmp_path, "--cores", "1", FIG, "--config", "preset=smoke")
    assert "VERDICT ok norms/dmf_unobserved_entry_depth3: 10 passed, 0 failed" in proc.stdout + proc.stderr
    # The gradient flow 50 % off in |w11| (outside the smoke stop loss's band, 1 +- 0.21): the flow no longer follows the theorem; the figure is redrawn.
    flow = tmp_path / "results/norms/dmf/main/depth3/flow.csv"
    rows = list(csv.DictReader(flow.open()))
    for r in rows:
        r["w11"] = str(1.5 * float(r["w11"]))
    with flow.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    summary = tmp_path / "results/norms/dmf/main/depth3/flow_summary.json"
    summary.write_text(json.dumps([dict(s, final_w11=1.5 * s["final_w11"]) for s in json.loads(summary.read_text())]))
    proc = _snakemake(tmp_path, "--cores", "1", FIG, "--config", "preset=smoke", "--rerun-triggers", "mtime",
                      check=False)  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert "VERDICT FAIL norms/dmf_unobserved_entry_depth3" in out and "FAILED flow_w11_follows_theorem" in out
    assert (tmp_path / FIG).is_file() and (tmp_path / FIG.replace(".pdf", ".claims.json")).is_file()
    # claims_must_pass=false: the same figure redrawn only warns.
    proc = _snakemake(tmp_path, "--cores", "1", FIG, "--config", "preset=smoke", "claims_must_pass=False",
                      "--rerun-triggers", "mtime", "--forcerun", "plot_dmf_entry", check=False)  # fmt: skip
    assert proc.returncode == 0 and "VERDICT FAIL" in proc.stdout + proc.stderr
