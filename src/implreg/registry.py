"""One registry per paper: every figure's paper number, rules, code, instances and caption in one table.

Each wing keeps its table in ``implreg/<paper>/registry.py`` (``FIGURES``: a tuple of :class:`Figure`). From it
come each claims file's ``made_by`` (which rules, script and functions produced it), figures/README.md's table
(`figures_readme_rows`, tested to agree), the report's subcategories, benchmark files (the row's rules in the
figure's DAG) and seeds (`instance_values`), and the tests that the README's figure table, docs/layout.md and the
pre-flight cover every figure. A new figure is one row here, one rule and its code.

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
    instances: str  # config keys that fix its instances and seeds (syntax: `instance_values`)
    benchmarks: tuple[str, ...]  # rules whose benchmark files the report sums into the figure's cost

    def pattern(self, paper: str) -> re.Pattern:
        """The figure ids this row covers: ``<paper>/<slug>``, each ``{name}`` a named group matching a config value."""
        parts = re.split(r"\{([a-z_]+)\}", self.slug)
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[a-z0-9_.]+)" for i, p in enumerate(parts))
        return re.compile(re.escape(paper) + "/" + regex)


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


class InstanceKeyError(KeyError):
    """A registry row's instance key that the config does not have (the message names the key and the row)."""

    def __str__(self) -> str:
        return str(self.args[0])


_STEP = re.compile(r"([A-Za-z0-9_]+)(?:\[([A-Za-z0-9_]*)(?:=([^\]]*))?\])?$")


def _step(values: list, part: str, key: str, done: str) -> tuple[list, bool]:
    """One dotted part of a key applied to each value: `name`, `name[]` (every element) or `name[field=value]` (the
    one element whose field is value). Returns the new values and whether they are now a list's elements."""
    m = _STEP.match(part)
    if not m:
        raise InstanceKeyError(f"instance key {key!r}: cannot read {part!r} (name, name[] or name[field=value])")
    name, field, wanted = m.groups()
    where = f"{done}.{name}" if done else name
    out = []
    for value in values:
        if not isinstance(value, dict) or name not in value:
            have = sorted(value) if isinstance(value, dict) else type(value).__name__
            raise InstanceKeyError(f"instance key {key!r}: {done or 'the config'} has no {name!r} (it has {have})")
        value = value[name]
        if field is None:
            out.append(value)
        elif not isinstance(value, list):
            raise InstanceKeyError(f"instance key {key!r}: {where} is not a list")
        elif wanted is None:
            out.extend(value)
        else:
            hits = [v for v in value if isinstance(v, dict) and str(v.get(field)) == wanted]
            if len(hits) != 1:
                raise InstanceKeyError(
                    f"instance key {key!r}: {len(hits)} elements of {where} have {field} = {wanted} (expected one)"
                )
            out.extend(hits)
    return out, field is not None and wanted is None


def config_value(cfg: dict, key: str):
    """The value of one dotted config key: ``a.b``, ``a[].b`` (b of every element of list a, flattened; scalars
    sorted and unique), ``a[name=x].b`` (b of the one element of a whose name is x). InstanceKeyError names the
    key and the missing part."""
    values, listed, done = [cfg], False, ""
    for part in key.split("."):
        values, spread = _step(values, part, key, done)
        listed = listed or spread
        done = f"{done}.{part}" if done else part
    if not listed:
        return values[0]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) or all(
        isinstance(v, str) for v in values
    ):
        return sorted(set(values))
    return values


def instance_values(figure_id: str, cfg: dict) -> dict:
    """{config key: value} of the keys that fix a figure's instances and seeds (its row's ``instances``), read from
    the resolved config. ``instances`` is comma-separated keys (syntax: `config_value`); ``a | b`` takes the first
    whose value is not null (a task's own seeds, else the shared list), keyed by the one taken; a ``{name}`` of
    the row's slug is filled from the figure id (``norms.dmf.panels[depth={depth}]``)."""
    row = entry(figure_id)
    fill = row.pattern(figure_id.split("/", 1)[0]).fullmatch(figure_id).groupdict()
    out = {}
    for item in row.instances.split(","):
        try:
            alternatives = [a.strip().format(**fill) for a in item.split("|")]
        except KeyError as err:
            raise InstanceKeyError(
                f"{figure_id}: instance key {item.strip()!r} names {{{err.args[0]}}}, not a part of the slug {row.slug!r}"
            ) from None
        for key in alternatives:
            try:
                value = config_value(cfg, key)
            except InstanceKeyError as err:
                raise InstanceKeyError(f"{figure_id} (its row in implreg/<paper>/registry.py): {err}") from None
            if value is not None:
                break
        out[key] = value
    return out
