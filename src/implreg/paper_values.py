"""The papers' own numbers, read off their figures: one auditable YAML file per paper.

`src/implreg/<paper>/paper_values.yaml` maps a figure id (``norms/tc_rank1_order3``) to named values, each
``{value, reading_error, source}``: the value as read off the paper's plot (or stated in its text), how far
off that reading can be (absolute, in the value's unit; from the plot's resolution), and where it was read
(figure, panel, and the section of ../shared/papers/<paper>.md). An optional ``markers`` list gives points
drawn on our own axes as "paper" markers: ``{label, x: [...], y: [...], axes: 0}``. Where no source gives a
figure a value, its entry is ``{value: null, absent: <why>, source}``: the claim cites the reason (:func:`cite`).
A figure's values are its own: no YAML anchor is shared between figures (tests/core/test_paper_values.py).
Claims cite these values as their ``paper`` field, so the claims file shows the paper's number beside ours.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

PAPERS = ("norms", "tf", "htf")


@cache
def load(paper: str) -> dict[str, Any]:
    """The whole reference file of one paper ({} if the paper has none yet)."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; one of {PAPERS}")
    file = resources.files(f"implreg.{paper}") / "paper_values.yaml"
    return (yaml.safe_load(file.read_text()) or {}) if file.is_file() else {}


def for_figure(figure: str) -> dict[str, Any]:
    """The reference block of one figure id (``<paper>/<slug>``); KeyError names the file when it is missing."""
    paper = figure.split("/", 1)[0]
    block = load(paper).get(figure)
    if block is None:
        raise KeyError(f"no paper values for {figure!r} in src/implreg/{paper}/paper_values.yaml")
    return block


ABSENT = "absent from the paper: "


def is_absent(entry: Any) -> bool:
    """Whether an entry says that no source gives this figure the value (``value: null`` and ``absent: why``)."""
    return isinstance(entry, dict) and bool(entry.get("absent"))


def cite(block: dict[str, Any], name: str) -> Any:
    """What a claim cites as `paper` for entry `name` of a figure's block: its value, or, for an absent one,
    "absent from the paper: <why>" (never a neighbouring figure's value)."""
    entry = block[name]
    if is_absent(entry):
        return ABSENT + str(entry["absent"])
    return entry["value"] if isinstance(entry, dict) else entry


def value(figure: str, name: str) -> Any:
    """One reference value (the number or statement a claim cites as `paper`; see :func:`cite`)."""
    return cite(for_figure(figure), name)
