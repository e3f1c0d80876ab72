"""The reproduction report (implreg.report, workflow/rules/report.smk): content, verdict, Snakemake report."""

import json
import re
import shutil
import struct
import zlib

import pytest
import yaml
from dagutil import snakemake as _snakemake

from implreg.errors import ConfigError
from implreg.report.benchmarks import figure_cost, fmt_duration, read_benchmark
from implreg.report.claims import ClaimsFailed, check_verdict, terminal_summary, untested_reason
from implreg.report.deviations import load_deviations
from implreg.report.html import build_report, claims_table_html, collect
from implreg.report.provenance import config_hash, cpu_model


def _png(path, w=4, h=3):
    """A tiny valid PNG."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * w for _ in range(h))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path.write_bytes(png)


def _claims(tmp_path, paper, slug, claims, preset="smoke"):
    d = tmp_path / "figures" / paper
    d.mkdir(parents=True, exist_ok=True)
    _png(d / f"{slug}.png")
    path = d / f"{slug}.claims.json"
    path.write_text(json.dumps({"figure": f"{paper}/{slug}", "preset": preset, "claims": claims}))
    return path


NEW = {  # the claims issue's format
    "id": "rank_one",
    "statement": "the estimated rank is 1",
    "paper": 1,
    "measured": 1,
    "expected": "== 1",
    "tolerance_reason": "exact: an integer",
    "passed": True,
}
OLD_FAILED = {
    "id": "error_small",
    "statement": "the error falls below 1e-3",
    "measured": 0.5,
    "expected": "< 1e-3",
    "passed": False,
}
UNTESTED = {
    "id": "seeds_agree",
    "statement": "seeds agree",
    "measured": "not tested: one seed only",
    "expected": "spread < 1%",
    "passed": None,
}


@pytest.fixture
def two_figures(tmp_path):
    a = _claims(tmp_path, "norms", "tc_rank1_order3", [NEW, UNTESTED])
    b = _claims(tmp_path, "tf", "cp_dynamics", [OLD_FAILED])
    bench = tmp_path / "benchmarks/out/train_tc/rank1_order3_init0.01.tsv"
    bench.parent.mkdir(parents=True)
    bench.write_text(
        "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
        "75.5\t0:01:15\t238.70\t589.37\t160.13\t195.94\t0.00\t0.00\t34.03\t70.1\n"
    )
    return tmp_path, [a, b], {"norms/tc_rank1_order3": [str(bench), str(tmp_path / "absent.tsv")]}


def test_report_shows_claims_old_and_new_format_and_verdicts(repo, two_figures):
    root, files, bench = two_figures
    devs = [repo / "docs/deviations" / f"{p}.yaml" for p in ("norms", "tf", "htf")]
    out = root / "report/index.html"
    data = build_report(
        out,
        claims_files=files,
        deviations_files=devs,
        benchmarks=bench,
        seeds={"tf/cp_dynamics": {"data seed": 0}},
        provenance={"commit": "abc", "packages": {}},
    )
    html = out.read_text()
    assert data["total"] == {"passed": 1, "failed": 1, "untested": 1, "finding": 0}
    # New fields shown; absent ones as a dash; untested with its reason; the failure named in "what did not".
    assert "exact: an integer" in html and "—" in html
    # The untested reason is stated once, in its own section, and the row links to it.
    assert re.search(r'id="reason-1"[^>]*>one seed only', html) and 'href="#reason-1"' in html
    assert re.search(r"What did not.*the error falls below 1e-3", html, re.S)
    assert html.count("data:image/png;base64,") == 4  # gallery + figure, two figures: self-contained
    assert 'data-figure="norms/tc_rank1_order3"' in html and 'class="claims" data-figure="tf/cp_dynamics"' in html
    assert "Fig. 2, order 3" in html  # the label from docs/deviations/norms.yaml
    assert "1 min 16 s" in html and "239 MB" in html and "absent.tsv" in html  # cost, and the missing file named
    assert "data seed = 0" in html and "abc" in html
    assert "1 claim(s) FAILED" in html


def test_claims_table_page(two_figures):
    _, files, _ = two_figures
    html = claims_table_html(files[1])
    assert "FAILED" in html and "the error falls below 1e-3" in html and "<table" in html


def test_terminal_summary_and_verdict(two_figures):
    _, files, _ = two_figures
    docs = [json.loads(f.read_text()) for f in files]
    text = terminal_summary(docs, report_path="report/index.html")
    assert "FAIL tf/cp_dynamics" in text and "FAILED tf/cp_dynamics: the error falls below 1e-3" in text
    assert "measured 0.5; expected < 1e-3" in text and "report: report/index.html" in text
    assert "total: 1 passed, 1 failed, 1 untested, 0 finding" in text
    assert len(text.splitlines()) < 40
    with pytest.raises(ClaimsFailed, match="claims_must_pass"):
        check_verdict(docs, must_pass=True)
    assert check_verdict(docs, must_pass=False) == 1
    assert check_verdict(docs[:1], must_pass=True) == 0


FINDING = {
    **OLD_FAILED,
    "id": "order_holds",
    "statement": "smaller init gives lower error",
    "tolerance_reason": "exact ordering",
    "paper": "7e-6 < 8e-2",
    "finding": "2/4 main instances, 1/4 hold-out, 2026-12-07, docs/claims.md",
    "verdict": "finding",
}


def test_findings_are_counted_apart_shown_first_and_do_not_fail_the_verdict(repo, tmp_path):
    follow = {**NEW, "id": "ends_hold", "statement": "the two ends; the follow-up of the finding order_holds"}
    a = _claims(tmp_path, "tf", "cp_dynamics", [NEW, FINDING, follow], preset="default")
    docs = [json.loads(a.read_text())]
    text = terminal_summary(docs)
    assert "FIND tf/cp_dynamics" in text and "FINDING tf/cp_dynamics: order_holds" in text
    assert "total: 2 passed, 0 failed, 0 untested, 1 finding" in text and "FAILED" not in text
    assert check_verdict(docs, must_pass=True) == 0
    out = tmp_path / "report/index.html"
    devs = [repo / "docs/deviations" / f"{p}.yaml" for p in ("norms", "tf", "htf")]
    data = build_report(out, claims_files=[a], deviations_files=devs, provenance={"commit": "abc", "packages": {}})
    html = out.read_text()
    assert data["total"]["finding"] == 1 and data["total"]["failed"] == 0
    assert html.index("Not reproduced: findings") < html.index('class="figure"')
    assert "2/4 main instances, 1/4 hold-out" in html and 'class="banner find"' in html
    assert re.search(r"follow-up</b> <code>ends_hold</code>: passed \(reproduces\)", html)


def test_robustness_rates_get_their_section_and_the_finding_its_rate(repo, tmp_path):
    """Issue 30: the report's "How robust is each statement" section, and a declared finding linked to its rate."""
    from implreg.claims import Claim
    from implreg.robustness import instance_outcomes, rate_rows, summary

    a = _claims(tmp_path, "tf", "cp_dynamics", [NEW, FINDING], preset="default")
    outcomes = instance_outcomes(
        lambda _k, v: [Claim("order_holds", "smaller init gives lower error", v, "> 0", v > 0)], {0: 1, 1: -1, 2: 1}
    )
    rows = rate_rows("2000 observations", outcomes, findings=["order_holds"])
    rob = tmp_path / "figures/tf/robustness.json"
    rob.write_text(json.dumps(summary("tf/cp_dynamics", "default", rows, {"data_seeds": [0, 1, 2]})))
    _png(tmp_path / "figures/tf/robustness.png")
    out = tmp_path / "report/index.html"
    devs = [repo / "docs/deviations" / f"{p}.yaml" for p in ("norms", "tf", "htf")]
    prov = {"commit": "abc", "packages": {}}
    data = build_report(out, claims_files=[a], deviations_files=devs, provenance=prov, robustness_files=[rob])
    html = out.read_text()
    assert "How robust is each statement" in html and 'data-robustness="tf"' in html
    assert "2/3 (67 %, 95 % CI 21-94 %)" in html
    assert [r["k"] for r in data["findings"][0]["rates"]] == [2]
    assert re.search(r"How often it holds</b> \(<a href=\"#robustness\">robustness</a>, 2000 observations\): 2/3", html)
    # without robustness files: no section at all
    build_report(out, claims_files=[a], deviations_files=devs, provenance=prov)
    assert "How robust is each statement" not in out.read_text()


