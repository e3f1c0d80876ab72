"""Training steps/s for tf Fig. 4's CP model: the original forward vs the joint log-domain forward.

original: one model at a time; one-hot (B, 784, 2) einsum → (B, 784, R), product over 784, MSE, Adam step.
ours:     all (R, class) models in one step (log-domain matmul), MSE summed over models, Adam step.
Both on random binary batches of the same size, float32, 1 torch thread, measured in this one process.
The ratio compares the time to give every model one step: Σ over models of the original's seconds per step
against one joint step. Usage: python benchmarks/bench_tf_natural.py [--ranks 1 5 15] [--classes 10] ...
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from implreg.io import write_json
from implreg.tf.natural import cp_forward_onehot, init_factors, joint_forward


def _batch(batch: int, d: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(batch, d, generator=g) < 0.2).to(torch.uint8)  # ~MNIST's share of set pixels
    y = 2.0 * (torch.rand(batch, generator=g) < 0.1).float()
    return x, y


def _time_steps(step, steps: int, warmup: int = 1) -> float:
    """Seconds per call of `step` (after `warmup` untimed calls)."""
    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


def original_s_per_step(rank: int, x: torch.Tensor, y: torch.Tensor, steps: int) -> float:
    """One model of rank `rank`, the original forward."""
    (w,) = init_factors([rank], [0], x.shape[1], dtype=torch.float32)
    w = w[0].detach().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=5e-4)

    def step():
        loss = ((cp_forward_onehot(w, x) - y) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return _time_steps(step, steps)


def joint_s_per_step(ranks: list[int], n_classes: int, x: torch.Tensor, y: torch.Tensor, steps: int) -> float:
    """All len(ranks) × n_classes models in one step, the log-domain forward."""
    params = init_factors(ranks, list(range(n_classes)), x.shape[1], dtype=torch.float32)
    opt = torch.optim.Adam(params, lr=5e-4)
    target = y[:, None, None]

    def step():
        pred = torch.stack(joint_forward(params, x), dim=1)  # [B, n_ranks, n_classes]
        loss = ((pred - target) ** 2).mean(0).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return _time_steps(step, steps)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 5, 15])
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--features", type=int, default=784)
    ap.add_argument("--original-steps", type=int, default=2, help="timed steps per rank, original forward")
    ap.add_argument("--joint-steps", type=int, default=5, help="timed joint steps")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="benchmarks/out/tf_natural_steps.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x, y = _batch(args.batch, args.features, seed=0)
    orig = {r: original_s_per_step(r, x, y, args.original_steps) for r in args.ranks}
    joint = joint_s_per_step(args.ranks, args.classes, x, y, args.joint_steps)
    all_models_original = args.classes * sum(orig.values())
    n_models = args.classes * len(args.ranks)
    result = {
        "sizes": {"batch": args.batch, "features": args.features, "ranks": args.ranks, "classes": args.classes},
        "original_steps_per_s_one_model": {str(r): 1 / s for r, s in orig.items()},
        "original_s_to_step_all_models": all_models_original,
        "joint_steps_per_s_all_models": 1 / joint,
        "joint_model_steps_per_s": n_models / joint,
        "original_model_steps_per_s": n_models / all_models_original,
        "speedup": all_models_original / joint,
        "threads": args.threads,
        "dtype": "float32",
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }
    write_json(args.out, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
