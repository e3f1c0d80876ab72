"""Runs/s of the norms robustness DMF grid trained batched (one `train_dmf` call, as the pipeline's one job) vs one
run at a time (one call per run), the same runs and options, in one process so the ratio is comparable run to run.

The grid is config.yaml's norms.robustness.dmf at the default preset (depth 3, inits 1e-3..1e-6, lrs 1.2e-2..1.5e-3,
balanced and not), with --seeds of its seeds (each seed adds 32 runs), trained to the loss level as the job does.
Usage: python benchmarks/bench_norms_robustness_grid.py [--seeds 1] [--out benchmarks/out/norms_robustness_grid.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import yaml

from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, train_dmf
from implreg.norms.robustness import grid_runs

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> str:
    try:
        lines = open("/proc/cpuinfo").read().splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=1, help="how many of the grid's seeds (32 runs each)")
    ap.add_argument("--out", default="benchmarks/out/norms_robustness_grid.json")
    args = ap.parse_args()
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    dmf, rob = cfg["norms"]["dmf"], cfg["norms"]["robustness"]["dmf"]
    problem = DMFProblem.two_by_two(*dmf["main_observations"], det_sign=dmf["main_det_sign"])
    runs = [
        DMFRun(r["lr"], r["init"], r["balanced"], r["seed"])
        for r in grid_runs(rob["inits"], rob["lrs"], rob["seeds"][: args.seeds], rob["balanced"])
    ]
    opts = PAPER_OPTIONS.replace(
        stop_loss=rob["level"],
        stop_patience=dmf["stop_patience"],
        max_steps=rob["max_steps"],
        log_every=rob["log_every"],
        progress_every_s=1e9,
    )
    depth = int(rob["depth"])
    train_dmf(problem, depth, runs[:1], opts.replace(stop_loss=1e-1))  # compile / warm the kernel's cache
    t0 = time.perf_counter()
    batched = train_dmf(problem, depth, runs, opts)
    t_batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    single = [train_dmf(problem, depth, [r], opts) for r in runs]
    t_single = time.perf_counter() - t0
    same = all(
        int(h.final_step[0]) == int(batched.final_step[i])
        and np.array_equal(h.product[0][-1], batched.product[i][: h.product.shape[1]][-1])
        for i, h in enumerate(single)
    )
    steps = int(batched.final_step.sum())
    out = {
        "cpu": _cpu(),
        "runs": len(runs),
        "steps": steps,
        "batched_s": t_batched,
        "one_at_a_time_s": t_single,
        "batched_runs_per_s": len(runs) / t_batched,
        "one_at_a_time_runs_per_s": len(runs) / t_single,
        "batched_steps_per_s": steps / t_batched,
        "ratio_batched_over_one_at_a_time": t_single / t_batched,
        "same_results": same,
    }
    print(json.dumps(out, indent=2))
    from implreg.io import write_json

    write_json(args.out, out)
    return out


if __name__ == "__main__":
    main()