def test_a_stale_finding_fails_the_verdict_saying_to_remove_it(tmp_path):
    stale = {**FINDING, "passed": True, "verdict": "finding_stale"}
    docs = [json.loads(_claims(tmp_path, "tf", "cp_dynamics", [NEW, stale]).read_text())]
    text = terminal_summary(docs)
    assert "FAIL tf/cp_dynamics" in text and "no longer reproduces" in text
    with pytest.raises(ClaimsFailed, match="no longer reproduces"):
        check_verdict(docs, must_pass=True)


def test_a_claims_file_with_a_non_boolean_verdict_names_the_file(tmp_path):
    from implreg.errors import ReproError
    from implreg.report.claims import load_claims

    path = _claims(tmp_path, "tf", "cp_dynamics", [{**NEW, "passed": "yes"}])
    with pytest.raises(ReproError, match=r"cp_dynamics\.claims\.json: a claim's `passed` is 'yes'"):
        load_claims(path)


def test_untested_reason():
    assert untested_reason(UNTESTED) == "one seed only"
    assert untested_reason({**UNTESTED, "untested_reason": "preset smoke: 1 seed"}) == "preset smoke: 1 seed"


def test_benchmarks(tmp_path):
    assert read_benchmark(tmp_path / "none.tsv") is None
    assert figure_cost([])["total_s"] is None
    assert fmt_duration(None) == "—" and fmt_duration(3.21) == "3.2 s" and fmt_duration(3725) == "1 h 02 min"


