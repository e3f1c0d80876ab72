"""The instance a history was trained on, recorded in the history file and checked where it is read.

A plot or robustness step gets one history per instance (data seed). It used to pair seeds and files by position;
now each training job writes its instance (``instance_json``: the data seed and what else fixes the data) and the
readers compare it with the instance they expect, so a file of another instance (a mix-up of paths or orders, a
file copied by hand) is named instead of drawn under the wrong seed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from implreg.errors import DataError

KEY = "instance_json"


def record(**instance: Any) -> dict[str, np.ndarray]:
    """The history field that records `instance` (pass it to write_npz with the history's arrays)."""
    return {KEY: np.asarray(json.dumps(instance, sort_keys=True))}


def check(path: Any, history: Mapping[str, Any], **expected: Any) -> None:
    """DataError naming `path` unless its recorded instance agrees with every `expected` field."""
    raw = history[KEY] if KEY in history else None  # a dict or an open .npz
    if raw is None:
        raise DataError(
            f"{path} does not record the instance it was trained on (written before histories recorded it): rerun "
            f"its training, e.g. delete it and run snakemake again"
        )
    recorded = json.loads(str(np.asarray(raw).item()) if not isinstance(raw, str) else raw)
    wrong = {k: (v, recorded.get(k)) for k, v in expected.items() if recorded.get(k) != v}
    if wrong:
        what = ", ".join(f"{k} {got!r} (expected {want!r})" for k, (want, got) in wrong.items())
        raise DataError(
            f"{path} was trained on another instance: {what}. The file is not the one this step expects at its "
            "path; delete it and run snakemake again"
        )
