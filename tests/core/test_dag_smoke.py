"""The whole DAG through the snakemake CLI on the smoke preset (the issue's DAG-level check)."""

import json

import pytest
from dagutil import snakemake as _snakemake


@pytest.mark.dag
def test_every_figure_has_pdf_png_and_claims(smoke_run):
    figs = sorted((smoke_run / "figures").rglob("*.pdf"))
    names = {f.name for f in figs}
    for expected in (
        "dmf_unobserved_entry_depth3.pdf",
        "dmf_norms_rank.pdf",
        "tc_rank1_order3.pdf",
        "tc_rank1_order4.pdf",
        "cp_dynamics.pdf",
        "tensor_rank_natural_data.pdf",
        "dmf_perturbed_unobserved_entry_depth3.pdf",
    ):
        assert expected in names
    for pdf in figs:
        assert pdf.with_suffix(".png").stat().st_size > 1000
        if pdf.stem == "robustness":  # rates, not a verdict: figures/<paper>/robustness.json (test_robustness_dag)
            assert pdf.with_suffix(".json").is_file()
            continue
        claims = json.loads(pdf.with_name(pdf.stem + ".claims.json").read_text())
        # the tensor-completion figures say which instance they completed (smoke: seeded draws, see config)
        about = {"instance"} if pdf.stem.startswith("tc_") else set()
        base = {"figure", "preset", "made_by", "untestable_declared", "claims"}
        assert set(claims) == base | about, set(claims)
        assert claims["made_by"]["rules"][-1].startswith("plot_"), claims["made_by"]
        assert claims["preset"] == "smoke" and claims.get("instance", {"kind": "seeded"})["kind"] == "seeded"
        assert claims["claims"], pdf
        declared = claims["untestable_declared"]
        for c in claims["claims"]:
            fields = {"id", "statement", "paper", "measured", "expected", "tolerance_reason", "passed"}
            assert fields <= set(c) <= fields | {"note"}, c
            assert c["paper"] not in (None, "") and c["tolerance_reason"], c
            # null only where the preset declared it before the run
            assert (c["passed"] is None) == (c["id"] in declared), c


@pytest.mark.dag
def test_smoke_claims_do_not_fail(smoke_run):
    summary = json.loads((smoke_run / "results" / "claims_summary.json").read_text())
    assert summary["failed"] == 0, summary["failures"]
    assert summary["passed"] > 20


@pytest.mark.dag
def test_pdf_has_no_timestamp(smoke_run):
    pdf = (smoke_run / "figures" / "norms" / "dmf_unobserved_entry_depth3.pdf").read_bytes()
    assert b"/CreationDate" not in pdf and b"/ModDate" not in pdf


@pytest.mark.dag
def test_numbers_behind_figures_exist(smoke_run):
    assert (smoke_run / "results/norms/dmf/main/depth3/metrics.csv").stat().st_size > 0
    assert (smoke_run / "results/norms/tc/rank1_order3/linear.csv").stat().st_size > 0


@pytest.mark.dag
def test_bad_preset_is_refused_naming_the_key(tmp_path):
    proc = _snakemake(tmp_path, "-n", "--config", "preset=huge", check=False)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "preset = 'huge' is not allowed" in text and "smoke" in text


@pytest.mark.dag
def test_unknown_figure_target_is_refused(tmp_path):
    proc = _snakemake(tmp_path, "-n", "figures/norms/no_such_figure.pdf", "--config", "preset=smoke", check=False)
    assert proc.returncode != 0
    assert "MissingRuleException" in proc.stdout + proc.stderr or "No rule to produce" in proc.stdout + proc.stderr


@pytest.mark.dag
def test_html_report_has_every_figure(smoke_run):
    _snakemake(smoke_run, "--report", "report.html", "--config", "preset=smoke")
    html = (smoke_run / "report.html").read_text(errors="replace")
    assert len(html) > 10_000
    for png in (smoke_run / "figures").rglob("*.png"):  # by path: the three robustness.png share a name
        assert str(png.relative_to(smoke_run)) in html, png


@pytest.mark.dag
def test_readme_smoke_claim_counts_are_this_builds(smoke_run, repo):
    """Issue 28 item 5: the README's "smoke p/f/u" counts are the smoke build's, figure by figure."""
    import re

    text = (repo / "README.md").read_text()
    section = text[text.index("## Figures") : text.index("## Presets")]
    checked = 0
    for row in section.splitlines():
        targets = re.findall(r"`figures/([a-z0-9_/]+)\.pdf`", row)
        m = re.search(r"smoke ([0-9/, ]+?)(?: each)?;", row)
        if not targets or not m:
            continue
        counts = [c.strip() for c in m.group(1).split(",")]
        if len(counts) == 1 and len(targets) > 1:  # "5/0/1 each"
            counts *= len(targets)
        for fig, want in zip(targets, counts, strict=True):
            doc = json.loads((smoke_run / "figures" / f"{fig}.claims.json").read_text())
            cs = doc["claims"]
            got = "/".join(
                str(n)
                for n in (
                    sum(c["passed"] is True for c in cs),
                    sum(c["passed"] is False for c in cs),
                    sum(c["passed"] is None for c in cs),
                )
            )
            assert got == want, f"README says smoke {want} for {fig}; this smoke build has {got}"
            checked += 1
    assert checked >= 15


@pytest.mark.dag
def test_smoke_builds_the_robustness_targets_and_their_report_section(smoke_run):
    """Issue 30: at smoke (robustness: true) `all` builds every paper's robustness target and the report shows it."""
    found = sorted((smoke_run / "figures").glob("*/robustness.json"))
    assert [p.parent.name for p in found] and (smoke_run / "figures/tf/robustness.json") in found
    for path in found:
        doc = json.loads(path.read_text())
        assert doc["rows"] and doc["interval"].startswith("Wilson")
        for r in doc["rows"]:
            assert 0 <= r["k"] <= r["n"] and r["wilson_lo"] <= r["rate"] <= r["wilson_hi"], r
        assert (path.parent.parent.parent / "results" / path.parent.name / "robustness" / "outcomes.csv").is_file()
    html = (smoke_run / "report/index.html").read_text()
    assert "How robust is each statement" in html
