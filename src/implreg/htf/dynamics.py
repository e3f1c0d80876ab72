"""E1 of Razin, Maman & Cohen (ICML 2022): incremental learning in matrix, CP and hierarchical tensor factorization.

Three completion problems, one model each (the htf paper's dynamics figure):

* ``mf``: a depth-N matrix factorization W = W_N ⋯ W_1 (square d × d factors) fitted to a rank-r* matrix;
  the panel shows the top singular values of W.
* ``cp``: a CP factorization with R components fitted to a CP-rank-r* tensor; the panel shows the top
  component norms ∏ₙ‖wᵣⁿ‖.
* ``ht``: a hierarchical tensor (HT) factorization over the balanced binary mode tree
  {1},{2},…,{N} → {1,2},{3,4},… → … → {1..N} (adjacent modes pooled first, "checkerboard"), product pooling,
  unshared per-node weight matrices and a trainable linear output vector, fitted to an HT tensor of low HT
  ranks; the panel shows the top *local component norms* at the root.

Parameters, all with a leading run dimension of size 1 (the batched engine's layout):
leaves ``W0_n [1, d, r_0]`` (one per mode), then, level by level, one ``[1, r_{l-1}, r_l]`` matrix per node of
level l = 1..L-1, then the output vector ``[1, r_{L-1}]`` (L = log₂ N levels of pooling, N = order).

**Speed.** The original evaluates each observed entry separately (a ``[m, r_0]`` Hadamard product and a
``[m, r_0] × [r_0, r_1]`` matmul per node, ~0.14 s/iteration on one CPU thread at d = 8, widths 512). Here the
*full* tensor is built every step instead, which is far cheaper: a node over k modes only sees d^k distinct
index tuples, so its activations are a ``[d^k, r]`` matrix — the row-wise Khatri-Rao product of its children's
matrices times its weight matrix — and the root is ``(A · diag(w)) · Bᵀ``, the full tensor as a
``d^{N/2} × d^{N/2}`` matrix in C order. At order 4, d = 8 that is two 64 × 512 × 512 matmuls instead of two
2048 × 512 × 512 ones (benchmarks/bench_htf_dynamics.py measures the ratio). The observed entries are then
gathered from the full tensor; their MSE is the loss. MF (a product of square matrices) and CP
(:func:`implreg.cp.cp_reconstruct`) use the same full-then-gather scheme.

Training runs through :func:`implreg.engine.train_batched` with the scalar adaptive step ("GroupRMSprop": one
RMS-normalised step for all parameters, ε = 1e-6 outside the square root) and the paper's stopping rule.
Everything is float64 by default (the full HT step costs ~9 ms in float64 against ~3 ms in float32, and a
whole figure stays well under 15 minutes, so there is no reason to trade precision for it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor

from implreg import instance
from implreg.cp import as_generator, cp_reconstruct, cp_reconstruct_elements, khatri_rao, random_cp_factors
from implreg.engine import DYNAMICS_OPTIONS, TrainOptions, history_arrays, train_batched
from implreg.errors import ConfigError
from implreg.incremental import component_norms
from implreg.io import read_npz

Model = Literal["mf", "cp", "ht"]
MODELS: tuple[str, ...] = ("mf", "cp", "ht")

# The paper's stopping rule and cap (the authors' README: 500000 epochs, --validate_every 25, stop once the
# train MSE has been < 5e-5 at more than 100 consecutive evaluations).
PAPER_OPTIONS = DYNAMICS_OPTIONS.replace(max_steps=500_000, stop_loss=5e-5, stop_patience=100, progress_label="htf")


# ----------------------------------------------------------------------------------------------------------
# The mode tree and HT parameters
# ----------------------------------------------------------------------------------------------------------


def ht_levels(order: int) -> list[list[tuple[int, ...]]]:
    """Nodes of the balanced binary mode tree, level by level, as tuples of 1-based modes.

    ``ht_levels(4) == [[(1,), (2,), (3,), (4,)], [(1, 2), (3, 4)], [(1, 2, 3, 4)]]``. The order must be a
    power of two ≥ 2 (pool size 2 at every level, as the paper's order-4 tree).
    """
    order = int(order)
    if order < 2 or order & (order - 1):
        raise ConfigError(f"HT factorization: the order must be a power of two >= 2 (binary mode tree), got {order}.")
    levels = [[(n + 1,) for n in range(order)]]
    while len(levels[-1]) > 1:
        prev = levels[-1]
        levels.append([prev[i] + prev[i + 1] for i in range(0, len(prev), 2)])
    return levels


def ht_num_levels(order: int) -> int:
    """L = log₂(order): the number of pooling levels, and the number of layer widths."""
    return len(ht_levels(order)) - 1


def _check_ht(order: int, dim: int, widths: Sequence[int]) -> tuple[int, int, list[int]]:
    L = ht_num_levels(order)
    widths = [int(w) for w in widths]
    if len(widths) != L:
        raise ConfigError(
            f"HT factorization of order {order} needs {L} layer widths (one per tree level), got {widths}."
        )
    if int(dim) < 1 or min(widths) < 1:
        raise ConfigError(f"HT factorization: the mode dimension and the widths must be >= 1, got {dim}, {widths}.")
    return int(order), int(dim), widths


def ht_param_shapes(order: int, dim: int, widths: Sequence[int]) -> list[tuple[int, ...]]:
    """Shapes (without the run dimension) of the HT parameters, in the order this module keeps them."""
    order, dim, widths = _check_ht(order, dim, widths)
    shapes: list[tuple[int, ...]] = [(dim, widths[0])] * order
    levels = ht_levels(order)
    for lev in range(1, len(levels) - 1):
        shapes += [(widths[lev - 1], widths[lev])] * len(levels[lev])
    shapes.append((widths[-1],))
    return shapes


def ht_split(params: Sequence[Tensor], order: int) -> tuple[list[list[Tensor]], Tensor]:
    """The flat parameter list → (per level l = 0..L-1, the node matrices of that level), output vector."""
    levels = ht_levels(order)
    out, i = [], 0
    for nodes in levels[:-1]:
        out.append(list(params[i : i + len(nodes)]))
        i += len(nodes)
    if i != len(params) - 1:
        raise ConfigError(f"HT parameters: expected {i + 1} tensors for order {order}, got {len(params)}.")
    return out, params[-1]


def init_ht_params(
    order: int, dim: int, widths: Sequence[int], std: float, seed: int, dtype: torch.dtype = torch.float64
) -> list[Tensor]:
    """i.i.d. N(0, std²) entries for every parameter (the output vector included), ``[1, ...]`` each.

    Drawn in float64 from ``torch.Generator(seed)`` and then cast.
    """
    gen = torch.Generator().manual_seed(int(seed))
    shapes = ht_param_shapes(order, dim, widths)
    return [(torch.randn(s, generator=gen, dtype=torch.float64) * float(std)).unsqueeze(0).to(dtype) for s in shapes]


def ht_full(params: Sequence[Tensor], order: int) -> Tensor:
    """The full tensor of an HT factorization, flat in C order: ``[runs, d^order]`` (structured evaluation).

    Node activations are ``[runs, d^k, r]`` matrices: a leaf's is its weight matrix; an inner node's is the
    row-wise Khatri-Rao product of its two children's activations (C order, so row i·d^k₂ + j pairs row i of
    the left child with row j of the right) times its weight matrix. The root contracts its two children
    with the output vector: ``(A · diag(w)) · Bᵀ``.
    """
    node_params, w = ht_split(params, order)
    acts = list(node_params[0])
    for level in node_params[1:]:
        acts = [khatri_rao(acts[2 * i : 2 * i + 2]) @ W for i, W in enumerate(level)]
    a, b = acts
    return torch.bmm(a * w[:, None, :], b.transpose(1, 2)).reshape(a.shape[0], -1)


def ht_entries_naive(params: Sequence[Tensor], indices: Tensor, order: int) -> Tensor:
    """HT factorization values at the index tuples ``indices [m, order]`` (0-based), entry by entry: ``[runs, m]``.

    The original's evaluation (one activation row per observed entry); the reference :func:`ht_full` is tested
    against, and the baseline of the benchmark.
    """
    node_params, w = ht_split(params, order)
    acts = [W[:, indices[:, n], :] for n, W in enumerate(node_params[0])]  # [runs, m, r0] per mode
    for level in node_params[1:]:
        acts = [(acts[2 * i] * acts[2 * i + 1]) @ W for i, W in enumerate(level)]
    return (acts[0] * acts[1] * w[:, None, :]).sum(-1)


def local_component_norms(params: Sequence[Tensor], order: int) -> dict[tuple[int, ...], Tensor]:
    """Local component norms at every inner node of the tree: ``{node modes: [runs, r]}`` (unsorted).

    For node ν at level l with children c₁, c₂ (level l-1) and component r (a column of the children's
    weight matrices): ‖W^{c₁}[:, r]‖ · ‖W^{c₂}[:, r]‖ · ‖W^{ν}[r, :]‖, where at the root the last factor is
    |w_r| (the output vector). As the authors' evaluator computes it.
    """
    levels = ht_levels(order)
    node_params, w = ht_split(params, order)
    out: dict[tuple[int, ...], Tensor] = {}
    for lev in range(1, len(levels)):
        children = node_params[lev - 1]
        for i, node in enumerate(levels[lev]):
            col = children[2 * i].norm(dim=1) * children[2 * i + 1].norm(dim=1)  # [runs, r_{lev-1}]
            row = node_params[lev][i].norm(dim=2) if lev < len(levels) - 1 else w.abs()
            out[node] = col * row
    return out


def matricize(full: Tensor, dim: int, order: int, rows: Sequence[int]) -> Tensor:
    """Matricization of flat full tensors ``[runs, d^order]``: ``rows`` (1-based modes) index the rows."""
    rows = [int(m) - 1 for m in rows]
    if not rows or len(set(rows)) != len(rows) or min(rows) < 0 or max(rows) >= order:
        raise ConfigError(f"matricization rows must be distinct modes in 1..{order}, got {[m + 1 for m in rows]}.")
    cols = [m for m in range(order) if m not in rows]
    t = full.reshape(full.shape[0], *([dim] * order)).permute(0, *(m + 1 for m in rows + cols))
    return t.reshape(full.shape[0], dim ** len(rows), -1)


def mat_key(rows: Sequence[int]) -> str:
    return "mat_" + "_".join(str(int(m)) for m in rows)


def node_key(node: Sequence[int]) -> str:
    return "node_" + "_".join(str(int(m)) for m in node)


def root_split(order: int) -> list[int]:
    """The HT root's split {1..N/2} (1-based modes): its matricization's rank is the fewest root components."""
    return list(range(1, int(order) // 2 + 1))


# ----------------------------------------------------------------------------------------------------------
# Ground truths and data
# ----------------------------------------------------------------------------------------------------------


def make_mf_target(dim: int, rank: int, seed: int | np.random.Generator, fro_norm: float = 64.0) -> np.ndarray:
    """U Vᵀ with U, V ∈ R^{d×r} i.i.d. N(0, 1), rescaled to ‖W*‖_F = fro_norm."""
    if rank < 1 or dim < rank:
        raise ConfigError(f"MF target: need 1 <= rank <= dim, got rank {rank}, dim {dim}.")
    rng = as_generator(seed)
    u, v = rng.standard_normal((dim, rank)), rng.standard_normal((dim, rank))
    w = u @ v.T
    return w * (float(fro_norm) / np.linalg.norm(w))


def make_cp_target(
    order: int, dim: int, rank: int, seed: int | np.random.Generator, fro_norm: float = 64.0
) -> np.ndarray:
    """CP-rank-r tensor: factors i.i.d. N(0, 1), all scaled by c^{1/order} so that ‖T*‖_F = fro_norm."""
    if order < 2 or dim < 1 or rank < 1:
        raise ConfigError(f"CP target: need order >= 2, dim >= 1, rank >= 1, got {order}, {dim}, {rank}.")
    return cp_reconstruct(cp_target_factors(order, dim, rank, seed, fro_norm))[0].numpy()


def cp_target_factors(
    order: int, dim: int, rank: int, seed: int | np.random.Generator, fro_norm: float = 64.0
) -> list[Tensor]:
    """The factors ``[1, dim, rank]`` of :func:`make_cp_target`'s tensor (same draws, same scaling)."""
    factors = [torch.from_numpy(f).unsqueeze(0) for f in random_cp_factors([dim] * order, rank, seed)]
    c = float(fro_norm) / float(cp_reconstruct(factors).norm())
    return [f * c ** (1.0 / order) for f in factors]


