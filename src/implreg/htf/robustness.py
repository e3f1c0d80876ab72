"""htf dynamics robustness: how often each statement of the dynamics figure and its appendix holds.

Each model's runs on many instances (data seeds never used to tune anything) are judged by the figures' own claims
functions on each instance alone (:func:`implreg.htf.dynamics_claims.instance_dynamics_claims`,
:func:`~implreg.htf.dynamics_claims.instance_appendix_claims`, the functions the figures call per instance), and
the outcomes become k/n rates with Wilson 95 % intervals (:mod:`implreg.robustness`). One setting per model and
figure: MF, CP and HT on the main figure, HT on the appendix. The models may run on different numbers of
instances (HT costs ~40-100x MF's per instance at the default preset); each setting's n says how many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from implreg.errors import ConfigError
from implreg.htf.dynamics_claims import APPENDIX, FIG, instance_appendix_claims, instance_dynamics_claims
from implreg.robustness import instance_outcomes, outcome_rows, rate_rows

MODELS = ("mf", "cp", "ht")
SETTINGS = {
    ("mf", FIG): "MF (main figure)",
    ("cp", FIG): "CP (main figure)",
    ("ht", FIG): "HT (main figure)",
    ("ht", APPENDIX): "HT (appendix)",
}


@dataclass(frozen=True)
class Settings:
    """The figures' claim settings (the plot rules' params of the same names; config htf.dynamics)."""

    specs: Mapping[str, Mapping[str, Any]]  # model -> spec
    target_norm: float
    stop_loss: float
    max_steps: int
    half_rise: float
    min_rel_error_drop: float
    node: Sequence[int]  # the appendix node
    node_rank: int
    matricizations: Sequence[Sequence[int]]
    n_entries: int  # entries of the HT tensor
    rel_threshold: float


def htf_rates(
    histories: Mapping[str, Mapping[int, Mapping[str, Any]]],
    s: Settings,
    findings: Mapping[str, Mapping[str, str]] | None = None,
    untestable: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[dict], list[dict]]:
    """``(rates, outcomes)``: rate rows per (setting, claim), each naming its figure (``figure``: the main
    figure's id or the appendix's), and the per-instance outcome rows.

    ``histories``: {model: {data seed: history}}; a model may be missing (its settings are then absent), the HT
    runs serve both figures. ``findings`` / ``untestable``: {figure id: {claim id: why}}, the preset's
    declarations (findings marked in the rows, untestable claims left out).
    """
    findings, untestable = findings or {}, untestable or {}
    unknown = set(histories) - set(MODELS)
    if unknown:
        raise ConfigError(f"htf robustness: unknown models {sorted(unknown)} (known: {list(MODELS)})")
    rates, outcomes = [], []
    for (model, figure), setting in SETTINGS.items():
        runs = histories.get(model)
        if not runs:
            continue
        if figure == FIG:

            def claims_of(seed, hist, model=model):
                return instance_dynamics_claims(
                    {model: hist},
                    s.specs,
                    seed,
                    s.target_norm,
                    s.stop_loss,
                    s.max_steps,
                    s.half_rise,
                    s.min_rel_error_drop,
                )

        else:

            def claims_of(seed, hist):
                return instance_appendix_claims(
                    hist,
                    s.specs["ht"],
                    seed,
                    s.target_norm,
                    s.node,
                    s.node_rank,
                    s.matricizations,
                    s.n_entries,
                    s.stop_loss,
                    s.max_steps,
                    s.rel_threshold,
                    s.half_rise,
                    source=f"HT history of data seed {seed}",
                )

        per_instance = instance_outcomes(claims_of, {int(k): v for k, v in runs.items()})
        rows = rate_rows(
            setting, per_instance, findings=findings.get(figure, {}), untestable=untestable.get(figure, {})
        )
        rates += [{**r, "figure": figure} for r in rows]  # whose claim: the report links a finding to its rate
        outcomes += outcome_rows(setting, per_instance)
    return rates, outcomes
