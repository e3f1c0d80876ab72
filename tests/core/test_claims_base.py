"""Claims files: their format, the preset's declaration of untestable claims, and the summary."""

import json

import numpy as np
import pytest

from implreg import paper_values
from implreg.claims import (
    STALE,
    UNDECLARED_NULL,
    Claim,
    count_verdicts,
    finalize,
    summarise,
    untestable,
    verdict,
)
from implreg.claims_file import write_claims
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
    assert out["figures"]["norms/x"] == {"passed": 1, "failed": 1, "untested": 1, "finding": 0}


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
    conv = Claim("runs_converged", "runs converge", 1, "all", False, required=True, **REF)
    with pytest.raises(ConfigError, match="convergence"):
        finalize([conv], {"runs_converged": "the smoke preset caps the steps"}, "norms/x")


# --- findings: the fourth verdict -------------------------------------------------------------------------------

EVIDENCE = "2/4 main instances, 1/4 on the hold-out, 2026-12-07, docs/claims.md"


def test_a_declared_finding_that_fails_is_a_finding_not_a_failure(tmp_path):
    path = tmp_path / "x.claims.json"
    doc = write_claims(path, "norms/x", "default", _claims(), {"b": "one seed"}, {"c": EVIDENCE})
    c = doc["claims"][2]
    assert c["passed"] is False and c["finding"] == EVIDENCE and c["verdict"] == "finding"
    assert doc["findings_declared"] == {"c": EVIDENCE}
    out = summarise([path])
    assert (out["passed"], out["failed"], out["untested"], out["finding"]) == (1, 0, 1, 1)
    assert out["failures"] == [] and out["findings"][0]["id"] == "c"


def test_a_declared_finding_that_passes_is_stale_and_counts_as_failed(tmp_path):
    path = tmp_path / "x.claims.json"
    doc = write_claims(path, "norms/x", "default", _claims(), {}, {"a": EVIDENCE})
    assert verdict(doc["claims"][0]) == STALE and doc["claims"][0]["passed"] is True
    assert count_verdicts(doc["claims"])["failed"] == 3  # b (undeclared null), c, and the stale a
    out = summarise([path])
    stale = next(f for f in out["failures"] if f["id"] == "a")
    assert "no longer reproduces" in stale["why"] and "remove" in stale["why"]


def test_a_finding_the_run_left_untestable_is_a_failure():
    claims = finalize(_claims(), {}, "norms/x", {"b": EVIDENCE})
    assert verdict(claims[1].as_dict()) == "failed"


def test_declaring_an_unknown_a_convergence_or_an_untested_claim_a_finding_is_a_config_error():
    with pytest.raises(ConfigError, match=r"findings\['norms/x'\] names \['typo'\]"):
        finalize(_claims(), {}, "norms/x", {"typo": EVIDENCE})
    conv = Claim("runs_converged", "runs converge", 1, "all", False, required=True, **REF)
    with pytest.raises(ConfigError, match=r"findings.*convergence claim"):
        finalize([conv], {}, "norms/x", {"runs_converged": EVIDENCE})
    with pytest.raises(ConfigError, match="both untestable and a finding"):
        finalize(_claims(), {"c": "one seed"}, "norms/x", {"c": EVIDENCE})


def test_a_convergence_claim_must_be_named_like_one():
    """The config check refuses declared convergence claims by id before any job runs; finalize keeps ids honest."""
    with pytest.raises(ValueError, match="rename"):
        finalize([Claim("runs_ok", "s", 1, "e", True, required=True, **REF)], {}, "norms/x")
    with pytest.raises(ValueError, match="rename"):
        finalize([Claim("all_converged", "s", 1, "e", True, **REF)], {}, "norms/x")


def test_a_claim_whose_passed_is_not_a_boolean_is_refused():
    with pytest.raises(ValueError, match="'yes'"):
        verdict({"id": "a", "passed": "yes"})


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
