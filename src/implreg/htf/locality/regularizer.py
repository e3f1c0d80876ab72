"""The input-gradient-change (IGC) regulariser of the locality experiments (htf spec, section 5).

For a batch x ``[B, C, H, W]`` and the network's logit f (one per sample), with patches I and J:

1. g = ∂(Σ_b f(x_b))/∂x with ``create_graph=True`` (double backprop; BN in train mode, as the original).
2. u_b = g_b restricted to I (all channels), flattened and divided by its L2 norm.
3. x' = x.detach() with patch J of sample b replaced by patch J of sample (b+1) mod B (a cyclic shift).
4. A second forward on x' (train mode) gives g' = ∂Σf(x')/∂x' (also ``create_graph``); v_b = g'_b on I, normalised.
5. R = mean_b |⟨u_b, v_b⟩| (absolute cosine similarity, in [0, 1]); the loss is BCE + λ·R.

A small R means the input gradient at I changes with the content of J: a non-local interaction, which the
paper's regulariser rewards to counter the implicit bias towards locality.

Deviations, each a knob defaulting to the original except ``eps``:
  eps      the norm is ``max(‖·‖, eps)`` (the original divides by ‖·‖ alone, so an all-zero gradient on I gives
           NaN); eps = 1e-12 changes nothing else. eps = 0 restores the original division.
  bn_mode  "original": the shuffled pass updates BN running statistics (as coded); "frozen": it leaves them
           untouched (momentum 0 for that pass; batch statistics are still used, as in train mode).
Patches are drawn with a NumPy ``Generator`` the caller seeds (the original used the global ``np.random``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from implreg.errors import ConfigError

BN_MODES = ("original", "frozen")


class Patch(NamedTuple):
    """A rectangle of the input: rows top..top+height-1, columns left..left+width-1."""

    top: int
    left: int
    height: int
    width: int

    def slices(self) -> tuple[slice, slice]:
        return slice(self.top, self.top + self.height), slice(self.left, self.left + self.width)


# ----------------------------------------------------------------------------------------- patch sampling


def is_same_patches(height: int, width: int, distance: int, size: int = 32) -> tuple[Patch, Patch]:
    """The two image locations of an Is-Same canvas (the original's preset patches): left, right."""
    top = height // 2 - size // 2
    left = width // 2 - size - distance // 2
    return Patch(top, left, size, size), Patch(top, left + size + distance, size, size)


def sample_preset_pair(patches: tuple[Patch, ...], rng: np.random.Generator) -> tuple[Patch, Patch]:
    """I uniformly from `patches`, J uniformly from the others (Is-Same: the other image)."""
    if len(patches) < 2:
        raise ConfigError("the IGC regulariser needs at least two preset patches.")
    i = int(rng.integers(len(patches)))
    rest = [p for k, p in enumerate(patches) if k != i]
    return patches[i], rest[int(rng.integers(len(rest)))]


def sample_random_pair(
    height: int, width: int, size: int, distance: int, rng: np.random.Generator, adjacent_only: bool = False
) -> tuple[Patch, Patch]:
    """Pathfinder: I a uniformly random size×size patch; J uniform among size×size patches whose Chebyshev
    gap to I is at least `distance` pixels (so never overlapping I); with `adjacent_only`, also at most
    `distance` (the original's ``--reg_only_adjecent_patches``). Integer coordinates throughout (the original
    parsed size and distance as floats and crashed)."""
    size, distance = int(size), int(distance)
    if size < 1 or distance < 0 or size > min(height, width):
        raise ConfigError(f"IGC patch size {size} / distance {distance} do not fit a {height}x{width} input.")
    ti = int(rng.integers(height - size + 1))
    li = int(rng.integers(width - size + 1))
    rows = np.arange(height - size + 1)[:, None]
    cols = np.arange(width - size + 1)[None, :]
    dr, dc = np.abs(rows - ti), np.abs(cols - li)
    ok = (dr >= size + distance) | (dc >= size + distance)
    if adjacent_only:
        ok &= (dr <= size + distance) & (dc <= size + distance)
    cand = np.flatnonzero(ok)
    if cand.size == 0:
        raise ConfigError(
            f"no IGC patch J of size {size} at gap >= {distance} from I fits a {height}x{width} input; "
            "lower `reg_patch_size` or `reg_distance`."
        )
    k = int(cand[int(rng.integers(cand.size))])
    n_cols = width - size + 1
    return Patch(ti, li, size, size), Patch(k // n_cols, k % n_cols, size, size)


# --------------------------------------------------------------------------------------------- the penalty


@contextlib.contextmanager
def _bn_frozen(model: nn.Module, frozen: bool) -> Iterator[None]:
    """With `frozen`, BN layers keep their running statistics (momentum 0) inside the block."""
    if not frozen:
        yield
        return
    saved = []
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            saved.append((m, m.momentum, m.num_batches_tracked.clone()))
            m.momentum = 0.0
    try:
        yield
    finally:
        for m, mom, nbt in saved:
            m.momentum = mom
            m.num_batches_tracked.copy_(nbt)


def shift_patch(x: Tensor, patch: Patch) -> Tensor:
    """A copy of x (detached) whose `patch` in sample b holds sample (b+1) mod B's content there."""
    out = x.detach().clone()
    rs, cs = patch.slices()
    out[:, :, rs, cs] = torch.roll(x.detach()[:, :, rs, cs], shifts=-1, dims=0)
    return out


def _normalised_patch_grad(grad: Tensor, patch: Patch, eps: float) -> Tensor:
    rs, cs = patch.slices()
    flat = grad[:, :, rs, cs].reshape(grad.shape[0], -1)
    norm = flat.norm(dim=1, keepdim=True)
    return flat / (norm.clamp_min(eps) if eps > 0 else norm)


def _logit_and_input_grad(model: nn.Module, x: Tensor) -> tuple[Tensor, Tensor]:
    x = x.detach().requires_grad_(True)
    logits = model(x).reshape(x.shape[0], -1)[:, 0]
    (grad,) = torch.autograd.grad(logits.sum(), x, create_graph=True)
    return logits, grad


def igc_penalty(
    model: nn.Module,
    x: Tensor,
    patch_i: Patch,
    patch_j: Patch,
    eps: float = 1e-12,
    bn_mode: str = "original",
) -> tuple[Tensor, Tensor]:
    """``(R, logits)``: the IGC value (a differentiable scalar in [0, 1]) and the logits ``[B]`` of the first
    forward pass on x, which the caller uses for the classification loss (the original shares this pass).
    Costs two forward passes and two input-gradient backward passes with graph."""
    if bn_mode not in BN_MODES:
        raise ConfigError(f"`reg_bn_mode` must be one of {list(BN_MODES)}, got {bn_mode!r}.")
    if x.shape[0] < 2:
        raise ConfigError("the IGC regulariser shifts patches within a batch: batches need >= 2 samples.")
    logits, grad = _logit_and_input_grad(model, x)
    u = _normalised_patch_grad(grad, patch_i, eps)
    with _bn_frozen(model, bn_mode == "frozen"):
        _, grad_shifted = _logit_and_input_grad(model, shift_patch(x, patch_j))
    v = _normalised_patch_grad(grad_shifted, patch_i, eps)
    # |cos| <= 1 up to rounding; the clamp only acts on that rounding (gradient unchanged below 1).
    return (u * v).sum(dim=1).abs().mean().clamp(max=1.0), logits
