"""report/index.html: every figure with its claims, deviations, cost and provenance, in one self-contained page."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import jinja2
import markupsafe

from implreg.claims import FAILS, STALE, VERDICTS, count_verdicts, failure_text, verdict
from implreg.io import atomic_path
from implreg.report.benchmarks import figure_cost, fmt_duration
from implreg.report.claims import MISSING, PAPERS, load_claims, short, untested_reason
from implreg.report.deviations import deviations_of, load_deviations
from implreg.robustness import rate_text

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = TEMPLATES / "report.html.j2"


def png_of_claims(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name.replace(".claims.json", ".png"))


def data_uri(png: Path) -> str | None:
    if not png.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def _measured_text(measured) -> str:
    """Short: a claim tested over several instances says "k/n instances" (the full value is one click away)."""
    if isinstance(measured, dict) and "fraction_of_instances" in measured:
        return f"shown on {measured['fraction_of_instances']} instances"
    return short(measured, 120)


def _full_json(value) -> str:
    """The whole value, for the one-click "full" view beside the short text."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)


def _claim_row(c: dict, reasons: dict[str, int] | None = None) -> dict:
    """One claims-table row. ``reasons``: distinct untested reasons -> their number (filled as rows come), so the
    page states each reason once and the rows refer to it."""
    v = verdict(c)
    reason = untested_reason(c) if v == "untested" else ""
    ref = None
    if reason and reasons is not None:
        ref = reasons.setdefault(reason, len(reasons) + 1)
    measured, paper = c.get("measured"), c.get("paper")
    return {
        "id": c.get("id", MISSING),
        "statement": c.get("statement", MISSING),
        "paper": short(paper, 120),
        "paper_full": _full_json(paper) if len(short(paper, 121)) > 120 else "",
        "measured": MISSING if ref and str(measured).startswith("not tested") else _measured_text(measured),
        "measured_full": _full_json(measured) if isinstance(measured, dict | list) else "",
        "expected": short(c.get("expected"), 200),
        "tolerance_reason": c.get("tolerance_reason") or MISSING,
        "verdict": v,
        "verdict_text": "untested: reason" if ref else _verdict_text(c, v),
        "reason_ref": ref,
        "finding": c.get("finding") or "",
    }


def _verdict_text(c: dict, v: str) -> str:
    if v == "untested":
        return f"untested at this preset: {untested_reason(c)}"
    if v == "finding":
        return "FINDING: not reproduced (declared with its evidence)"
    if v == STALE:
        return "FAILED: " + failure_text(c)
    return {"passed": "passed", "failed": "FAILED"}[v]


def robustness_sections(files: list[str | Path]) -> list[dict]:
    """The robustness summaries (figures/<paper>/robustness.json), each with its plot and rates as text."""
    out = []
    for path in files:
        doc = json.loads(Path(path).read_text())
        png = Path(path).with_suffix(".png")
        rows = [{**r, "text": rate_text(r)} for r in doc["rows"]]
        out.append(
            {
                "paper": Path(path).parent.name,
                "figure": doc["figure"],
                "preset": doc["preset"],
                "settings": doc["settings"],
                "rows": rows,
                "png": data_uri(png),
                "png_name": png.name,
            }
        )
    return out