def make_ht_target(
    order: int, dim: int, ranks: Sequence[int], seed: int | np.random.Generator, fro_norm: float = 64.0
) -> np.ndarray:
    """HT tensor of HT ranks ``ranks``: the model's architecture with those widths and N(0, 1) parameters.

    Every parameter is then multiplied by the same c^{1/D}, D = 2·order − 1 the homogeneity degree (each
    entry is a product of one parameter per non-root node and the output vector: 7 at order 4), so that
    ‖T*‖_F = fro_norm. Returns the tensor ``[d] * order``.
    """
    order, dim, ranks = _check_ht(order, dim, ranks)
    rng = as_generator(seed)
    params = [torch.from_numpy(rng.standard_normal((1, *s))) for s in ht_param_shapes(order, dim, ranks)]
    c = float(fro_norm) / float(ht_full(params, order).norm())
    params = [p * c ** (1.0 / (2 * order - 1)) for p in params]
    return ht_full(params, order)[0].reshape([dim] * order).numpy()


def make_problem(model: Model, spec: Mapping[str, Any], num_samples: int, seed: int, fro_norm: float) -> dict:
    """Ground truth + observed entries of one panel: ``{"target", "indices" [m], "values" [m]}``.

    The seed is split into one stream for the target and one for the observations. The observed entries are
    the first ``num_samples`` of a uniformly random permutation of all flat (C-order) indices.
    """
    target_ss, obs_ss = np.random.SeedSequence(int(seed)).spawn(2)
    trng = np.random.default_rng(target_ss)
    if model == "mf":
        target = make_mf_target(spec["dim"], spec["target_rank"], trng, fro_norm)
    elif model == "cp":
        target = make_cp_target(spec["order"], spec["dim"], spec["target_rank"], trng, fro_norm)
    elif model == "ht":
        target = make_ht_target(spec["order"], spec["dim"], spec["target_ranks"], trng, fro_norm)
    else:
        raise ConfigError(f"model must be one of {MODELS}, got {model!r}.")
    if not 1 <= num_samples <= target.size:
        raise ConfigError(
            f"{model}: num_samples must be in [1, {target.size}] (the number of entries), got {num_samples}."
        )
    idx = np.random.default_rng(obs_ss).permutation(target.size)[:num_samples].astype(np.int64)
    return {"target": target, "indices": idx, "values": target.reshape(-1)[idx].copy()}


