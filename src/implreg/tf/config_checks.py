"""Cross-key checks of the tf paper's config sections (tf.dynamics) that a JSON schema cannot express.

Called by `implreg.config` for every preset; each message starts with the offending key.
"""

from __future__ import annotations

import numpy as np

from implreg.cp_shapes import target_rank_problem


def problems(config: dict) -> list[str]:
    dyn = (config.get("tf") or {}).get("dynamics")
    if not dyn:
        return []
    out = []
    if len(dyn["init_seeds"]) != len(dyn["init_stds"]):
        out.append(
            f"tf.dynamics.init_seeds has {len(dyn['init_seeds'])} entries but init_stds has "
            f"{len(dyn['init_stds'])}; give one seed per init std"
        )
    entries = int(np.prod(dyn["shape"]))
    if dyn["task"] == "completion" and dyn["num_samples"] > entries:
        out.append(f"tf.dynamics.num_samples = {dyn['num_samples']} exceeds the {entries} entries of the tensor")
    msg = target_rank_problem("tf.dynamics.target_rank", dyn["target_rank"], dyn["shape"], dyn["components"])
    if msg:
        out.append(msg)
    return out