def test_provenance_helpers():
    assert config_hash({"a": 1, "b": [2]}) == config_hash({"b": [2], "a": 1})
    assert "cores" in cpu_model()


def test_deviations_files_cover_every_figure(repo):
    from implreg.config import resolve

    cfg = resolve(yaml.safe_load((repo / "config.yaml").read_text()))
    slugs = {f"dmf_unobserved_entry_depth{p['depth']}" for p in cfg["norms"]["dmf"]["panels"]}
    slugs |= {f"dmf_perturbed_unobserved_entry_depth{p['depth']}" for p in cfg["norms"]["dmf"]["perturbed_panels"]}
    slugs |= {"dmf_norms_rank"} | {f"tc_{e['name']}" for e in cfg["norms"]["tc"]["experiments"]}
    want = {
        "norms": slugs,
        "tf": {"cp_dynamics", "tensor_rank_natural_data"},
        "htf": {
            "incremental_learning_mf_cp_ht",
            "ht_local_components_matricizations",
            "locality_is_same_class",
            "locality_pathfinder",
            "locality_is_same_class_resnet34",
            "locality_pathfinder_resnet34",
        },
    }
    for paper, expected in want.items():
        doc = load_deviations(repo / "docs/deviations" / f"{paper}.yaml")
        assert doc["paper"] == paper and set(doc["figures"]) == expected
        assert (repo / doc["notes"]).is_file()


# The required keys of a deviations file with one figure (implreg.report.deviations.REQUIRED), for bad-file tests.
MINIMAL_DEVIATIONS = {
    "paper": "x", "title": "t", "authors": "a", "venue": "v", "arxiv": "1", "code": "c", "scope": "s",
    "figures": {"f": "F"},
}  # fmt: skip