def target_spectrum(model: Model, spec: Mapping[str, Any], seed: int, fro_norm: float) -> np.ndarray:
    """The ground truth's own spectrum, from the config alone (no training): what the panel should learn.

    MF: singular values of W*; HT: singular values of the root split {1..N/2} (its rank is the fewest root
    components that represent T*); CP: the target's component norms (its CP factors as drawn by
    :func:`make_problem`), sorted. Drawn from the same stream as :func:`make_problem`'s target.
    """
    target_ss, _ = np.random.SeedSequence(int(seed)).spawn(2)
    trng = np.random.default_rng(target_ss)
    if model == "mf":
        return np.linalg.svd(make_mf_target(spec["dim"], spec["target_rank"], trng, fro_norm), compute_uv=False)
    if model == "cp":
        factors = cp_target_factors(spec["order"], spec["dim"], spec["target_rank"], trng, fro_norm)
        return np.sort(component_norms(factors)[0].numpy())[::-1].copy()
    if model == "ht":
        target = make_ht_target(spec["order"], spec["dim"], spec["target_ranks"], trng, fro_norm)
        half = root_split(spec["order"])
        return target_matricization_svs(target, half, int(spec["dim"]) ** len(half))
    raise ConfigError(f"model must be one of {MODELS}, got {model!r}.")


