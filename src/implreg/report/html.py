"""report/index.html: every figure with its claims, deviations, cost and provenance, in one self-contained page."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from implreg.claims import STALE, VERDICTS, count_verdicts, failure_text, verdict
from implreg.io import atomic_path
from implreg.report.benchmarks import figure_cost, fmt_duration
from implreg.report.claims import MISSING, PAPERS, load_claims, short, untested_reason
from implreg.report.deviations import deviations_of, load_deviations

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
    """A claim tested over several instances leads with the fraction that showed it (cut text would lose it)."""
    if isinstance(measured, dict) and "fraction_of_instances" in measured:
        per_instance = {k: v for k, v in measured.items() if k != "fraction_of_instances"}
        return f"shown on {measured['fraction_of_instances']} instances; " + short(per_instance, 160)
    return short(measured, 200)


def _claim_row(c: dict) -> dict:
    v = verdict(c)
    return {
        "id": c.get("id", MISSING),
        "statement": c.get("statement", MISSING),
        "paper": short(c.get("paper"), 200),
        "measured": _measured_text(c.get("measured")),
        "expected": short(c.get("expected"), 200),
        "tolerance_reason": c.get("tolerance_reason") or MISSING,
        "verdict": v,
        "verdict_text": _verdict_text(c, v),
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


def collect(
    claims_files: list[str | Path],
    deviations_files: list[str | Path],
    benchmarks: dict[str, list[str]] | None = None,
    seeds: dict[str, dict] | None = None,
    provenance: dict | None = None,
) -> dict:
    """Everything the template shows, as plain data (also what the tests inspect)."""
    benchmarks, seeds = benchmarks or {}, seeds or {}
    meta = {}
    for f in deviations_files:
        doc = load_deviations(f)
        meta[doc["paper"]] = doc
    figures = []
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
                "claims": [_claim_row(c) for c in doc["claims"]],
                "counts": count_verdicts(doc["claims"]),
                "deviations": deviations_of(pmeta, slug) if pmeta else [],
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
        "findings": [{"figure": f, "claim": c} for f in figures for c in f["claims"] if c["verdict"] == "finding"],
        "untested_only": [f for f in figures if f["counts"]["passed"] == 0 and f["counts"]["failed"] == 0],
        "provenance": provenance or {},
    }


def render(data: dict) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
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
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    rows = [_claim_row(c) for c in doc["claims"]]
    return env.get_template("claims_page.html.j2").render(
        figure=doc["figure"], preset=doc["preset"], rows=rows, counts=count_verdicts(doc["claims"])
    )
