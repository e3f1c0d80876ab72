"""Claims files: the paper's statements tested on the numbers a figure is drawn from.

Written beside each figure as figures/<paper>/<slug>.claims.json:
{"figure", "preset", "untestable_declared", "claims": [{"id", "statement", "paper", "measured", "expected",
"tolerance_reason", "passed", ...}]}, plus "instance" where the preset chose what the figure computes on.

`passed` is True or False, or None only where the preset declared, before the run, that it cannot test the
claim (config key `untestable_claims`). A claims function may return None when a run leaves a claim
untestable (a capped run, a NaN, a missing component); `finalize` turns every such undeclared None into a
failure, so a run's outcome can make a claim fail but never make it disappear from the verdict.

Four verdicts (`verdict`): passed, failed, untested, and **finding**: a claim the preset declared (config key
`findings`, with its evidence) to fail at the paper's settings. A finding keeps `passed: false` and carries the
declaration; it does not fail the build. The declaration must stay true: a declared finding whose claim passes
is `finding_stale`, which fails the build like a failed claim (remove the declaration).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from implreg.errors import ConfigError
from implreg.io import read_json

UNDECLARED_NULL = (
    "the run left this claim untestable, which counts as a failure: only the preset may declare a claim "
    "untestable, before the run (untestable_claims in config.yaml)"
)


# Every convergence (required) claim's id, in every wing, ends so; no other claim's does. `finalize` enforces it
# on every claim a figure makes, so the config check can refuse a declared convergence claim before any job runs.
CONVERGENCE_ID = re.compile(r"(_converged?|reach_stop_loss(_or_trapped)?|_all_fits_finite)$")


def is_convergence_id(claim_id: str) -> bool:
    return bool(CONVERGENCE_ID.search(claim_id))


@dataclass
class Claim:
    id: str
    statement: str
    measured: Any
    expected: str
    passed: bool | None
    paper: Any = None  # the paper's own value (read off its figure, see <paper>/paper_values.yaml) or statement
    tolerance_reason: str = ""  # where the tolerance comes from: seed spread, numeric precision, plot reading
    required: bool = False  # convergence claims: never untestable, whatever the preset declares
    note: str = ""  # why an untested claim is untested, or why a null became a failure
    finding: str = ""  # the preset's declaration that this claim fails at the paper's settings (its evidence)

    def __post_init__(self):
        if self.passed is not None:
            self.passed = bool(self.passed)
        self.measured = _clean(self.measured)
        self.paper = _clean(self.paper)

    def as_dict(self) -> dict:
        out = {
            "id": self.id,
            "statement": self.statement,
            "paper": self.paper,
            "measured": self.measured,
            "expected": self.expected,
            "tolerance_reason": self.tolerance_reason,
            "passed": self.passed,
        }
        if self.note:
            out["note"] = self.note
        if self.finding:
            out["finding"] = self.finding
            out["verdict"] = claim_verdict(self.passed, self.finding, self.note)
        return out


def _clean(v):
    """JSON-friendly: NaN/inf become None, numpy scalars become Python numbers, floats are rounded."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float):
        return None if not math.isfinite(v) else float(f"{v:.6g}")
    return v


def untestable(claim_id: str, statement: str, expected: str, why: str, **fields) -> Claim:
    """A claim this run cannot test. Unless the preset declared it untestable, `finalize` makes it a failure."""
    return Claim(claim_id, statement, f"not tested: {why}", expected, None, **fields)


EVERY_INSTANCE = 1.0  # statements the paper makes whatever the random instance: every instance must show them
MAJORITY_OF_INSTANCES = 0.5  # details of the paper's one drawn instance: more than half of the instances


def shown_on_enough(passes: list[bool], every: bool) -> bool:
    """The verdict over instances: all of them where ``every``, more than half otherwise."""
    return all(passes) if every else sum(passes) / len(passes) > MAJORITY_OF_INSTANCES


def instances_phrase(every: bool) -> str:
    return "on every instance" if every else "on more than half of the instances"


def combine_instances(
    per_instance: Mapping[int, list[Claim]], need_every: set[str] | frozenset[str] = frozenset()
) -> list[Claim]:
    """One claim per id from the same claims evaluated on several instances (data seeds fixed in config).

    A claim passes on every instance where it is ``required`` or named in ``need_every``, on more than half of
    them otherwise; its measured value lists each instance's and the fraction that passed. A None (untestable)
    counts as not passed. One instance: the claims are returned unchanged.
    """
    seeds = list(per_instance)
    if len(seeds) == 1:
        return list(per_instance[seeds[0]])
    by_id: dict[str, dict[int, Claim]] = {}
    for seed in seeds:
        for c in per_instance[seed]:
            by_id.setdefault(c.id, {})[seed] = c
    out = []
    for cid, found in by_id.items():
        first = found[min(found)]
        every = first.required or cid in need_every
        passes = [bool(found[s].passed) if s in found else False for s in seeds]
        ok = shown_on_enough(passes, every)
        measured = {f"data_seed {s}": (found[s].measured if s in found else "no such claim") for s in seeds}
        measured["fraction_of_instances"] = f"{sum(passes)}/{len(seeds)}"
        where = instances_phrase(every)
        out.append(
            Claim(
                cid,
                f"{first.statement} [tested on data seeds {seeds}; the statement's numbers are data seed {min(found)}'s]",
                measured,
                f"{first.expected}, {where}",
                ok,
                paper=first.paper,
                tolerance_reason=first.tolerance_reason,
                required=first.required,
            )
        )
    return out


