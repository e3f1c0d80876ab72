"""The job counts docs/scaling.md and the README state are the DAG's (issue 28 item 5): a dry run of the paper
preset, counted per paper the way docs/scaling.md's table counts them."""

from __future__ import annotations

import re

import pytest
from dagutil import snakemake

ROWS = {  # docs/scaling.md row -> the rules whose jobs it counts
    "norms": re.compile(r"(train|measure|plot|solve)_(dmf|tc)\w*|make_tc_target|measure_tc_linear"),
    "tf": re.compile(r"\w+_tf_\w+|fetch_dataset"),
    "htf dynamics (4 instances)": re.compile(r"\w+_htf_(dynamics|appendix)"),
    "claims tables, summary, report, verdict": re.compile(
        r"claims_table|summarise_claims|build_report|check_claims|all"
    ),
}
LOCALITY = re.compile(r"make_is_same_class|make_pathfinder|\w+_locality\w*")


@pytest.fixture(scope="module")
def paper_jobs(tmp_path_factory):
    out = snakemake(tmp_path_factory.mktemp("dry"), "-n", "--config", "preset=paper").stdout
    stats = out[out.index("Job stats:") :]
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M)}
    return counts


def _doc_rows(text):
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 2 and cells[1].isdigit():
            rows[cells[0]] = int(cells[1])
    return rows


@pytest.mark.dag
def test_scaling_doc_job_counts_are_the_dags(repo, paper_jobs):
    text = (repo / "docs/scaling.md").read_text()
    rows = _doc_rows(text)
    total = paper_jobs.pop("total")  # Snakemake's total counts the `all` job too, as the docs do
    for row, rules in ROWS.items():
        got = sum(n for rule, n in paper_jobs.items() if rules.fullmatch(rule))
        assert rows[row] == got, f"docs/scaling.md says {rows[row]} {row} jobs; the paper DAG has {got}"
    locality = sum(n for rule, n in paper_jobs.items() if LOCALITY.fullmatch(rule))
    doc_locality = sum(n for row, n in rows.items() if row.startswith("htf locality"))
    assert doc_locality == locality, (doc_locality, locality)
    counted = sum(
        n for rule, n in paper_jobs.items() if LOCALITY.fullmatch(rule) or any(r.fullmatch(rule) for r in ROWS.values())
    )
    assert counted == total, (
        f"rules in no row: {[r for r in paper_jobs if not LOCALITY.fullmatch(r) and not any(x.fullmatch(r) for x in ROWS.values())]}"
    )
    assert f"{total} jobs in all" in text and f"lists all {total} jobs" in text
