"""htf robustness (issue 30): each model's claims of the dynamics figure and its appendix on each instance alone.

Bases: the mutation suite's fixture (tests/htf/fixtures/htf_dynamics_runs.npz): the smoke preset's MF and CP
histories and the default preset's HT history, all data seed 0. Deliberately wrong histories must lower the rate
of the claim they break, and a history of another instance must be refused.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from htf_fixture_runs import load_runs

from implreg.errors import ConfigError
from implreg.htf.dynamics_claims import (
    APPENDIX,
    FIG,
    appendix_claims,
    dynamics_claims,
    expected_ranks,
    target_matricizations,
)
from implreg.htf.robustness import Settings, htf_rates

STOP_LOSS, HALF, DROP, REL_THR = 5e-5, 0.5, 0.05, 0.05
SMOKE_SPECS = {  # config.yaml presets.smoke.htf.dynamics over htf.dynamics
    "mf": {"dim": 16, "depth": 3, "target_rank": 2, "init_std": 1e-3},
    "cp": {"order": 3, "dim": 6, "target_rank": 2, "components": 36, "init_std": 1e-3},
}
DEFAULT_HT = {"order": 4, "dim": 8, "target_ranks": [5, 5], "widths": [512, 512], "init_std": 1e-2}
MATS = [[1, 2], [1, 3]]


def _settings(specs, norm, max_steps):
    return Settings(
        specs=specs,
        target_norm=norm,
        stop_loss=STOP_LOSS,
        max_steps=max_steps,
        half_rise=HALF,
        min_rel_error_drop=DROP,
        node=[1, 2],
        node_rank=5,
        matricizations=MATS,
        n_entries=8**4,
        rel_threshold=REL_THR,
    )


SMOKE = _settings(SMOKE_SPECS, 16.0, 12000)
DEFAULT = _settings({"ht": DEFAULT_HT}, 64.0, 500000)


RUNS = load_runs()


def _run(model):
    return copy.deepcopy(RUNS[model])


def _rows(rates):
    return {(r["setting"], r["claim"]): r for r in rates}


def test_smoke_mf_and_cp_rates_are_the_figures_claims_on_the_instance():
    rates, outcomes = htf_rates({"mf": {0: _run("mf")}, "cp": {0: _run("cp")}}, SMOKE)
    # the figure's own path on this instance (expected ranks from the target, then dynamics_claims)
    for model in ("mf", "cp"):
        hist = {model: _run(model)}
        exp = expected_ranks({model: SMOKE_SPECS[model]}, 0, 16.0, STOP_LOSS, hist)
        figure = dynamics_claims(hist, exp, SMOKE_SPECS, 16.0, STOP_LOSS, 12000, HALF, DROP)
        setting = f"{model.upper()} (main figure)"
        mine = {o["claim"]: o["passed"] for o in outcomes if o["setting"] == setting}
        assert mine == {c.id: c.passed for c in figure}
    assert {r["setting"] for r in rates} == {"MF (main figure)", "CP (main figure)"}  # no HT runs, no HT rows
    assert all((r["n"], r["k"], r["rate"], r["wilson_hi"]) == (1, 1, 1.0, 1.0) for r in rates), rates


def _one_more_rises(h):
    """A third singular value (the target has rank 2) rises over the second half to 30 % of the largest."""
    top = h["log_top"].copy()
    n = top.shape[0]
    top[n // 2 :, 2] = np.linspace(0, 0.3 * top[-1, 0], n - n // 2)
    top = -np.sort(-top, axis=1)
    h["log_top"], h["final_top"] = top, top[-1].copy()
    return h


def _capped(h):
    h["converged"] = False
    return h


@pytest.mark.parametrize(
    "mutate, broken",
    [(_one_more_rises, "mf_rank_components_rise"), (_capped, "mf_converged")],
)
def test_a_wrong_run_lowers_its_claims_rate(mutate, broken):
    good = _rows(htf_rates({"mf": {0: _run("mf")}}, SMOKE)[0])
    bad = _rows(htf_rates({"mf": {0: mutate(_run("mf"))}}, SMOKE)[0])
    row = bad[("MF (main figure)", broken)]
    assert good[("MF (main figure)", broken)]["k"] == 1
    assert (row["k"], row["n"], row["rate"], row["wilson_lo"]) == (0, 1, 0.0, 0.0)
    assert row["wilson_hi"] == pytest.approx(0.7935, abs=5e-4)


def test_a_run_of_another_instance_is_refused():
    """Keyed by data seed 1, the seed-0 run's logged target is not the regenerated one: refused, not judged."""
    with pytest.raises(ValueError, match="retrain"):
        htf_rates({"mf": {1: _run("mf")}}, SMOKE)
    with pytest.raises(ValueError, match="retrain"):
        htf_rates({"ht": {1: _run("ht")}}, DEFAULT)


