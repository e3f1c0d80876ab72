"""Writing a figure's claims file: the claims finalized against the preset's declarations, with what produced them.

Apart from :mod:`implreg.claims` so that the figure registries (``made_by``: rules, script, functions) are part of
the code fingerprint of the jobs that write claims files (the plots) and of no other job: the locality calibration
uses :class:`implreg.claims.Claim` too, and a registry edit must not rerun it and the training after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from implreg.claims import Claim, finalize
from implreg.io import write_json
from implreg.registry import made_by


def write_claims(
    path: str | Path,
    figure: str,
    preset: str,
    claims: list[Claim],
    untestable_declared: Mapping[str, str] | None = None,
    findings: Mapping[str, str] | None = None,
    instance: Mapping | None = None,
) -> dict:
    """Finalize the claims against the preset's declarations and write the claims file.

    instance: what the figure's numbers were computed on, where a preset can choose (the norms tensor
    completion: the paper's own instance or a seeded draw), written as the file's ``instance``."""
    finalize(claims, untestable_declared, figure, findings)
    try:  # the figure's rules, plot script, training and claims functions, from its paper's registry
        made = {"made_by": made_by(figure)}
    except KeyError:  # a figure a user added to the config without a registry row
        made = {}
    doc = {
        "figure": figure,
        "preset": preset,
        **made,
        **({"instance": dict(instance)} if instance else {}),
        "untestable_declared": dict(untestable_declared or {}),
        **({"findings_declared": dict(findings)} if findings else {}),
        "claims": [c.as_dict() for c in claims],
    }
    write_json(path, doc)
    return doc
