"""Runs/s of the norms tensor-completion engine: every (N, repetition) run of one experiment in one batch (what
`train_tc` does) against the same runs one at a time, same steps, same process.

Why it matters (issue 30): the robustness sweeps are "many small runs of one shape"; this is the case where one
step is small (an 8^3 or 8^4 tensor) and Python/dispatch overhead, paid once per step, dominates, so batching is
expected to pay here, unlike tf's order-4 R = 1000 steps (bench_tf_dynamics_batch.py) or the 2x2 DMF kernel
(bench_norms_robustness_grid.py). Results must agree: the runs are independent (one scalar adaptive step per run),
so the batched and one-at-a-time final tensors are compared and their largest difference reported.
float32 as the figure, 1 torch thread (compare ratios, not seconds).
Usage: python benchmarks/bench_tc_batch.py [--order 3] [--dim 8] [--reps 5] [--steps 2000]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from implreg.cp import COMPLETION_OPTIONS, make_cp_target, train_cp_completion
from implreg.io import write_json
from implreg.norms.tc import run_grid

# The figure's observation counts per order (config.yaml norms.tc.experiments, rank-1 rows).
NUM_OBS = {
    3: [50, 100, 150, 200, 250, 300, 350, 400, 450, 511],
    4: [100, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4095],
}


def timed(target, perm, grid, init_std, opts) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    res = train_cp_completion(
        target, [perm[: g["num_obs"]] for g in grid], [init_std] * len(grid), [g["seed"] for g in grid], opts=opts
    )
    return time.perf_counter() - t0, res["tensors"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--order", type=int, default=3, choices=sorted(NUM_OBS))
    ap.add_argument("--dim", type=int, default=8)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--init-std", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None, help="default benchmarks/out/tc_batch_order<order>.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    target, perm = make_cp_target(args.order, args.dim, 1, seed=1)
    grid = run_grid(NUM_OBS[args.order], args.reps, 0, 0)
    # Fixed step count: no stopping rule, so both ways do exactly the same work per run.
    opts = COMPLETION_OPTIONS.replace(
        lr=1e-2, beta=0.99, eps=1e-6, dtype="float32", max_steps=args.steps, stop_loss=None, num_threads=args.threads
    )
    t_batch, x_batch = timed(target, perm, grid, args.init_std, opts)
    singles = [timed(target, perm, [g], args.init_std, opts) for g in grid]
    t_single = sum(t for t, _ in singles)
    x_single = np.concatenate([x for _, x in singles])
    result = {
        "runs": len(grid),
        "steps": args.steps,
        "batched_s": t_batch,
        "one_at_a_time_s": t_single,
        "runs_per_s": {"batched": len(grid) / t_batch, "one_at_a_time": len(grid) / t_single},
        "speedup": t_single / t_batch,
        "max_abs_diff_final_tensors": float(np.abs(x_batch - x_single).max()),
        "sizes": {"order": args.order, "dim": args.dim, "num_observations": NUM_OBS[args.order], "reps": args.reps},
        "threads": args.threads,
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
    }
    write_json(args.out or f"benchmarks/out/tc_batch_order{args.order}.json", result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
