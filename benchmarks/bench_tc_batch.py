"""Runs/s of the norms tensor-completion engine: every (N, repetition) run of one experiment in one batch (what
`train_tc` does) against the same runs one at a time, same steps, same process.

Why it matters (issue 30): the robustness sweeps are "many small runs of one shape"; this is the case where one
step is small (an 8^3 or 8^4 tensor) and Python/dispatch overhead, paid once per step, dominates, so batching is
expected to pay here, unlike tf's order-4 R = 1000 steps (bench_tf_dynamics_batch.py) or the 2x2 DMF kernel
(bench_norms_robustness_grid.py). Results must agree: the runs are independent (one scalar adaptive step per run),
so the batched and one-at-a-time final tensors are compared and their largest difference reported.
The experiment (shape, rank, target, observation counts, repetitions, step rule, dtype; the smallest init) is the
figure's, read from config.yaml at a preset; 1 torch thread (compare ratios, not seconds).
Usage: python benchmarks/bench_tc_batch.py [--experiment rank1_order3] [--preset default] [--steps 2000]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from implreg.config import load_yaml_strict, resolve
from implreg.cp import COMPLETION_OPTIONS, make_cp_target, train_cp_completion
from implreg.io import write_json
from implreg.norms.tc import run_grid

REPO = Path(__file__).resolve().parents[1]


def tc_settings(preset: str, name: str) -> tuple[dict, dict]:
    """norms.tc and its experiment `name`, as the preset resolves them."""
    tc = resolve({**load_yaml_strict(REPO / "config.yaml"), "preset": preset})["norms"]["tc"]
    exps = {e["name"]: e for e in tc["experiments"]}
    if name not in exps:
        raise SystemExit(f"no norms.tc experiment {name!r} at preset {preset}; there are {sorted(exps)}")
    return tc, exps[name]


def timed(target, perm, grid, init_std, opts) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    res = train_cp_completion(
        target, [perm[: g["num_obs"]] for g in grid], [init_std] * len(grid), [g["seed"] for g in grid], opts=opts
    )
    return time.perf_counter() - t0, res["tensors"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--experiment", default="rank1_order3", help="a norms.tc.experiments name")
    ap.add_argument("--preset", default="default")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None, help="default benchmarks/out/tc_batch_<experiment>.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    tc, exp = tc_settings(args.preset, args.experiment)
    target, perm = make_cp_target(exp["order"], exp["dim"], exp["target_rank"], seed=exp["target_seed"])
    grid = run_grid(exp["num_observations"], tc["repetitions"], tc["seed"], 0)
    init_std = float(min(tc["init_stds"]))
    # The figure's step rule at a fixed step count: no stopping, so both ways do exactly the same work per run.
    opts = COMPLETION_OPTIONS.replace(
        **{k: tc[k] for k in ("lr", "optimizer", "beta", "eps", "dtype")},
        max_steps=args.steps,
        stop_loss=None,
        num_threads=args.threads,
    )
    t_batch, x_batch = timed(target, perm, grid, init_std, opts)
    singles = [timed(target, perm, [g], init_std, opts) for g in grid]
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
        "experiment": {"preset": args.preset, "init_std": init_std, **exp},
        "threads": args.threads,
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
    }
    write_json(args.out or f"benchmarks/out/tc_batch_{args.experiment}.json", result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
