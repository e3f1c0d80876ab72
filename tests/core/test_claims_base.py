"""Claims files: their format, the preset's declaration of untestable claims, and the summary."""

import json

import numpy as np
import pytest

from implreg import paper_values
from implreg.claims import UNDECLARED_NULL, Claim, finalize, summarise, untestable, write_claims
from implreg.errors import ConfigError

REF = {"paper": 1.0, "tolerance_reason": "plot reading error ±0.1"}


def _claims():
    return [
        Claim("a", "s", np.float64(np.nan), "e", True, **REF),
        Claim("b", "s", 1.0, "e", None, **REF),
        Claim("c", "s", 2, "e", False, **REF),
    ]


def test_claims_file_format_and_summary(tmp_path):
    path = tmp_path / "x.claims.json"
    doc = write_claims(path, "norms/x", "smoke", _claims(), {"b": "the smoke preset has one seed"})
    assert set(doc) == {"figure", "preset", "untestable_declared", "claims"}
    first = doc["claims"][0]
    assert list(first) == ["id", "statement", "paper", "measured", "expected", "tolerance_reason", "passed"]
    assert first["measured"] is None  # NaN is not valid JSON
    assert doc["claims"][1]["note"] == "untested at this preset: the smoke preset has one seed"
    assert json.loads(path.read_text()) == doc
    out = summarise([path])
    assert (out["passed"], out["failed"], out["untested"]) == (1, 1, 1)
    assert out["failures"][0]["id"] == "c"
    assert out["figures"]["norms/x"] == {"passed": 1, "failed": 1, "untested": 1}


def test_a_null_the_preset_did_not_declare_is_a_failure():
    claims = finalize(_claims(), {}, "norms/x")
    assert claims[1].passed is False and claims[1].note == UNDECLARED_NULL
    capped = untestable("converged", "runs converge", "all runs", "3 of 5 runs hit the step cap", **REF)
    assert finalize([capped], None, "norms/x")[0].passed is False


def test_a_declared_claim_is_untested_even_if_the_run_tested_it():
    claims = finalize(_claims(), {"a": "needs three seeds"}, "norms/x")
    assert claims[0].passed is None and "needs three seeds" in claims[0].note


def test_declaring_an_unknown_or_a_convergence_claim_is_a_config_error():
    with pytest.raises(ConfigError, match="does not have"):
        finalize(_claims(), {"typo": "needs three seeds"}, "norms/x")
    conv = Claim("converged", "runs converge", 1, "all", False, required=True, **REF)
    with pytest.raises(ConfigError, match="convergence"):
        finalize([conv], {"converged": "the smoke preset caps the steps"}, "norms/x")


def test_a_claim_without_its_paper_value_or_tolerance_reason_is_rejected():
    with pytest.raises(ValueError, match="paper value"):
        finalize([Claim("a", "s", 1, "e", True, tolerance_reason="x")], {}, "norms/x")
    with pytest.raises(ValueError, match="paper value"):
        finalize([Claim("a", "s", 1, "e", True, paper=2.0)], {}, "norms/x")
    with pytest.raises(ValueError, match="duplicate"):
        finalize([Claim("a", "s", 1, "e", True, **REF)] * 2, {}, "norms/x")


def test_paper_values_are_found_and_missing_ones_name_the_file(monkeypatch):
    monkeypatch.setattr(paper_values, "load", lambda paper: {"norms/x": {"w": {"value": 3.0, "reading_error": 0.5}}})
    assert paper_values.value("norms/x", "w") == 3.0
    with pytest.raises(KeyError, match=r"src/implreg/norms/paper_values\.yaml"):
        paper_values.for_figure("norms/y")


# --- claims over several instances (data seeds fixed in config) ------------------------------------------------


def _instance(passed: dict[str, bool | None]) -> list[Claim]:
    return [
        Claim(cid, "s", {"v": i}, "e", ok, required=cid == "conv", **REF) for i, (cid, ok) in enumerate(passed.items())
    ]


def _combined(*instances, need_every=frozenset()):
    from implreg.claims import combine_instances

    return {c.id: c for c in combine_instances(dict(enumerate(instances)), need_every)}


def test_one_instance_passes_claims_through_unchanged():
    from implreg.claims import combine_instances

    one = _instance({"a": True, "b": False})
    assert combine_instances({7: one}) == one


def test_more_than_half_of_the_instances_must_show_a_detail():
    ok = _combined(*[_instance({"a": v}) for v in (True, True, True, False)])["a"]
    assert ok.passed is True and ok.measured["fraction_of_instances"] == "3/4"
    assert "data_seed 3" in ok.measured and "more than half" in ok.expected
    half = _combined(*[_instance({"a": v}) for v in (True, True, False, False)])["a"]
    assert half.passed is False  # exactly half is not a majority


def test_required_and_named_claims_need_every_instance():
    res = _combined(*[_instance({"conv": v, "a": v}) for v in (True, True, True, False)], need_every={"a"})
    assert res["conv"].passed is False and res["conv"].required
    assert res["a"].passed is False and "every instance" in res["a"].expected


def test_an_untested_instance_counts_as_not_shown():
    res = _combined(_instance({"a": True}), _instance({"a": None}), _instance({"a": None}))
    assert res["a"].passed is False and res["a"].measured["fraction_of_instances"] == "1/3"
