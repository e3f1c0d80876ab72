"""Claims files as the report and the terminal show them: verdicts, counts, the one-screen summary."""

from __future__ import annotations

import json
from pathlib import Path

from implreg.claims import FAILS, STALE, UNTESTED_PREFIX, VERDICTS, count_verdicts, failure_text, verdict
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
    for c in doc["claims"] if isinstance(doc["claims"], list) else [None]:
        if not isinstance(c, dict) or c.get("passed", "missing") not in (True, False, None):
            got = c.get("passed", "missing") if isinstance(c, dict) else c
            raise ReproError(
                f"{path}: a claim's `passed` is {got!r}, not true, false or null; this file was not written by "
                "the pipeline or is damaged: delete it and rerun snakemake."
            )
    return doc


def short(value, limit: int = 90) -> str:
    """A measured/expected value as one line of text (JSON for dicts and lists), cut at `limit` characters."""
    if value is None:
        return MISSING
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def terminal_summary(docs: list[dict], report_path: str | None = None, width: int = 100) -> str:
    """The one-screen claims summary printed at the end of a run: per figure counts, then the declared findings
    (paper statements that did not reproduce, with their evidence), then every failure."""
    lines = ["", "=" * width, "CLAIMS: each paper statement tested on the numbers behind its figure", "-" * width]
    total = dict.fromkeys(VERDICTS, 0)
    failures, findings = [], []
    for doc in sorted(docs, key=lambda d: (_paper_rank(d["figure"]), d["figure"])):
        n = count_verdicts(doc["claims"])
        for k in total:
            total[k] += n[k]
        lines.append(f"{figure_mark(n)} {doc['figure']:<48} {counts_text(n)}")
        for c in doc["claims"]:
            v = verdict(c)
            if v in FAILS:
                failures.append((doc["figure"], c))
            elif v == "finding":
                findings.append((doc["figure"], c))
    lines.append("-" * width)
    preset = sorted({d["preset"] for d in docs})
    lines.append(
        f"total: {counts_sentence(total)} (untested = this preset cannot test them; finding = a paper statement "
        f"declared not to reproduce, with its evidence; preset {', '.join(preset)})"
    )
    if findings:
        lines.append(f"NOT REPRODUCED (declared findings, the build does not fail on them): {len(findings)}")
        for fig, c in findings:
            lines.append(f"FINDING {fig}: {c['id']}: {short(c['statement'], 80)}")
            lines.append(f"       measured {short(c.get('measured'))}")
            lines.append(f"       declared: {short(c.get('finding'), 200)}")
    for fig, c in failures:
        lines.append(f"FAILED {fig}: {failure_text(c)}")
        lines.append(f"       measured {short(c.get('measured'))}; expected {short(c.get('expected'))}")
    if report_path:
        lines.append(f"report: {report_path}")
    lines.append("=" * width)
    return "\n".join(lines)


def figure_mark(counts: dict) -> str:
    """A figure's one-word verdict: FAIL (an undeclared failure or a stale finding), FIND (findings only), ok."""
    return "FAIL" if counts["failed"] else ("FIND" if counts["finding"] else "ok  ")


def counts_sentence(n: dict) -> str:
    return f"{n['passed']} passed, {n['failed']} failed, {n['untested']} untested, {n['finding']} finding"


def counts_text(n: dict) -> str:
    return f"{n['passed']:>3} passed {n['failed']:>3} failed {n['untested']:>3} untested {n['finding']:>2} finding"


def _paper_rank(figure_id: str) -> int:
    paper = figure_id.split("/", 1)[0]
    return PAPERS.index(paper) if paper in PAPERS else len(PAPERS)


def check_verdict(docs: list[dict], must_pass: bool) -> int:
    """Number of failed claims (stale findings included); raises ClaimsFailed when there are any and `must_pass`
    is set. Declared findings that still fail are not failures."""
    failed = sum(count_verdicts(d["claims"])["failed"] for d in docs)
    stale = sum(verdict(c) == STALE for d in docs for c in d["claims"])
    if failed and must_pass:
        why = (
            f" ({stale} of them declared findings that now pass: the finding no longer reproduces; remove its "
            "declaration from `findings` in config.yaml)"
            if stale
            else ""
        )
        raise ClaimsFailed(
            f"{failed} claim(s) failed{why} (listed above; every figure and the report were still built). "
            "Look at the figure and its claims file; to finish the run without failing on claims, "
            "set claims_must_pass: false (e.g. --config claims_must_pass=false)."
        )
    return failed


def targeted_claims(targets, figures) -> list[str]:
    """Claims files whose verdict a build of ``targets`` must print: each requested figure's (its pdf, png or
    claims file); every figure's for the report or the claims summary. The default target (`all`) is left to
    its own check_claims job."""
    out = []
    for t in targets or ():
        t = str(t)
        if t in ("report/index.html", "results/claims_summary.json"):
            return [f.replace(".pdf", ".claims.json") for f in figures]
        for suffix in (".pdf", ".png", ".claims.json"):
            # only the figures' own (a robustness target has rates, not a verdict)
            if t.startswith("figures/") and t.endswith(suffix) and t[: -len(suffix)] + ".pdf" in figures:
                path = t[: -len(suffix)] + ".claims.json"
                if path not in out:
                    out.append(path)
    return out


def build_verdict(claims_paths, must_pass: bool) -> tuple[str, int]:
    """The verdict of a build that made some figures: one line per figure, its findings and failures; returns
    (text, exit code): non-zero on an undeclared failure or a stale finding while `must_pass`."""
    docs, missing = [], []
    for p in claims_paths:
        if Path(p).is_file():
            docs.append(load_claims(p))
        else:
            missing.append(str(p))
    lines = []
    failed = 0
    for doc in docs:
        n = count_verdicts(doc["claims"])
        failed += n["failed"]
        lines.append(f"VERDICT {figure_mark(n).strip()} {doc['figure']}: {counts_sentence(n)}")
        for c in doc["claims"]:
            v = verdict(c)
            if v in FAILS:
                lines.append(f"  FAILED {c['id']}: {failure_text(c)}")
            elif v == "finding":
                lines.append(f"  FINDING {c['id']} (declared, not a failure)")
    lines += [f"VERDICT ?    {p} was not written (the job failed or was not run)" for p in missing]
    if failed and must_pass:
        lines.append(
            f"{failed} claim(s) failed: the figure(s) and claims files are kept to look at; the run exits "
            "non-zero (claims_must_pass). "
            "--config claims_must_pass=false only warns."
        )
        return "\n".join(lines), 1
    return "\n".join(lines), 0