def collect(
    claims_files: list[str | Path],
    deviations_files: list[str | Path],
    benchmarks: dict[str, list[str]] | None = None,
    seeds: dict[str, dict] | None = None,
    provenance: dict | None = None,
    robustness_files: list[str | Path] | None = None,
) -> dict:
    """Everything the template shows, as plain data (also what the tests inspect)."""
    benchmarks, seeds = benchmarks or {}, seeds or {}
    robustness = robustness_sections(robustness_files or [])
    meta = {}
    for f in deviations_files:
        doc = load_deviations(f)
        meta[doc["paper"]] = doc
    figures = []
    reasons: dict[str, int] = {}
    for path in claims_files:
        doc = load_claims(path)
        paper, _, slug = doc["figure"].partition("/")
        pmeta = meta.get(paper, {})
        cost = figure_cost(benchmarks.get(doc["figure"], []))
        figures.append(
            {
                "id": doc["figure"],
                "anchor": "fig-" + doc["figure"].replace("/", "-"),
                "paper": paper,
                "slug": slug,
                "label": pmeta.get("figures", {}).get(slug, slug),
                "preset": doc["preset"],
                "png": data_uri(png_of_claims(path)),
                "png_name": png_of_claims(path).name,
                "claims": [_claim_row(c, reasons) for c in doc["claims"]],
                "counts": count_verdicts(doc["claims"]),
                "deviations": deviations_of(pmeta, slug, doc["preset"]) if pmeta else [],
                "cost": {
                    **cost,
                    "total": fmt_duration(cost["total_s"]),
                    "longest": fmt_duration(cost["longest_s"]),
                    "peak": f"{cost['peak_rss_mb']:.0f} MB" if cost["peak_rss_mb"] is not None else MISSING,
                    "rows": [
                        {**r, "time": fmt_duration(r["s"]), "rss": f"{r['max_rss_mb']:.0f} MB"}
                        if r["max_rss_mb"] is not None
                        else {**r, "time": fmt_duration(r["s"]), "rss": MISSING}
                        for r in cost["jobs"]
                    ],
                },
                "seeds": seeds.get(doc["figure"], {}),
            }
        )
    order = {p: i for i, p in enumerate(PAPERS)}
    figures.sort(key=lambda f: (order.get(f["paper"], len(order)), f["id"]))
    papers = []
    for p in sorted({f["paper"] for f in figures} | set(meta), key=lambda p: order.get(p, len(order))):
        figs = [f for f in figures if f["paper"] == p]
        n = dict.fromkeys(VERDICTS, 0)
        for f in figs:
            for k in n:
                n[k] += f["counts"][k]
        # Figures in the paper's own order (as listed in its deviations file), then any others.
        listed = list(meta.get(p, {}).get("figures", {}))
        figs.sort(key=lambda f: (listed.index(f["slug"]) if f["slug"] in listed else len(listed), f["slug"]))
        papers.append({"key": p, "meta": meta.get(p, {}), "figures": figs, "counts": n})
    figures = [f for p in papers for f in p["figures"]]
    total = {k: sum(p["counts"][k] for p in papers) for k in VERDICTS}
    presets = sorted({f["preset"] for f in figures})
    return {
        "papers": papers,
        "figures": figures,
        "total": total,
        "presets": presets,
        "reproduced": [
            f
            for f in figures
            if f["counts"]["failed"] == 0 and f["counts"]["finding"] == 0 and f["counts"]["passed"] > 0
        ],
        "not_reproduced": [f for f in figures if f["counts"]["failed"] > 0 or f["counts"]["finding"] > 0],
        "findings": [
            {
                "figure": f,
                "claim": c,
                "follow_ups": follow_ups(f["claims"], c["id"]),
                "rates": [
                    r
                    for sec in robustness
                    for r in sec["rows"]
                    if r["claim"] == c["id"] and r.get("figure", sec["figure"]) == f["id"]
                ],
            }
            for f in figures
            for c in f["claims"]
            if c["verdict"] == "finding"
        ],
        "robustness": robustness,
        "untested_only": [f for f in figures if f["counts"]["passed"] == 0 and f["counts"]["failed"] == 0],
        "provenance": provenance or {},
        "reasons": [{"n": n, "text": text} for text, n in reasons.items()],
        "fails": FAILS,
    }


def code_spans(text) -> markupsafe.Markup:
    """Escape ``text`` and turn its `backtick` spans into <code> (statements and reasons are written in markdown)."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


def _environment(**kw) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), trim_blocks=True, lstrip_blocks=True, **kw)
    env.filters["code"] = code_spans
    return env


def follow_ups(rows: list[dict], finding_id: str) -> list[dict]:
    """The figure's claims pre-registered as follow-ups of a finding (their statement names it), with verdicts."""
    return [r for r in rows if r["id"] != finding_id and f"finding {finding_id}" in r["statement"]]


def render(data: dict) -> str:
    env = _environment(autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined)
    return env.get_template(TEMPLATE.name).render(**data)


def build_report(out_path: str | Path, **kwargs) -> dict:
    """Collect, render and write the page atomically; returns the collected data."""
    data = collect(**kwargs)
    html = render(data)
    with atomic_path(out_path) as tmp:
        tmp.write_text(html)
    return data


def claims_table_html(claims_file: str | Path) -> str:
    """One figure's claims as a small standalone HTML page (the Snakemake report's claims item)."""
    doc = load_claims(claims_file)
    env = _environment(autoescape=True)
    rows = [_claim_row(c) for c in doc["claims"]]
    return env.get_template("claims_page.html.j2").render(
        figure=doc["figure"], preset=doc["preset"], rows=rows, counts=count_verdicts(doc["claims"])
    )