def _check_declared(kind: str, declared: Mapping[str, str], claims: list[Claim], figure: str) -> None:
    """A declaration (untestable_claims or findings) must name claims the figure has, and no convergence claim."""
    ids = [c.id for c in claims]
    unknown = sorted(set(declared) - set(ids))
    if unknown:
        raise ConfigError(
            f"{kind}[{figure!r}] names {unknown}, which this figure does not have. "
            f"Its claims are {ids}; fix the ids in config.yaml (or your --configfile)."
        )
    for c in claims:
        if c.id in declared and c.required:
            what = "untestable" if kind == "untestable_claims" else "a finding"
            raise ConfigError(
                f"{kind}[{figure!r}] declares {c.id!r} {what}, but it is a convergence claim, which every preset "
                f"must test and pass. Remove it from {kind}."
            )


def finalize(
    claims: list[Claim],
    declared: Mapping[str, str] | None = None,
    figure: str = "",
    findings: Mapping[str, str] | None = None,
) -> list[Claim]:
    """Apply the preset's declarations (untestable claims, findings); every other null becomes a failure.

    Raises ConfigError when a declaration names a claim the figure does not have (a typo would otherwise
    switch nothing off silently, or the wrong thing), a required (convergence) claim, or one claim as both
    untestable and a finding; ValueError when a claim lacks its paper value or tolerance reason (a programming
    error in the claims function). A declared finding keeps its outcome: failed is the finding, passed is a
    stale declaration (`verdict` says which); a run that leaves it untestable is a failure as any other null.
    """
    declared = dict(declared or {})
    findings = dict(findings or {})
    ids = [c.id for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{figure}: duplicate claim ids {sorted(i for i in ids if ids.count(i) > 1)}")
    _check_declared("untestable_claims", declared, claims, figure)
    _check_declared("findings", findings, claims, figure)
    both = sorted(set(declared) & set(findings))
    if both:
        raise ConfigError(
            f"{figure}: {both} declared both untestable and a finding; a finding is tested (and fails). "
            "Keep one declaration."
        )
    for c in claims:
        if c.paper is None or c.paper == "" or not c.tolerance_reason:
            raise ValueError(f"{figure}: claim {c.id!r} lacks its paper value or its tolerance_reason")
        if c.required != is_convergence_id(c.id):
            raise ValueError(
                f"{figure}: claim {c.id!r} is {'' if c.required else 'not '}a convergence claim, but its id "
                f"{'does not end' if c.required else 'ends'} like one ({CONVERGENCE_ID.pattern}); rename it"
            )
        if c.id in declared:
            c.passed, c.note = None, UNTESTED_PREFIX + declared[c.id]
        elif c.passed is None:
            c.passed, c.note = False, UNDECLARED_NULL
        if c.id in findings:
            c.finding = findings[c.id]
    return claims


UNTESTED_PREFIX = "untested at this preset: "


VERDICTS = ("passed", "failed", "untested", "finding")
STALE = "finding_stale"  # a declared finding whose claim passed: counted as failed, fails the build
FAILS = ("failed", STALE)  # the verdicts that fail the build


def claim_verdict(passed: bool | None, finding: str = "", note: str = "") -> str:
    """passed / failed / untested / finding / finding_stale from a claim's outcome and its declarations."""
    if finding:
        if passed is True:
            return STALE
        if passed is False and note != UNDECLARED_NULL:
            return "finding"
        return "failed"  # the run left the finding untestable: a failure like any other null
    return {True: "passed", False: "failed", None: "untested"}[passed]


def verdict(claim: dict) -> str:
    """The verdict of a claim as written in a claims file (VERDICTS, or STALE)."""
    passed = claim.get("passed")
    if passed not in (True, False, None):
        raise ValueError(f"claim {claim.get('id')!r}: passed = {passed!r} is not true, false or null")
    return claim_verdict(passed, claim.get("finding") or "", claim.get("note") or "")


def count_verdicts(claims: list[dict]) -> dict:
    """Counts per verdict; a stale finding counts as failed (it fails the build)."""
    out = dict.fromkeys(VERDICTS, 0)
    for c in claims:
        v = verdict(c)
        out["failed" if v in FAILS else v] += 1
    return out


def failure_text(claim: dict) -> str:
    """Why a failed claim fails the build: its statement, or that a declared finding no longer reproduces."""
    if verdict(claim) == STALE:
        return (
            f"declared finding no longer reproduces: {claim['id']} now passes; remove its declaration from "
            "`findings` in config.yaml (presets.<preset>.findings) and docs/claims.md"
        )
    return claim["statement"]


def summarise(paths: list[str | Path]) -> dict:
    """Counts of passed / failed / untested / finding claims over many claims files, with the failures and the
    findings listed (a stale finding is a failure)."""
    out = {**dict.fromkeys(VERDICTS, 0), "failures": [], "findings": [], "files": len(paths), "figures": {}}
    for p in paths:
        doc = read_json(p)
        counts = count_verdicts(doc["claims"])
        for key, n in counts.items():
            out[key] += n
        for c in doc["claims"]:
            v = verdict(c)
            if v in FAILS:
                out["failures"].append({"figure": doc["figure"], **c, "verdict": v, "why": failure_text(c)})
            elif v == "finding":
                out["findings"].append({"figure": doc["figure"], **c, "verdict": v})
        out["figures"][doc["figure"]] = counts
    return out
