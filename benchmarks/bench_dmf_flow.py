"""Cost of the gradient-flow reference vs the GD run it accompanies (issue 19), measured in one process.

Fig. 1's depth-3 run (lr 3e-3, init 1e-6, balanced) to loss 1e-4: GD steps and seconds (compiled kernel)
against the stiff solver's gradient evaluations and seconds. Usage: python benchmarks/bench_dmf_flow.py
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np

from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, init_layers, train_dmf
from implreg.norms.flow import FlowSettings, solve_flow

PROBLEM = DMFProblem.two_by_two(1.0, 1.0, 0.0, det_sign=1)
RUN, DEPTH, STOP = DMFRun(3e-3, 1e-6, True, 3), 3, 1e-4


def _cpu() -> str:
    try:
        lines = open("/proc/cpuinfo").read().splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="also write the result as JSON here")
    args = parser.parse_args()
    train_dmf(PROBLEM, DEPTH, [RUN], PAPER_OPTIONS.replace(stop_loss=1e-1))  # compile the kernel outside the timing
    t0 = time.perf_counter()
    hist = train_dmf(PROBLEM, DEPTH, [RUN], PAPER_OPTIONS.replace(stop_loss=STOP))
    gd_s = time.perf_counter() - t0
    layers0 = init_layers(RUN, DEPTH, 2, PROBLEM.det_sign, "product")
    out = {"cpu": _cpu(), "gd_steps": int(hist.final_step[0]), "gd_s": gd_s}
    for method in ("LSODA", "Radau", "BDF"):
        flow = solve_flow(PROBLEM, layers0, STOP, 1e6, FlowSettings(method))
        out[method] = {
            "evals": flow.n_evals,
            "seconds": flow.seconds,
            "final_w11": float(abs(flow.product[-1, 0, 0])),
            "steps_per_eval": out["gd_steps"] / flow.n_evals,
            "time_ratio_gd_over_flow": gd_s / flow.seconds,
        }
    ok = hist.step[0] >= 0
    out["gd_final_w11"] = float(abs(hist.product[0][ok][-1, 0, 0]))
    out["theory_final_w11"] = float(1 / np.sqrt(2 * hist.loss[0][ok][-1]))
    print(json.dumps(out, indent=2))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == "__main__":
    main()