# ----------------------------------------------------------------------------------------------------------
# Models: parameters, full tensor, the panel's quantity
# ----------------------------------------------------------------------------------------------------------


def init_params(model: Model, spec: Mapping[str, Any], seed: int, dtype: torch.dtype = torch.float64) -> list[Tensor]:
    """i.i.d. N(0, init_std²) parameters of one run, each ``[1, ...]``, from ``torch.Generator(seed)``."""
    std = float(spec["init_std"])
    if model == "ht":
        return init_ht_params(spec["order"], spec["dim"], spec["widths"], std, seed, dtype)
    gen = torch.Generator().manual_seed(int(seed))
    if model == "mf":
        shapes = [(spec["dim"], spec["dim"])] * int(spec["depth"])
    elif model == "cp":
        shapes = [(spec["dim"], cp_components(spec))] * int(spec["order"])
    else:
        raise ConfigError(f"model must be one of {MODELS}, got {model!r}.")
    return [(torch.randn(s, generator=gen, dtype=torch.float64) * std).unsqueeze(0).to(dtype) for s in shapes]


def cp_components(spec: Mapping[str, Any]) -> int:
    """R: ``components``, or (null) the max possible CP rank d^{order-1}, as the original's default."""
    r = spec.get("components")
    return int(spec["dim"]) ** (int(spec["order"]) - 1) if r is None else int(r)


