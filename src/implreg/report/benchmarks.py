"""Snakemake `benchmark:` files: one TSV per job with wall-clock seconds and peak memory."""

from __future__ import annotations

import csv
from pathlib import Path


def read_benchmark(path: str | Path) -> dict | None:
    """{'job', 's', 'max_rss_mb', 'cpu_time'} of one job (first repeat), or None if the file is absent or empty."""
    path = Path(path)
    if not path.is_file():
        return None
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows:
        return None
    row = rows[0]
    return {
        "job": f"{path.parent.name}/{path.stem}",
        "s": _num(row.get("s")),
        "max_rss_mb": _num(row.get("max_rss")),
        "cpu_time": _num(row.get("cpu_time")),
    }


def _num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def figure_cost(paths: list[str | Path]) -> dict:
    """The jobs behind one figure: each job's row, the summed and longest runtime, the peak memory."""
    rows = [r for r in (read_benchmark(p) for p in paths) if r is not None]
    secs = [r["s"] for r in rows if r["s"] is not None]
    rss = [r["max_rss_mb"] for r in rows if r["max_rss_mb"] is not None]
    return {
        "jobs": rows,
        "expected": len(paths),
        "missing": [str(p) for p in paths if read_benchmark(p) is None],
        "total_s": sum(secs) if secs else None,
        "longest_s": max(secs) if secs else None,
        "peak_rss_mb": max(rss) if rss else None,
    }


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{seconds:.1f} s"
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {sec:02d} s"
