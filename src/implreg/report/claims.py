"""Claims files as the report and the terminal show them: verdicts, counts, the one-screen summary."""

from __future__ import annotations

import json
from pathlib import Path

from implreg.claims import UNTESTED_PREFIX, count_verdicts
from implreg.errors import ReproError
from implreg.io import read_json

PAPERS = ("norms", "tf", "htf")
MISSING = "—"  # a field an older claims file does not carry


class ClaimsFailed(ReproError):
    """At least one claim failed and config `claims_must_pass` is true."""


def untested_reason(claim: dict) -> str:
    """Why a claim is untested at this preset: the preset's declared reason (`note`, written by
    implreg.claims.finalize), else what an older claims file carried."""
    note = claim.get("note")
    if isinstance(note, str) and note.startswith(UNTESTED_PREFIX):
        return note[len(UNTESTED_PREFIX) :]
    for key in ("untested_reason", "why_untested", "untested"):
        if isinstance(claim.get(key), str) and claim[key]:
            return claim[key]
    measured = claim.get("measured")
    if isinstance(measured, str) and measured.startswith("not tested"):
        return measured.split(":", 1)[1].strip() if ":" in measured else measured
    return "declared untestable at this preset"


def load_claims(path: str | Path) -> dict:
    """A claims file, checked for the keys the report needs; names the file when it is not one."""
    doc = read_json(path)
    if not isinstance(doc, dict) or not {"figure", "preset", "claims"} <= set(doc):
        raise ReproError(
            f"{path} is not a claims file (needs keys figure, preset, claims); delete it and rerun snakemake."
        )
    return doc


def short(value, limit: int = 90) -> str:
    """A measured/expected value as one line of text (JSON for dicts and lists), cut at `limit` characters."""
    if value is None:
        return MISSING
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def terminal_summary(docs: list[dict], report_path: str | None = None, width: int = 100) -> str:
    """The one-screen claims summary printed at the end of a run: per figure counts, then every failure."""
    lines = ["", "=" * width, "CLAIMS: each paper statement tested on the numbers behind its figure", "-" * width]
    total = {"passed": 0, "failed": 0, "untested": 0}
    failures = []
    for doc in sorted(docs, key=lambda d: (_paper_rank(d["figure"]), d["figure"])):
        n = count_verdicts(doc["claims"])
        for k in total:
            total[k] += n[k]
        mark = "FAIL" if n["failed"] else "ok  "
        lines.append(
            f"{mark} {doc['figure']:<50} {n['passed']:>3} passed {n['failed']:>3} failed {n['untested']:>3} untested"
        )
        failures += [(doc["figure"], c) for c in doc["claims"] if c.get("passed") is False]
    lines.append("-" * width)
    preset = sorted({d["preset"] for d in docs})
    lines.append(
        f"total: {total['passed']} passed, {total['failed']} failed, {total['untested']} untested"
        f" (untested = this preset cannot test them; preset {', '.join(preset)})"
    )
    for fig, c in failures:
        lines.append(f"FAILED {fig}: {c['statement']}")
        lines.append(f"       measured {short(c.get('measured'))}; expected {short(c.get('expected'))}")
    if report_path:
        lines.append(f"report: {report_path}")
    lines.append("=" * width)
    return "\n".join(lines)


def _paper_rank(figure_id: str) -> int:
    paper = figure_id.split("/", 1)[0]
    return PAPERS.index(paper) if paper in PAPERS else len(PAPERS)


def check_verdict(docs: list[dict], must_pass: bool) -> int:
    """Number of failed claims; raises ClaimsFailed when there are any and `must_pass` is set."""
    failed = sum(count_verdicts(d["claims"])["failed"] for d in docs)
    if failed and must_pass:
        raise ClaimsFailed(
            f"{failed} claim(s) failed (listed above; every figure and the report were still built). "
            "Look at the figure and its claims file; to finish the run without failing on claims, "
            "set claims_must_pass: false (e.g. --config claims_must_pass=False)."
        )
    return failed
