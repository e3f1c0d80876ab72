"""Run-steps/s of the tf dynamics engine with 3 runs in a batch (one instance, the figure's job) against 12 and
48 runs in one batch (the robustness sweep's instances trained together), same shape and settings.

Why it matters (issue 30): batching many small runs is where the speed of the DMF and norms sweeps comes from;
whether it pays for tf's order-4 10^4-entry tensors with R = 1000 components, where one step is already a large
einsum, is what this measures. float64, 1 torch thread, in this one process (compare ratios, not seconds).
Usage: python benchmarks/bench_tf_dynamics_batch.py [--runs 3 12 48] [--steps 50]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch

from implreg.io import write_json
from implreg.tf.dynamics import PAPER_OPTIONS, make_dataset, train_dynamics


def s_per_step(n_runs: int, steps: int, shape: list[int], num_samples: int) -> float:
    data = make_dataset(shape, 5, num_samples, seed=0)
    inits = [0.05, 0.01, 0.005] * (n_runs // 3) + [0.005] * (n_runs % 3)
    opts = PAPER_OPTIONS.replace(max_steps=steps, stop_loss=None, log_every=None, num_threads=None)
    t0 = time.perf_counter()
    train_dynamics(data, inits, list(range(n_runs)), opts)
    return (time.perf_counter() - t0) / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, nargs="+", default=[3, 12, 48])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--shape", type=int, nargs="+", default=[10, 10, 10, 10])
    ap.add_argument("--num-samples", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="benchmarks/out/tf_dynamics_batch.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    per = {n: s_per_step(n, args.steps, args.shape, args.num_samples) for n in args.runs}
    base = args.runs[0]
    result = {
        "run_steps_per_s": {str(n): n / s for n, s in per.items()},
        "speedup_vs_smallest_batch": {str(n): (n / s) / (base / per[base]) for n, s in per.items()},
        "sizes": {"shape": args.shape, "num_samples": args.num_samples, "steps": args.steps},
        "threads": args.threads,
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
    }
    write_json(args.out, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
