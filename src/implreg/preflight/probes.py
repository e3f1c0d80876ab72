"""Which rules the pre-flight probes, and how: one table per paper (``implreg/<paper>/probes.py``, ``PROBES``),
beside its figure registry (``implreg/<paper>/registry.py``, whose rows name the training rules; the tests check
that every one has a probe). The generic probe job (:mod:`implreg.preflight.job`, one rule, one script) runs them.

Kept out of the registry modules on purpose: those are part of the code fingerprint of every job that writes a
claims file (``made_by``, implreg.codehash), the locality calibration included, so an edit there would rerun the
locality training. Pure data: imported while Snakemake parses the workflow (no torch).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from implreg.registry import PAPERS


@dataclass(frozen=True)
class Probe:
    """How the pre-flight (`--config preflight=true`, docs/scaling.md) probes the jobs of one heavy rule: a few
    steps of the job's own training function at its full size, timed. Every rule a figure row lists is either
    probed (a row here) or light (one table row each, not probed)."""

    rule: str
    function: str  # dotted path: function(implreg.preflight.job.ProbeJob) -> the probe record's fields
    steps: int  # steps (epochs, images) the probe runs; the first warms up
    # Wildcards whose values do not change the work per step: the jobs that differ only in them share one probe
    # (run on the first of them in the DAG); "lam>0" keys on whether the value is positive, not on the value.
    shared: tuple[str, ...] = ()

    def group(self, wildcards: dict) -> tuple:
        """The key of the jobs that share this job's probe."""
        out = []
        for name, value in sorted(wildcards.items()):
            if name in self.shared:
                continue
            out.append((name, float(value) > 0) if f"{name}>0" in self.shared else (name, value))
        return tuple(out)


def probes() -> dict[str, Probe]:
    """Every paper's probes (its wing's ``probes.PROBES``), by rule."""
    return {p.rule: p for paper in PAPERS for p in importlib.import_module(f"implreg.{paper}.probes").PROBES}
