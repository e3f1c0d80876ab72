"""docs/deviations/<paper>.yaml: what the report says about each paper beyond the numbers.

Keys: paper, title, authors, venue, arxiv, code, notes, scope, easy, hard, not_reproduced (list of {what, why}),
figures ({slug: label}), deviations (list of {figures, what, why, effect}; figures: list of slugs or "all").
"""

from __future__ import annotations

from pathlib import Path

import yaml

from implreg.errors import ConfigError

REQUIRED = ("paper", "title", "authors", "venue", "arxiv", "code", "scope", "figures", "deviations")
DEVIATION_KEYS = {"figures", "what", "why", "effect"}


def load_deviations(path: str | Path) -> dict:
    """One paper's file, checked: every required key, every deviation with figures/what/why/effect."""
    path = Path(path)
    doc = yaml.safe_load(path.read_text()) or {}
    missing = [k for k in REQUIRED if k not in doc]
    if missing:
        raise ConfigError(f"{path}: missing key(s) {missing}; see src/implreg/report/deviations.py for the format.")
    for i, dev in enumerate(doc["deviations"]):
        if set(dev) != DEVIATION_KEYS:
            raise ConfigError(
                f"{path}: deviations[{i}] has keys {sorted(dev)}; each needs exactly {sorted(DEVIATION_KEYS)}."
            )
        figs = dev["figures"]
        if figs != "all" and not (isinstance(figs, list) and all(f in doc["figures"] for f in figs)):
            raise ConfigError(
                f"{path}: deviations[{i}].figures = {figs!r}; give 'all' or slugs listed under figures:"
                f" {sorted(doc['figures'])}."
            )
    return doc


def deviations_of(doc: dict, slug: str) -> list[dict]:
    return [d for d in doc["deviations"] if d["figures"] == "all" or slug in d["figures"]]
