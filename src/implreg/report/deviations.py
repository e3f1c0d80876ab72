"""docs/deviations/<paper>.yaml: what the report says about each paper beyond the numbers.

Keys: paper, title, authors, venue, arxiv, code, notes, scope, easy, hard, not_reproduced (list of {what, why}),
figures ({slug: label}), deviations (list of {figures, what, why, effect[, presets]}; figures: list of slugs or
"all"; presets: the presets a deviation describes, e.g. [default] for a reduction only the default preset makes;
without it the deviation holds at every preset).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from implreg.errors import ConfigError

REQUIRED = ("paper", "title", "authors", "venue", "arxiv", "code", "scope", "figures", "deviations")
DEVIATION_KEYS = {"figures", "what", "why", "effect"}
PRESETS = ("smoke", "default", "paper")


def load_deviations(path: str | Path) -> dict:
    """One paper's file, checked: every required key, every deviation with figures/what/why/effect."""
    path = Path(path)
    doc = yaml.safe_load(path.read_text()) or {}
    missing = [k for k in REQUIRED if k not in doc]
    if missing:
        raise ConfigError(f"{path}: missing key(s) {missing}; see src/implreg/report/deviations.py for the format.")
    for i, dev in enumerate(doc["deviations"]):
        if not DEVIATION_KEYS <= set(dev) <= DEVIATION_KEYS | {"presets"}:
            raise ConfigError(
                f"{path}: deviations[{i}] has keys {sorted(dev)}; each needs exactly {sorted(DEVIATION_KEYS)}"
                " and may add presets."
            )
        if "presets" in dev and not (
            isinstance(dev["presets"], list) and dev["presets"] and set(dev["presets"]) <= set(PRESETS)
        ):
            raise ConfigError(
                f"{path}: deviations[{i}].presets = {dev['presets']!r}; give a list from {list(PRESETS)}."
            )
        figs = dev["figures"]
        if figs != "all" and not (isinstance(figs, list) and all(f in doc["figures"] for f in figs)):
            raise ConfigError(
                f"{path}: deviations[{i}].figures = {figs!r}; give 'all' or slugs listed under figures:"
                f" {sorted(doc['figures'])}."
            )
    return doc


def deviations_of(doc: dict, slug: str, preset: str | None = None) -> list[dict]:
    """The deviations of one figure at one preset (all presets' when ``preset`` is None)."""
    return [
        d
        for d in doc["deviations"]
        if (d["figures"] == "all" or slug in d["figures"]) and (preset is None or preset in d.get("presets", PRESETS))
    ]
