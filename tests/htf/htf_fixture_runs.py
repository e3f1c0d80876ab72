"""The committed htf dynamics histories (fixtures/htf_dynamics_runs.npz) as {model: history}, shared by tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).parent / "fixtures" / "htf_dynamics_runs.npz"


def load_runs() -> dict[str, dict]:
    with np.load(FIXTURE) as z:
        out: dict[str, dict] = {}
        for key in z.files:
            model, name = key.split("__", 1)
            v = z[key]
            out.setdefault(model, {})[name] = v.item() if v.ndim == 0 else np.asarray(v, dtype=np.float64)
    for h in out.values():
        h["log_step"] = h["log_step"].astype(np.int64)
    return out
