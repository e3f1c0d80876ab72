"""The figure registries (implreg/<paper>/registry.py) and everything derived from or checked against them
(issue 26): figures/README.md, the README's figure table, docs/layout.md's map, the deviations files, the
pre-flight, the rules, the claims files' made_by."""

from __future__ import annotations

import importlib
import itertools
import re
from pathlib import Path

import pytest
import yaml

from implreg import registry
from implreg.config import PRESETS, resolve
from implreg.preflight.probes import Probe
from implreg.preflight.probes import probes as preflight_probes
from implreg.registry import (
    PAPERS,
    InstanceKeyError,
    config_value,
    entry,
    figures,
    figures_readme_rows,
    instance_values,
    made_by,
)

ROWS = [(p, f) for p in PAPERS for f in figures(p)]
IDS = [f"{p}/{f.slug}" for p, f in ROWS]


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("paper, fig", ROWS, ids=IDS)
def test_every_row_names_code_that_exists(repo, paper, fig):
    assert callable(_resolve(fig.training)) and callable(_resolve(fig.claims))
    assert (repo / fig.script).is_file()
    rules_text = "\n".join(p.read_text() for p in (repo / "workflow/rules").glob("*.smk"))
    defined = set(re.findall(r"^(?:rule|checkpoint) (\w+):", rules_text, re.M))
    defined |= set(re.findall(r"^use rule \w+ as (\w+)", rules_text, re.M))
    assert set(fig.rules) <= defined, set(fig.rules) - defined
    assert set(fig.benchmarks) <= set(fig.rules)
    assert fig.rules[-1].startswith("plot_")


def test_every_plot_rule_is_some_figures_last_rule(repo):
    rules_text = "\n".join(p.read_text() for p in (repo / "workflow/rules").glob("*.smk"))
    plot_rules = set(re.findall(r"^rule (plot_\w+):", rules_text, re.M))
    assert plot_rules == {f.rules[-1] for _, f in ROWS}


def test_figures_readme_table_is_generated_from_the_registries(repo):
    text = (repo / "figures/README.md").read_text()
    table = [ln for ln in text.splitlines() if ln.startswith("| `")]
    assert table == figures_readme_rows(), "regenerate the table from implreg.registry.figures_readme_rows()"


def _readme_targets(repo):
    text = (repo / "README.md").read_text()
    section = text[text.index("## Figures") : text.index("## Presets")]
    return {i for t in re.findall(r"`figures/([a-z0-9_/{},]+)\.pdf`", section) for i in _expand(t)}


def test_readme_figure_table_and_registries_cover_each_other(repo):
    targets = _readme_targets(repo)
    for fid in targets:
        entry(fid)  # KeyError names a README figure without a registry row
    for paper, fig in ROWS:
        assert any(fig.pattern(paper).fullmatch(t) for t in targets), f"README's table lacks {paper}/{fig.slug}"


def test_layout_docs_map_agrees_with_the_registries(repo):
    text = (repo / "docs/layout.md").read_text()
    rows = [
        [c.strip().strip("`") for c in ln.strip("|").split("|")] for ln in text.splitlines() if ln.startswith("| `")
    ]
    for paper, fig in ROWS:
        mine = [r for r in rows if any(fig.pattern(paper).fullmatch(i) for i in _expand(r[0]))]
        assert mine, f"docs/layout.md's map lacks {paper}/{fig.slug}"
        for r in mine:
            assert r[1] == fig.rules[-1] and "implreg." + r[3] == fig.claims, (r, fig)


def _expand(cell: str) -> list[str]:
    """`norms/tc_rank{1,3}_order{3,4}` -> its four ids (shell-style braces)."""
    cell = cell.split("`", maxsplit=1)[0].split(" ", maxsplit=1)[0]
    parts = re.split(r"\{([^}]*)\}", cell)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(c) for c in itertools.product(*choices)]


def test_deviation_files_name_exactly_the_registered_figures(repo):
    for paper in PAPERS:
        doc = yaml.safe_load((repo / f"docs/deviations/{paper}.yaml").read_text())
        for slug in doc["figures"]:
            entry(f"{paper}/{slug}")
        for fig in figures(paper):
            assert any(fig.pattern(paper).fullmatch(f"{paper}/{s}") for s in doc["figures"]), (paper, fig.slug)


