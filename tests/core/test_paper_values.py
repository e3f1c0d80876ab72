"""The papers' values (src/implreg/<paper>/paper_values.yaml) are each figure's own: no value is borrowed from a
neighbouring figure (issue 29), and a value no source gives is marked absent with its reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from implreg import paper_values

SRC = Path(__file__).resolve().parents[2] / "src" / "implreg"
FILES = {paper: SRC / paper / "paper_values.yaml" for paper in paper_values.PAPERS}


def shared_across_figures(text: str) -> list[str]:
    """Entries of one figure that are the same YAML node as another figure's (an anchor used by an alias or a
    merge key `<<:` in another figure's block): "<figure> and <figure> share <path>"."""
    root = yaml.compose(text)
    owner: dict[int, tuple[str, str]] = {}
    out = []

    def walk(node, figure, path):
        if isinstance(node, yaml.ScalarNode):
            return
        if id(node) in owner and owner[id(node)][0] != figure:
            out.append(f"{owner[id(node)][0]} and {figure} share {owner[id(node)][1] or '(the whole block)'}")
            return
        owner.setdefault(id(node), (figure, path))
        if isinstance(node, yaml.MappingNode):
            for key, val in node.value:
                walk(val, figure, f"{path}.{key.value}".lstrip("."))
        else:
            for i, item in enumerate(node.value):
                walk(item, figure, f"{path}[{i}]")

    for key, block in root.value if root else []:
        walk(block, key.value, "")
    return out


def test_the_checker_sees_a_borrowed_block_and_a_borrowed_entry():
    """The test below would pass vacuously if the walk missed aliases (the file before issue 29 had both kinds)."""
    whole = "a/x: &blk\n  v: {value: 1, source: s}\na/y: *blk\n"
    merged = "a/x:\n  v: &v {value: 1, source: s}\na/y:\n  <<: {v: *v}\n  w: {value: 2, source: s}\n"
    assert shared_across_figures(whole) == ["a/x and a/y share (the whole block)"]
    assert shared_across_figures(merged) == ["a/x and a/y share v"]
    assert shared_across_figures("a/x: {v: &v {value: 1}, w: *v}\n") == []  # within one figure is fine


@pytest.mark.parametrize("paper", paper_values.PAPERS)
def test_no_figure_borrows_another_figures_value(paper):
    assert not shared_across_figures(FILES[paper].read_text()), FILES[paper]


@pytest.mark.parametrize("paper", paper_values.PAPERS)
def test_every_value_is_given_or_absent_with_its_reason(paper):
    for figure, block in paper_values.load(paper).items():
        for name, entry in block.items():
            if name == "markers" or not isinstance(entry, dict):
                continue
            assert entry.get("source"), (figure, name)
            if "absent" in entry:
                assert entry["value"] is None and str(entry["absent"]).strip(), (figure, name)
                assert paper_values.cite(block, name).startswith(paper_values.ABSENT), (figure, name)
            else:
                assert entry.get("value") is not None, f"{figure}.{name}: a value, or value: null with absent: why"


NUMBERED = re.compile(r"\b(depth|order)[ -](\d)\b")


def test_sources_name_their_own_figures_depth_and_order():
    """A source that names a depth or an order names this figure's (a neighbour's reading would name its own)."""
    bad = []
    for figure, block in paper_values.load("norms").items():
        own = dict(NUMBERED.findall(figure.replace("_depth", " depth ").replace("_order", " order ")))
        for name, entry in block.items():
            if not isinstance(entry, dict):
                continue
            for kind, k in NUMBERED.findall(str(entry.get("source", ""))):
                if kind in own and k != own[kind]:
                    bad.append(f"{figure}.{name}: source names {kind} {k}")
    assert not bad, bad


def test_issue_29_aliases_are_gone():
    norms = paper_values.load("norms")
    assert all(paper_values.is_absent(e) for e in norms["norms/tc_rank3_order4"].values())
    assert paper_values.is_absent(norms["norms/dmf_perturbed_unobserved_entry_depth2"]["w11_at_stop"])
    labels = [m["label"] for m in paper_values.load("htf")["htf/locality_pathfinder"]["markers"]]
    assert labels and not any("300" in label for label in labels), labels