def full_tensor(model: Model, params: Sequence[Tensor], spec: Mapping[str, Any]) -> Tensor:
    """The model's end tensor (matrix), flat in C order: ``[runs, #entries]``."""
    if model == "mf":
        out = params[0]
        for w in params[1:]:
            out = torch.bmm(w, out)  # W_N ⋯ W_1
        return out.reshape(out.shape[0], -1)
    if model == "cp":
        return cp_reconstruct(params).reshape(params[0].shape[0], -1)
    if model == "ht":
        return ht_full(params, int(spec["order"]))
    raise ConfigError(f"model must be one of {MODELS}, got {model!r}.")


def panel_quantity(model: Model, params: Sequence[Tensor], full: Tensor, spec: Mapping[str, Any]) -> Tensor:
    """The values the main panel tracks, unsorted ``[runs, n]``: MF singular values of W, CP component
    norms, HT local component norms at the root."""
    if model == "mf":
        d = int(spec["dim"])
        return torch.linalg.svdvals(full.reshape(full.shape[0], d, d))
    if model == "cp":
        return component_norms(params)
    order = int(spec["order"])
    return local_component_norms(params, order)[tuple(range(1, order + 1))]


def _topk(x: Tensor, k: int) -> Tensor:
    return torch.topk(x, min(int(k), x.shape[-1]), dim=-1, sorted=True).values


def tracked_values(
    model: Model,
    params: Sequence[Tensor],
    spec: Mapping[str, Any],
    target: Tensor,
    top_k: int,
    matricizations: Sequence[Sequence[int]] = (),
) -> dict[str, Tensor]:
    """Everything logged at one evaluation, per run: ``recon_error [runs]``, ``top [runs, k]`` (the panel),
    and for HT ``node_<modes> [runs, k]`` (every inner node) and ``mat_<rows> [runs, k]`` (top singular
    values of each requested matricization)."""
    full = full_tensor(model, params, spec)
    t = target.to(full.dtype)
    out = {
        "recon_error": (full - t).norm(dim=1) / t.norm(),
        "top": _topk(panel_quantity(model, params, full, spec), top_k),
    }
    if model == "ht":
        order, dim = int(spec["order"]), int(spec["dim"])
        for node, norms in local_component_norms(params, order).items():
            out[node_key(node)] = _topk(norms, top_k)
        for rows in matricizations:
            out[mat_key(rows)] = _topk(torch.linalg.svdvals(matricize(full, dim, order, rows)), top_k)
    return out


