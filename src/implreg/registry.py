"""One registry per paper: every figure's paper number, rules, code, instances and caption in one table.

Each wing keeps its table in ``implreg/<paper>/registry.py`` (``FIGURES``: a tuple of :class:`Figure`). From it
come each claims file's ``made_by`` (which rules, script and functions produced it), figures/README.md's table
(`figures_readme_rows`, tested to agree), the report's subcategories, and the tests that the README's figure
table, docs/layout.md, the report's benchmark lists and the pre-flight cover every figure. A new figure is one
row here, one rule and its code.

Pure data and string work: imported while Snakemake parses the workflow, so nothing heavy (no torch) is imported.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

PAPERS = ("norms", "tf", "htf")


@dataclass(frozen=True)
class Figure:
    """One figure (or one family: ``{depth}``, ``{exp}`` in the slug stand for config-driven values)."""

    slug: str  # figures/<paper>/<slug>.pdf; also the figure's key in docs/deviations/<paper>.yaml
    paper_figure: str  # the paper's own numbering ("Fig. 1", "appendix A") or "not a paper figure"
    shows: str  # one line: what the figure shows (figures/README.md)
    rules: tuple[str, ...]  # the Snakemake rules that build it, data first, the plot rule last
    script: str  # the plot script that draws it and writes its claims file
    training: str  # dotted path of the function that trains (or computes) its runs
    claims: str  # dotted path of the function that checks the paper's statements on its numbers
    instances: str  # config keys that fix its instances and seeds
    benchmarks: tuple[str, ...]  # rules whose benchmark files the report sums into the figure's cost

    def pattern(self, paper: str) -> re.Pattern:
        """The figure ids this row covers: ``<paper>/<slug>`` with each ``{...}`` matching a config value."""
        parts = re.split(r"\{[a-z_]+\}", self.slug)
        return re.compile(re.escape(paper) + "/" + "[a-z0-9_.]+".join(re.escape(p) for p in parts))


def figures(paper: str) -> tuple[Figure, ...]:
    """The registry of one paper (its wing's ``registry.FIGURES``)."""
    if paper not in PAPERS:
        raise KeyError(f"no paper {paper!r}; the papers are {PAPERS}")
    return importlib.import_module(f"implreg.{paper}.registry").FIGURES


def entry(figure_id: str) -> Figure:
    """The registry row of a figure id (``norms/dmf_unobserved_entry_depth3``); KeyError naming the id if none."""
    paper = figure_id.split("/", 1)[0]
    if paper in PAPERS:
        rows = [f for f in figures(paper) if f.pattern(paper).fullmatch(figure_id)]
        if len(rows) == 1:
            return rows[0]
    raise KeyError(f"{figure_id!r} is in no figure registry (implreg/<paper>/registry.py)")


def made_by(figure_id: str) -> dict:
    """What produced a figure, for its claims file: rules, the plot script, the training and claims functions."""
    f = entry(figure_id)
    return {"rules": list(f.rules), "script": f.script, "training": f.training, "claims": f.claims}


def figures_readme_rows() -> list[str]:
    """figures/README.md's table rows, in registry order."""
    rows = []
    for paper in PAPERS:
        for f in figures(paper):
            label = f.paper_figure if f.paper_figure == "not a paper figure" else f"{paper} {f.paper_figure}"
            rows.append(f"| `{paper}/{f.slug}.pdf` | {label}: {f.shows} | `{f.training}` | `{f.claims}` |")
    return rows