def test_bad_deviations_file_names_the_problem(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text(
        yaml.safe_dump(
            {**MINIMAL_DEVIATIONS, "deviations": [{"figures": ["g"], "what": "w", "why": "y", "effect": "e"}]}
        )
    )
    with pytest.raises(ConfigError, match=r"deviations\[0\]\.figures"):
        load_deviations(p)


def test_collect_without_deviations(two_figures):
    _, files, _ = two_figures
    data = collect(claims_files=files, deviations_files=[])
    assert [f["id"] for f in data["figures"]] == ["norms/tc_rank1_order3", "tf/cp_dynamics"]


# --- through the snakemake CLI, on the smoke DAG


@pytest.mark.dag
def test_smoke_run_builds_the_report_and_the_verdict(smoke_dir):
    html = (smoke_dir / "report/index.html").read_text()
    figures = sorted(p.name.removesuffix(".claims.json") for p in (smoke_dir / "figures").rglob("*.claims.json"))
    assert len(figures) >= 17
    for name in figures:
        assert f'/{name}"' in html, name
    assert "(missing:" not in html  # every job behind a figure left its benchmark file where report.smk looks
    verdict = (smoke_dir / "results/claims_verdict.txt").read_text()
    assert "total:" in verdict and "report: report/index.html" in verdict


@pytest.mark.dag
def test_snakemake_report_has_claims_and_description_without_warnings(smoke_dir, tmp_path):
    out = tmp_path / "report.html"
    proc = _snakemake(smoke_dir, "--report", str(out), "--config", "preset=smoke", "--rerun-triggers", "mtime")
    text = proc.stdout + proc.stderr
    assert "WARNING/" not in text and "System Message" not in text, text[-3000:]
    html = out.read_text(errors="replace")
    assert "System Message" not in html and "Inline emphasis" not in html
    assert "Reproduction of three papers" in html  # the workflow description (report: directive)
    for claims in (smoke_dir / "figures").rglob("*.claims.json"):
        assert claims.name.replace(".claims.json", ".html") in html, claims.name
    assert "index.html" in html


@pytest.mark.dag
def test_a_failed_claim_fails_the_run_after_figures_and_report(smoke_dir, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(smoke_dir, work, symlinks=True, ignore=shutil.ignore_patterns("report.html"))
    target = work / "figures/norms/dmf_unobserved_entry_depth3.claims.json"
    doc = json.loads(target.read_text())
    doc["claims"][0] |= {"passed": False, "measured": 12345, "statement": "DELIBERATELY WRONG claim"}
    target.write_text(json.dumps(doc))
    args = ("--cores", "1", "--config", "preset=smoke", "--rerun-triggers", "mtime")
    proc = _snakemake(work, *args, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert "FAILED norms/dmf_unobserved_entry_depth3: DELIBERATELY WRONG claim" in out
    assert "measured 12345" in out and "report: report/index.html" in out
    assert "claims_must_pass" in out
    assert "Shell command: None" not in out
    # Everything was still built, and the report shows the failure.
    assert (work / "figures/norms/dmf_unobserved_entry_depth3.png").is_file()
    assert "DELIBERATELY WRONG claim" in (work / "report/index.html").read_text()
    assert not (work / "results/claims_verdict.txt").exists()
    # claims_must_pass=False: the same run finishes, with a warning.
    proc = _snakemake(work, *args[:-2], "claims_must_pass=False", *args[-2:], check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "WARNING: 1 claim(s) failed" in out


def test_backticks_become_code_and_each_untested_reason_is_stated_once(repo, tmp_path):
    same = "the smoke preset has one seed for `data_seeds`"
    rows = [{**UNTESTED, "id": f"u{i}", "measured": f"not tested: {same}"} for i in range(3)]
    a = _claims(tmp_path, "tf", "cp_dynamics", [NEW, *rows, {**NEW, "id": "b", "statement": "uses `stop_loss`"}])
    devs = [repo / "docs/deviations" / f"{p}.yaml" for p in ("norms", "tf", "htf")]
    out = tmp_path / "report/index.html"
    data = build_report(out, claims_files=[a], deviations_files=devs, provenance={"commit": "abc", "packages": {}})
    html = out.read_text()
    assert len(data["reasons"]) == 1 and html.count("one seed for <code>data_seeds</code>") == 1
    assert html.count('href="#reason-1"') == 3 and "uses <code>stop_loss</code>" in html and "`" not in html


def test_untested_reason_is_the_presets_declaration(tmp_path):
    """The report shows why a claim is untested: the reason the preset declared, as finalize wrote it."""
    from implreg.claims import Claim
    from implreg.claims_file import write_claims

    claim = Claim("c", "s", 1.0, "e", True, paper=1.0, tolerance_reason="r")
    doc = write_claims(tmp_path / "x.claims.json", "norms/x", "smoke", [claim], {"c": "needs three seeds"})
    assert untested_reason(doc["claims"][0]) == "needs three seeds"


def test_a_claim_over_instances_leads_with_its_fraction():
    """A claim over instances reads "k/n instances"; the per-instance values are one click away (full JSON)."""
    from implreg.report.html import _claim_row

    measured = {f"data_seed {s}": {"emergence_times": list(range(40))} for s in range(4)}
    measured["fraction_of_instances"] = "1/4"
    row = _claim_row({"id": "x", "statement": "s", "measured": measured, "expected": "e", "passed": False})
    assert row["measured"] == "shown on 1/4 instances"
    assert '"emergence_times"' in row["measured_full"] and "data_seed 3" in row["measured_full"]
    plain = _claim_row({"id": "y", "statement": "s", "measured": {"a": 1}, "expected": "e", "passed": True})
    assert plain["measured"] == '{"a": 1}'


def test_provenance_lists_every_package_the_code_imports_derived_from_it():
    """Issue 28, item 7: scipy (the flow claims), llvmlite (numba's) and PyYAML are there without a hand-kept list."""
    from implreg.report.provenance import imported_distributions, package_versions

    names = {n.lower() for n in imported_distributions()}
    assert {"scipy", "llvmlite", "pyyaml", "torch", "numpy", "matplotlib", "snakemake", "jinja2"} <= names
    assert len(names) == len(imported_distributions())  # one entry per project
    assert all(v != "not installed" for v in package_versions().values())


def test_deviations_are_shown_for_the_figures_preset_only(repo, tmp_path):
    """Issue 28 item 2: a smoke report does not describe the default preset's reductions, and says it is a smoke run."""
    devs = [repo / "docs/deviations" / f"{p}.yaml" for p in ("norms", "tf", "htf")]
    prov = {"commit": "abc", "packages": {}}
    shown = {}
    for preset in ("smoke", "default"):
        a = _claims(tmp_path / preset, "norms", "tc_rank3_order4", [NEW], preset=preset)
        data = build_report(tmp_path / preset / "index.html", claims_files=[a], deviations_files=devs, provenance=prov)
        shown[preset] = [d["what"] for d in data["figures"][0]["deviations"]]
    assert any("default preset runs this figure from init 1e-2 only" in w for w in shown["default"])
    assert not any("default preset runs this figure" in w for w in shown["smoke"])
    assert any(w.startswith("The smoke preset runs") for w in shown["smoke"])
    assert not any(w.startswith("The smoke preset runs") for w in shown["default"])


def test_a_deviation_for_an_unknown_preset_is_refused(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                **MINIMAL_DEVIATIONS,
                "deviations": [{"figures": "all", "what": "w", "why": "y", "effect": "e", "presets": ["defualt"]}],
            }
        )
    )
    with pytest.raises(ConfigError, match="presets"):
        load_deviations(bad)
