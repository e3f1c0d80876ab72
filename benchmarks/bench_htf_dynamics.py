"""Seconds per training step of the htf dynamics figure's HT model: structured (full tensor) vs naive (per entry).

naive:      the original's evaluation, one activation row per observed entry ([m, r] Hadamard products and
            [m, r] x [r, r] matmuls per node), then the MSE over the m observed entries.
structured: the full d^N tensor from [d^k, r] node activations (Khatri-Rao of the children, times the node
            matrix; the root as (A diag(w)) B^T), then the m observed entries gathered from it.
Both compute the same loss and gradients (tests/test_htf_dynamics.py), forward + backward, float64, interleaved
in one process so machine load affects both alike; the ratio is what to compare run to run.
Usage: python benchmarks/bench_htf_dynamics.py [--dim 8] [--widths 512 512] [--samples 2048] ...
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from implreg.htf.dynamics import ht_entries_naive, ht_full, init_ht_params
from implreg.io import write_json


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--order", type=int, default=4)
    ap.add_argument("--dim", type=int, default=8)
    ap.add_argument("--widths", type=int, nargs="+", default=[512, 512])
    ap.add_argument("--samples", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (naive steps, then structured)")
    ap.add_argument("--naive-steps", type=int, default=3, help="timed naive steps per round")
    ap.add_argument("--structured-steps", type=int, default=30, help="timed structured steps per round")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="benchmarks/out/htf_dynamics_steps.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    params = [p.requires_grad_(True) for p in init_ht_params(args.order, args.dim, args.widths, 1e-2, seed=0)]
    gen = torch.Generator().manual_seed(0)
    flat = torch.randperm(args.dim**args.order, generator=gen)[: args.samples]
    idx = torch.stack(torch.unravel_index(flat, (args.dim,) * args.order), dim=1)
    y = torch.randn(args.samples, dtype=torch.float64, generator=gen)

    def naive():
        loss = (ht_entries_naive(params, idx, args.order) - y).square().mean()
        torch.autograd.grad(loss, params)

    def structured():
        loss = (ht_full(params, args.order)[:, flat] - y).square().mean()
        torch.autograd.grad(loss, params)

    def timed(step, n):
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        return (time.perf_counter() - t0) / n

    naive(), structured()  # warm-up
    t_naive, t_struct = [], []
    for _ in range(args.rounds):
        t_naive.append(timed(naive, args.naive_steps))
        t_struct.append(timed(structured, args.structured_steps))
    s_naive, s_struct = float(np.median(t_naive)), float(np.median(t_struct))
    result = {
        "sizes": {"order": args.order, "dim": args.dim, "widths": args.widths, "samples": args.samples},
        "naive_s_per_step": s_naive,
        "structured_s_per_step": s_struct,
        "speedup": s_naive / s_struct,
        "rounds": args.rounds,
        "threads": args.threads,
        "dtype": "float64",
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }
    write_json(args.out, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
