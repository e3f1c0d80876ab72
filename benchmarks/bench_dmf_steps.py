"""Steps/s of the compiled DMF engine vs a plain one-run-at-a-time torch autograd + SGD loop.

Same problem (Fig. 1's 2x2 completion, depth 3, float64), both measured in this one process so the
ratio is comparable across machines.  Usage: python benchmarks/bench_dmf_steps.py [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, init_layers, train_dmf

PROBLEM = DMFProblem.two_by_two(1.0, 1.0, 0.0, det_sign=1)
DEPTH = 3


def torch_loop_steps_per_s(steps: int) -> float:
    """The baseline: autograd + torch.optim.SGD, one run, one step per Python iteration."""
    torch.set_num_threads(1)
    ws = [torch.tensor(w, requires_grad=True) for w in init_layers(DMFRun(3e-3, 1e-6, True, 0), DEPTH, 2, 1, "product")]
    opt = torch.optim.SGD(ws, lr=3e-3)
    target, mask = torch.tensor(PROBLEM.target), torch.tensor(PROBLEM.mask)
    t0 = time.perf_counter()
    for _ in range(steps):
        prod = ws[0] @ ws[1] @ ws[2]
        loss = 0.5 * ((mask * (prod - target)) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return steps / (time.perf_counter() - t0)


def engine_steps_per_s(steps: int, runs: int) -> float:
    """Ours: all runs in one compiled call (stopping disabled so every run does `steps` steps)."""
    rs = [DMFRun(3e-3, 1e-6, bool(i % 2), i) for i in range(runs)]
    train_dmf(PROBLEM, DEPTH, rs, PAPER_OPTIONS.replace(max_steps=1000, stop_loss=1e-30))  # compile / warm the cache
    t0 = time.perf_counter()
    h = train_dmf(PROBLEM, DEPTH, rs, PAPER_OPTIONS.replace(max_steps=steps, stop_loss=1e-30, log_every=50))
    dt = time.perf_counter() - t0
    return float(h.final_step.sum()) / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--torch-steps", type=int, default=20_000)
    ap.add_argument("--engine-steps", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--out", default="benchmarks/out/dmf_steps.json")
    args = ap.parse_args()
    base = torch_loop_steps_per_s(args.torch_steps)
    ours = engine_steps_per_s(args.engine_steps, args.runs)
    result = {
        "problem": f"2x2 completion, depth {DEPTH}, float64",
        "torch_autograd_loop_steps_per_s": base,
        "engine_steps_per_s": ours,
        "speedup": ours / base,
        "fig1_estimate_s": 12 * 3e6 / ours,
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }
    from implreg.io import write_json

    write_json(args.out, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