def test_every_training_rule_has_a_preflight_probe_that_exists():
    probes = preflight_probes()
    trainings = {r for _, f in ROWS for r in f.rules if r.startswith("train_")}
    assert trainings <= set(probes), trainings - set(probes)
    for probe in probes.values():
        assert callable(_resolve(probe.function)) and probe.steps >= 2, probe


def test_every_robustness_training_rule_has_a_probe():
    """The robustness targets' training rules (`use rule train_x as train_..._robustness`) are sized too."""
    rules_dir = Path(__file__).resolve().parents[2] / "workflow" / "rules"
    text = "\n".join(p.read_text() for p in rules_dir.glob("*.smk"))
    clones = set(re.findall(r"^use rule \w+ as (train_\w*robustness) with:", text, re.M))
    assert {"train_tf_robustness", "train_htf_robustness", "train_tc_robustness", "train_dmf_robustness"} <= clones
    assert clones <= set(preflight_probes()), clones - set(preflight_probes())


def test_a_probe_group_ignores_exactly_the_shared_wildcards():
    probe = Probe("train_x", "m.f", 3, shared=("seed", "lam>0"))
    key = probe.group({"task": "a", "lam": "0.5", "seed": "1"})
    assert key == probe.group({"task": "a", "lam": "2", "seed": "7"})  # another seed, another λ > 0
    assert key != probe.group({"task": "a", "lam": "0", "seed": "1"})  # λ = 0: no IGC penalty, other work
    assert key != probe.group({"task": "b", "lam": "0.5", "seed": "1"})


def test_made_by_comes_from_the_row_and_unknown_figures_have_none():
    got = made_by("norms/dmf_unobserved_entry_depth3")
    assert got["training"] == "implreg.norms.dmf.train_dmf" and got["rules"][-1] == "plot_dmf_entry"
    assert entry("htf/locality_pathfinder_resnet34").slug == "locality_pathfinder_resnet34"
    assert entry("norms/tc_rank3_order4").pattern("norms").fullmatch("norms/tc_rank3_order4")["order"] == "4"
    with pytest.raises(KeyError, match="no figure registry"):
        entry("norms/tc_myexperiment")
    with pytest.raises(KeyError):
        registry.figures("nope")


def test_write_claims_records_made_by(tmp_path):
    from implreg.claims import Claim
    from implreg.claims_file import write_claims

    doc = write_claims(
        tmp_path / "c.json",
        "tf/cp_dynamics",
        "smoke",
        [Claim("x", "x", 1, "", True, paper=1, tolerance_reason="exact")],
    )
    assert doc["made_by"]["claims"] == "implreg.tf.dynamics_claims.dynamics_claims"
    doc = write_claims(
        tmp_path / "d.json",
        "norms/tc_myexperiment",
        "smoke",
        [Claim("x", "x", 1, "", True, paper=1, tolerance_reason="exact")],
    )
    assert "made_by" not in doc


def test_common_smk_reads_no_papers_settings(repo):
    """Issue 26 item 5: what every paper uses reads no paper's config section (the dataset helpers went to
    data.smk, beside the data rules)."""
    text = (repo / "workflow" / "rules" / "common.smk").read_text()
    assert not re.search(r"CFG\[\"(norms|tf|htf)\"\]|\b(TF|HTF|NORMS)_[A-Z]+\[", text)


CFG = {
    "a": {"b": 1, "none": None, "seeds": [3, 1], "panels": [{"depth": 2, "runs": [{"seed": 5}, {"seed": 1}]},
                                                              {"depth": 3, "runs": [{"seed": 1}, {"seed": 7}]}]},
    "exps": [{"name": "x1", "seed": 4}, {"name": "x2", "seed": 9}],
}  # fmt: skip


