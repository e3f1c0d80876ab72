"""Claims files: the paper's statements tested on the numbers a figure is drawn from.

Written beside each figure as figures/<paper>/<slug>.claims.json:
{"figure", "preset", "claims": [{"id", "statement", "measured", "expected", "passed"}]}.
`passed` is True/False, or None when the preset is too small to test the claim.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from implreg.io import read_json, write_json


@dataclass
class Claim:
    id: str
    statement: str
    measured: Any
    expected: str
    passed: bool | None

    def __post_init__(self):
        if self.passed is not None:
            self.passed = bool(self.passed)
        self.measured = _clean(self.measured)


def _clean(v):
    """JSON-friendly: NaN/inf become None, numpy scalars become Python numbers, floats are rounded."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float):
        return None if not math.isfinite(v) else float(f"{v:.6g}")
    return v


def untestable(claim_id: str, statement: str, expected: str, why: str) -> Claim:
    """A claim the current preset is too small to test: recorded, never counted as passed."""
    return Claim(claim_id, statement, f"not tested: {why}", expected, None)


def write_claims(path: str | Path, figure: str, preset: str, claims: list[Claim]) -> dict:
    doc = {"figure": figure, "preset": preset, "claims": [asdict(c) for c in claims]}
    write_json(path, doc)
    return doc


def summarise(paths: list[str | Path]) -> dict:
    """Counts of passed / failed / untested claims over many claims files, with the failures listed."""
    out = {"passed": 0, "failed": 0, "untested": 0, "failures": [], "files": len(paths)}
    for p in paths:
        doc = read_json(p)
        for c in doc["claims"]:
            key = {True: "passed", False: "failed", None: "untested"}[c["passed"]]
            out[key] += 1
            if c["passed"] is False:
                out["failures"].append({"figure": doc["figure"], **c})
    return out
