"""The tensor-completion instances of the norms paper's Fig. 2 and its rank-3 appendix, shipped as data.

``paper_instances/tensor_rank_{r}_fro_1_order_{o}_dim_{d}.npz`` hold the ground truth the authors' runs completed
(``target_tensor``, unit Frobenius norm), its CP rank (``target_cp_rank``) and the order in which entries are
observed (``train_indices_order``: a permutation of the flat C-order indices; the first N are the N observations,
so the sets are nested in N). Provenance and checksums: ``paper_instances/README.md``.

``norms.tc.instance: paper`` completes these (the default and paper presets); ``seeded`` draws a fresh instance
from ``target_seed`` (:func:`implreg.cp.make_cp_target`), for robustness studies, tests and shapes the paper
did not use. Light on purpose (numpy only): the workflow imports it while it builds the DAG.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from implreg.errors import ConfigError, DataError

INSTANCE_KINDS = ("paper", "seeded")
FOLDER = Path(__file__).resolve().parent / "paper_instances"
REPO_FOLDER = "src/implreg/norms/paper_instances"  # the same folder, relative to the repository root
KEYS = ("target_tensor", "target_cp_rank", "train_indices_order")
# The stored float32 tensors have ‖T‖_F = 1 to float32 rounding: measured |‖T‖_F - 1| = 3e-8 to 1.9e-6 (the
# 4096-entry order-4 rank 1); about sqrt(numel) x float32's 6e-8, so 1e-5 allows it and refuses any real rescaling.
NORM_RTOL = 1e-5


def file_name(order: int, dim: int, rank: int) -> str:
    """The authors' name of the instance of this shape and CP rank."""
    return f"tensor_rank_{int(rank)}_fro_1_order_{int(order)}_dim_{int(dim)}.npz"


def shipped() -> list[str]:
    """The instances the project ships (file names)."""
    return sorted(p.name for p in FOLDER.glob("*.npz"))


def paper_instance_file(order: int, dim: int, rank: int, key: str = "norms.tc.instance") -> Path:
    """The shipped file of the paper's instance of this shape; a shape the paper did not use names the fix."""
    path = FOLDER / file_name(order, dim, rank)
    if not path.is_file():
        raise ConfigError(
            f"{key} = paper, but the paper has no order-{order}, {dim}-per-mode, CP-rank-{rank} instance (shipped in "
            f"{REPO_FOLDER}/: {', '.join(shipped()) or 'none'}). Use the paper's shape (order 3 or 4, dim 8, rank "
            f"1 or 3), or set {key}: seeded to draw this experiment's instance from its target_seed."
        )
    return path


def load_paper_instance(path: str | Path, order: int, dim: int, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """(tensor as float64, observation order) of a shipped instance, checked against the experiment's shape.

    The float32 values are kept exactly (float32 -> float64 is exact). Raises DataError naming the file when
    it is not the instance asked for or not one at all (a permutation of every entry, unit norm, the rank).
    """
    path = Path(path)
    try:
        with np.load(path) as z:
            missing = [k for k in KEYS if k not in z.files]
            if missing:
                raise DataError(f"{path}: not a tensor-completion instance, it lacks {missing} (has {z.files})")
            tensor = np.asarray(z["target_tensor"]).astype(np.float64)
            stored_rank = int(z["target_cp_rank"])
            perm = np.asarray(z["train_indices_order"]).astype(np.int64)
    except (OSError, ValueError) as err:
        raise DataError(f"{path}: unreadable ({err}); restore it from git (git checkout -- {path.name})") from err
    want = (int(dim),) * int(order)
    problems = []
    if tensor.shape != want:
        problems.append(f"shape {tensor.shape}, the experiment is {want}")
    if stored_rank != int(rank):
        problems.append(f"CP rank {stored_rank}, the experiment's target_rank is {rank}")
    if perm.shape != (tensor.size,) or not np.array_equal(np.sort(perm), np.arange(tensor.size)):
        problems.append(f"train_indices_order is not a permutation of the {tensor.size} entries")
    norm = float(np.linalg.norm(tensor))
    if not abs(norm - 1.0) <= NORM_RTOL:
        problems.append(f"Frobenius norm {norm:.8g}, not 1")
    if problems:
        raise DataError(f"{path}: not the paper's instance asked for: " + "; ".join(problems))
    return tensor, perm


def describe(kind: str, order: int, dim: int, rank: int, target_seed: int) -> dict:
    """What a claims file and the report say about the instance a figure completed."""
    if kind == "paper":
        return {
            "kind": "paper",
            "file": f"{REPO_FOLDER}/{file_name(order, dim, rank)}",
            "what": "the paper's own instance (the authors' target tensor and observation order)",
        }
    if kind == "seeded":
        return {
            "kind": "seeded",
            "target_seed": int(target_seed),
            "what": f"a seeded random draw (target_seed {int(target_seed)}), not the paper's instance",
        }
    raise ConfigError(f"norms.tc.instance = {kind!r}; choose one of {INSTANCE_KINDS}")