def target_matricization_svs(target: np.ndarray, rows: Sequence[int], top_k: int) -> np.ndarray:
    """Top singular values of a matricization of the ground truth (the reference for the learned ones)."""
    t = torch.as_tensor(np.asarray(target, dtype=np.float64)).reshape(1, -1)
    return _topk(torch.linalg.svdvals(matricize(t, target.shape[0], target.ndim, rows)), top_k)[0].numpy()


# ----------------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------------


def train_htf_dynamics(
    model: Model,
    spec: Mapping[str, Any],
    opts: TrainOptions = PAPER_OPTIONS,
    *,
    num_samples: int = 2048,
    fro_norm: float = 64.0,
    data_seed: int = 0,
    init_seed: int = 0,
    top_k: int = 10,
    matricizations: Sequence[Sequence[int]] = (),
) -> dict[str, Any]:
    """Fit one factorization (``model`` with architecture ``spec``) to its completion problem; return its history.

    spec: mf ``{dim, depth, target_rank, init_std}``; cp ``{order, dim, target_rank, components, init_std}``;
    ht ``{order, dim, target_ranks, widths, init_std}``. ``matricizations`` (HT only): 1-based row modes of
    the matricizations whose top singular values are logged.

    Returns numpy arrays / scalars: ``model``, ``steps``, ``converged``, ``final_mse``, ``final_recon_error``,
    ``final_top [k]``, ``log_step [n]``, ``log_mse [n]``, ``log_recon_error [n]``, ``log_top [n, k]``; for HT
    also ``log_node_<modes> [n, k]``, ``log_mat_<rows> [n, k]``, ``final_<same> [k]`` and
    ``target_mat_<rows> [k]`` (the ground truth's singular values); ``target_top [k]``: the ground truth's
    singular values (MF) or those of its root split {1..N/2} (HT), whose rank is the number of root components
    it needs; and ``wall_s``.
    """
    if model not in MODELS:
        raise ConfigError(f"model must be one of {MODELS}, got {model!r}.")
    mats = [tuple(int(m) for m in rows) for rows in matricizations] if model == "ht" else []
    dtype, device = opts.torch_dtype, opts.device
    problem = make_problem(model, spec, int(num_samples), int(data_seed), float(fro_norm))
    target = torch.as_tensor(problem["target"].reshape(-1), dtype=torch.float64, device=device)
    idx = torch.as_tensor(problem["indices"], device=device)
    y = torch.as_tensor(problem["values"], dtype=dtype, device=device)
    params = [p.to(device) for p in init_params(model, spec, int(init_seed), dtype)]

    def loss_fn(ps: list[Tensor], _data: list[Tensor]) -> Tensor:
        return (full_tensor(model, ps, spec)[:, idx] - y).square().mean(-1)

    def log_fn(_t: int, _ids: Tensor, ps: list[Tensor], _ld: Tensor) -> dict[str, Tensor]:
        row = tracked_values(model, ps, spec, target, top_k, mats)
        flat: dict[str, Tensor] = {"recon_error": row.pop("recon_error")}
        for key, val in row.items():
            flat.update({f"{key}__{j}": val[:, j] for j in range(val.shape[1])})
        return flat

    t0 = time.monotonic()
    res = train_batched(params, loss_fn, opts, log_fn=log_fn, run_names=[model])
    wall = time.monotonic() - t0
    out: dict[str, Any] = {
        "model": model,
        "steps": int(res.steps[0]),
        "converged": bool(res.converged[0]),
        "final_mse": float(res.final_loss[0]),
        "wall_s": wall,
    }
    with torch.no_grad():
        final = tracked_values(model, res.params, spec, target, top_k, mats)
    out["final_recon_error"] = float(final.pop("recon_error")[0])
    out.update({f"final_{k}": v[0].to(torch.float64).cpu().numpy() for k, v in final.items()})
    stacks = {f"log_{key}": (f"{key}__", None) for key in final}  # the columns log_fn flattened
    logs = history_arrays(res.history, 1, {"loss": "log_mse", "recon_error": "log_recon_error"}, stacks)
    out.update({k: v if k == "log_step" else v[0] for k, v in logs.items()})  # one run
    for rows in mats:
        out[f"target_{mat_key(rows)}"] = target_matricization_svs(problem["target"], rows, top_k)
    if model == "mf":
        out["target_top"] = np.linalg.svd(problem["target"], compute_uv=False)[:top_k]
    elif model == "ht":  # the root's split: its rank is the fewest root components that represent T*
        out["target_top"] = target_matricization_svs(problem["target"], root_split(spec["order"]), top_k)
    return out