def test_default_ht_main_and_appendix_with_the_declared_findings_marked():
    findings = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yaml").read_text())["presets"]["default"][
        "findings"
    ]
    untestable = {APPENDIX: {"ht_matricization_ranks_match_target": "declared for this test"}}
    rates, outcomes = htf_rates({"ht": {0: _run("ht")}}, DEFAULT, findings, untestable)
    rows = _rows(rates)
    assert {s for s, _ in rows} == {"HT (main figure)", "HT (appendix)"}
    # the figures' own verdict on this run (test_appendix_default_run_verdict): the two findings fail, the rest pass
    tm = target_matricizations(DEFAULT_HT, 0, 64.0, [[1], [2], *MATS], 10**6)
    appendix = {
        c.id: c.passed for c in appendix_claims(_run("ht"), [1, 2], 5, MATS, 8**4, STOP_LOSS, 500000, REL_THR, HALF, tm)
    }
    mine = {o["claim"]: o["passed"] for o in outcomes if o["setting"] == "HT (appendix)"}
    assert mine == appendix
    declared = set(findings[APPENDIX])
    assert declared == {"ht_node_1_2_components_rise_in_turn", "ht_node_1_2_children_svs_rise_in_turn"}
    for cid in declared:
        assert rows[("HT (appendix)", cid)]["finding"] and rows[("HT (appendix)", cid)]["k"] == 0
    assert ("HT (appendix)", "ht_matricization_ranks_match_target") not in rows  # declared untestable: left out
    # each row names its figure: the report links the appendix's findings to their rates by it
    assert {r["figure"] for (s, _), r in rows.items() if s == "HT (appendix)"} == {APPENDIX}
    assert {r["figure"] for (s, _), r in rows.items() if s == "HT (main figure)"} == {FIG}
    others = [r for (s, c), r in rows.items() if c not in declared]
    assert others and all(r["k"] == 1 and not r["finding"] for r in others), others
    assert FIG not in findings or not set(findings[FIG]) & {c for _, c in rows}


@pytest.mark.parametrize(
    "mutate, pattern",
    [
        (lambda h: h["robustness"]["instances"].update(ht=40), r"htf\.robustness\.instances\.ht = 40 exceeds the 16"),
        (lambda h: h["robustness"].update(data_seeds=[3, 100]), r"htf\.robustness\.data_seeds: \[3\] are also"),
        (
            lambda h: h["robustness"]["instances"].pop("cp"),
            r"htf\.robustness\.instances is missing a required key: .cp.",
        ),
    ],
)
def test_config_errors_name_the_robustness_key(repo, mutate, pattern):
    from implreg.config import resolve

    raw = yaml.safe_load((repo / "config.yaml").read_text())
    mutate(raw["htf"])
    with pytest.raises(ConfigError, match=pattern):
        resolve(raw)


def test_schema_lists_exactly_the_pathfinder_geometry_fields(repo):
    """The schema refuses an unknown geometry key before any job; its list must be the dataclass's fields."""
    from dataclasses import asdict

    import yaml

    from implreg.htf.locality.pathfinder import REDUCED_GEOMETRY

    schema = yaml.safe_load((repo / "workflow/schemas/config.schema.yaml").read_text())
    geo = schema["properties"]["htf"]["properties"]["locality"]["properties"]["pathfinder"]["properties"]["geometry"]
    fields = set(geo["oneOf"][1]["properties"]) - {"base"}
    assert fields == set(asdict(REDUCED_GEOMETRY))