def test_config_value_reads_dotted_keys_lists_and_selectors():
    assert config_value(CFG, "a.b") == 1
    assert config_value(CFG, "a.seeds") == [3, 1]  # a list as written: not a [] spread
    assert config_value(CFG, "a.panels[].runs[].seed") == [1, 5, 7]  # every element, flattened, sorted unique
    assert config_value(CFG, "a.panels[depth=3].runs[].seed") == [1, 7]
    assert config_value(CFG, "exps[name=x2].seed") == 9
    assert config_value(CFG, "exps[].name") == ["x1", "x2"]


@pytest.mark.parametrize(
    "key, message",
    [
        ("a.c", r"'a\.c'.*a has no 'c'"),
        ("a.panels[].runs[].sed", r"sed"),
        ("a.b[]", r"a\.b is not a list"),
        ("exps[name=x3].seed", r"0 elements of exps have name = x3"),
        ("a.b c", r"cannot read"),
    ],
)
def test_a_missing_key_names_itself(key, message):
    with pytest.raises(InstanceKeyError, match=message):
        config_value(CFG, key)


def _row(monkeypatch, slug, instances):
    """A registry with one row (paper norms) for instance_values to read."""
    fig = figures("norms")[0]
    row = type(fig)(**{**fig.__dict__, "slug": slug, "instances": instances})
    monkeypatch.setattr(registry, "figures", lambda paper: (row,))
    return row


def test_instance_values_fills_placeholders_and_falls_back(monkeypatch):
    _row(monkeypatch, "fig_depth{depth}_{exp}", "a.panels[depth={depth}].runs[].seed, exps[name={exp}].seed")
    assert instance_values("norms/fig_depth2_x1", CFG) == {
        "a.panels[depth=2].runs[].seed": [1, 5],
        "exps[name=x1].seed": 4,
    }
    _row(monkeypatch, "fig", "a.none | a.seeds, a.b | a.seeds")  # the first value that is not null, keyed by its key
    assert instance_values("norms/fig", CFG) == {"a.seeds": [3, 1], "a.b": 1}
    _row(monkeypatch, "fig", "a.none | a.c")
    with pytest.raises(InstanceKeyError, match=r"norms/fig .*'a\.c'"):
        instance_values("norms/fig", CFG)
    _row(monkeypatch, "fig", "exps[name={exp}].seed")
    with pytest.raises(InstanceKeyError, match=r"\{exp\}, not a part of the slug"):
        instance_values("norms/fig", CFG)


def _figure_ids(cfg):
    """The figure ids a resolved config builds (the Snakefile's ALL_FIGURES)."""
    dmf, loc = cfg["norms"]["dmf"], cfg["htf"]["locality"]
    ids = [f"norms/dmf_unobserved_entry_depth{p['depth']}" for p in dmf["panels"]] + ["norms/dmf_norms_rank"]
    ids += [f"norms/dmf_perturbed_unobserved_entry_depth{p['depth']}" for p in dmf["perturbed_panels"]]
    ids += [f"norms/tc_{e['name']}" for e in cfg["norms"]["tc"]["experiments"]]
    ids += ["tf/cp_dynamics", "tf/tensor_rank_natural_data"]
    ids += ["htf/incremental_learning_mf_cp_ht", "htf/ht_local_components_matricizations"]
    suffixes = ["", "_resnet34"] if loc["resnet34_appendix"] else [""]
    return ids + [f"htf/locality_{t}{s}" for s in suffixes for t in ("is_same_class", "pathfinder")]


@pytest.mark.parametrize("preset", PRESETS)
def test_every_rows_instances_resolve_against_each_preset(repo, preset):
    cfg = resolve({**yaml.safe_load((repo / "config.yaml").read_text()), "preset": preset})
    seen = set()
    for fid in _figure_ids(cfg):
        values = instance_values(fid, cfg)
        assert values and all(v is not None for v in values.values()), (fid, values)
        seen.add(entry(fid))
    loc = cfg["htf"]["locality"]
    seeds = instance_values("htf/locality_is_same_class", cfg)
    assert list(seeds.values())[-1] == (loc["is_same"]["seeds"] or loc["seeds"])  # a task's own seeds win
    if preset == "paper":  # every row is used by the paper preset
        assert seen == {f for _, f in ROWS}