def load_history(path: str) -> dict[str, Any]:
    """A history written by the training script (``np.savez``) as a dict of arrays / Python scalars."""
    with read_npz(path) as z:
        return {k: (z[k].item() if z[k].ndim == 0 else z[k]) for k in z.files}


def checked_history(path: str, model: str, data_seed: int) -> dict[str, Any]:
    """:func:`load_history` of a file that must record training `model` on instance `data_seed` (DataError
    naming the file otherwise: readers never pair instances and files by position alone)."""
    hist = load_history(path)
    instance.check(path, hist, model=model, data_seed=int(data_seed))
    return hist


def memory_lower_bound(model: Model, spec: Mapping[str, Any], itemsize: int = 8) -> tuple[int, str]:
    """Bytes one training job of this model needs at the least, and what dominates: the float64 target, the
    parameters and their gradients, and the activations a step builds and its backward pass keeps (MF: the
    products of the factors; CP: the Khatri-Rao halves and the full tensor; HT: each inner node's Khatri-Rao
    product of its children ``[d^k, r]`` and its output, and the full tensor). Torch itself comes on top."""
    dim = int(spec["dim"])
    if model == "mf":
        depth = int(spec["depth"])
        numel = dim * dim
        shapes = [(dim, dim)] * depth
        acts = {f"the products of the {depth} factors": depth * numel}
    elif model == "cp":
        order, R = int(spec["order"]), cp_components(spec)
        numel = dim**order
        shapes = [(dim, R)] * order
        acts = {f"the reconstruction with R = {R:.3g} components": cp_reconstruct_elements([dim] * order, R)}
    elif model == "ht":
        order, _, widths = _check_ht(spec["order"], dim, spec["widths"])
        numel = dim**order
        shapes = ht_param_shapes(order, dim, widths)
        levels = ht_levels(order)
        kr = sum(len(levels[lev]) * dim ** (2**lev) * (widths[lev - 1] + widths[lev]) for lev in range(1, len(widths)))
        acts = {f"the inner nodes' activations (widths {widths})": kr, f"the {numel:.3g}-entry full tensor": numel}
    else:
        raise ConfigError(f"model must be one of {MODELS}, got {model!r}.")
    n_params = sum(math.prod(s) for s in shapes)
    parts = {k: itemsize * v for k, v in acts.items()}
    parts[f"{n_params:.3g} parameters and their gradients"] = 2 * itemsize * n_params
    parts[f"the {numel:.3g}-entry target (float64)"] = 8 * numel
    return sum(parts.values()), max(parts, key=parts.get)


def describe(model: Model, spec: Mapping[str, Any]) -> str:
    """A short human-readable description of one panel's setting (titles, captions, logs)."""
    if model == "mf":
        return f"depth-{spec['depth']} MF, {spec['dim']}x{spec['dim']}, rank {spec['target_rank']}"
    if model == "cp":
        return f"CP order {spec['order']}, dim {spec['dim']}, R {cp_components(spec)}, rank {spec['target_rank']}"
    widths = "/".join(str(w) for w in spec["widths"])
    ranks = ",".join(str(r) for r in spec["target_ranks"])
    return f"HT order {spec['order']}, dim {spec['dim']}, widths {widths}, HT rank ({ranks})"


def entries(model: Model, spec: Mapping[str, Any]) -> int:
    """Number of entries of the model's tensor (matrix)."""
    if model == "mf":
        return int(spec["dim"]) ** 2
    return int(spec["dim"]) ** int(spec["order"])
