"""A lower bound on the memory of one tensor-completion training job (Fig. 2, appendix B), checked against its
rule's mem_mb before any job runs (issue 27, item 6).

Kept apart from the training code so that estimating changes no training job's code fingerprint.
"""

from __future__ import annotations

import math

from implreg.cp import cp_reconstruct_elements
from implreg.cp_shapes import default_cp_components


def memory_lower_bound(order: int, dim: int, runs: int, itemsize: int = 8) -> tuple[int, str]:
    """Bytes a job training `runs` CP factorizations of a dim^order tensor together needs at the least, and what
    dominates: the float64 target, each run's reconstruction (both Khatri-Rao halves and the full tensor, kept for
    backward), its factors with their gradients, and its final tensor (written out). Torch comes on top."""
    shape = [int(dim)] * int(order)
    numel, R = math.prod(shape), default_cp_components(shape)
    parts = {
        f"the {numel:.3g}-entry target (float64)": 8 * numel,
        f"the reconstruction of {runs} run(s) with R = {R:.3g} components": itemsize
        * runs
        * cp_reconstruct_elements(shape, R),
        f"the factors of {runs} run(s) and their gradients (R = {R:.3g})": 2 * itemsize * runs * sum(shape) * R,
        f"the final tensors of {runs} run(s)": itemsize * runs * numel,
    }
    return sum(parts.values()), max(parts, key=parts.get)
