"""Shape arithmetic of CP factorizations, light enough for config validation (no torch).

One copy of the rule "a CP model with R components can express a target of CP rank r only if r <= R", used by
every paper's config checks (tf.dynamics, norms.tc, htf.dynamics.cp) and by the CP engine's default R.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def default_cp_components(shape: Sequence[int]) -> int:
    """Product of all mode sizes but the largest: enough components to express any tensor of this shape."""
    dims = sorted(int(d) for d in shape)
    return int(np.prod(dims[:-1], dtype=np.int64)) if len(dims) > 1 else 1


def target_rank_problem(key: str, target_rank: int, shape: Sequence[int], components: int | None = None) -> str | None:
    """The config problem when a CP target of rank `target_rank` cannot be expressed, else None.

    `components` is the model's R (None: the default R of `shape`, the most any tensor of that shape needs);
    `key` is the config key of the target rank, named in the message.
    """
    most = default_cp_components(shape) if components is None else int(components)
    if target_rank <= most:
        return None
    what = (
        "the model's CP components R" if components is not None else f"the largest CP rank of a {_shape(shape)} tensor"
    )
    return (
        f"{key} = {target_rank} exceeds {most}, {what}: the model could not express the ground truth; "
        "lower the target rank" + (" or raise the components" if components is not None else "")
    )


def _shape(shape: Sequence[int]) -> str:
    dims = [int(d) for d in shape]
    return f"{dims[0]}^{len(dims)}" if len(set(dims)) == 1 else "x".join(map(str, dims))
