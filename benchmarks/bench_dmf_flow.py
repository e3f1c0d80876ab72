"""Cost of the gradient-flow reference vs the GD run it accompanies (issue 19), measured in one process.

Fig. 1's depth-3 run (lr 3e-3, init 1e-6, balanced) to loss 1e-4: GD steps and seconds (compiled kernel)
against the stiff solvers' gradient evaluations and seconds, and an explicit solver (RK45) on the same flow,
capped at --explicit-max-evals gradient evaluations (reported as "did not finish within N evaluations" with
how far it got): the late phase is stiff, so an explicit method's step is held to ~2/lambda_max.
Usage: python benchmarks/bench_dmf_flow.py [--explicit-max-evals 1000000] [--out result.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
from scipy.integrate import solve_ivp

from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, init_layers, train_dmf
from implreg.norms.flow import FlowSettings, _products, flow_rhs, loss_of, solve_flow

PROBLEM = DMFProblem.two_by_two(1.0, 1.0, 0.0, det_sign=1)
RUN, DEPTH, STOP = DMFRun(3e-3, 1e-6, True, 3), 3, 1e-4


def _cpu() -> str:
    try:
        lines = open("/proc/cpuinfo").read().splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


class _Capped(Exception):
    pass


def explicit_solve(layers0: np.ndarray, t_flow: float, max_evals: int, method: str = "RK45") -> dict:
    """The same flow with an explicit solver (same tolerances as the stiff default), stopped after max_evals.
    t_flow: the flow time the stiff solver needed to reach STOP (the explicit one may run to 1.5x that)."""
    t_end = 1.5 * t_flow
    shape, evals, last = layers0.shape, 0, [0.0, layers0.ravel()]
    settings = FlowSettings()

    def rhs(t, y):
        nonlocal evals
        evals += 1
        if evals > max_evals:
            raise _Capped
        last[:] = [t, y]
        return flow_rhs(y.reshape(shape), PROBLEM).ravel()

    def at_stop(_t, y):
        return np.log(max(loss_of(_products(y.reshape(shape))[0][-1], PROBLEM), 1e-300)) - np.log(STOP)

    at_stop.terminal, at_stop.direction = True, -1
    start = time.perf_counter()
    try:
        sol = solve_ivp(rhs, (0.0, t_end), layers0.ravel(), method=method, rtol=settings.rtol,
                        atol=settings.atol, events=at_stop)  # fmt: skip
        finished, t, y = bool(sol.status == 1), float(sol.t[-1]), sol.y[:, -1]
    except _Capped:
        finished, (t, y) = False, last
    seconds = time.perf_counter() - start
    w = _products(np.asarray(y).reshape(shape))[0][-1]
    out = {"evals": min(evals, max_evals), "seconds": seconds, "finished": finished, "t_reached": t,
           "t_needed": t_flow, "loss_reached": loss_of(w, PROBLEM), "w11_reached": float(abs(w[0, 0]))}  # fmt: skip
    if not finished:
        out["note"] = (
            f"did not finish within {max_evals} evaluations: reached t = {t:.4g} of the {t_flow:.4g} needed "
            f"(loss {out['loss_reached']:.3g}, stop at {STOP:g})"
        )
    return out


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="also write the result as JSON here")
    parser.add_argument("--explicit-max-evals", type=int, default=1_000_000, help="cap of the RK45 solve")
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
            "t_end": float(flow.t[-1]),
            "steps_per_eval": out["gd_steps"] / flow.n_evals,
            "time_ratio_gd_over_flow": gd_s / flow.seconds,
        }
    t_flow = out["LSODA"]["t_end"]  # the flow time at which the loss reaches STOP
    out["RK45"] = explicit_solve(layers0, t_flow, args.explicit_max_evals)
    out["RK45"]["steps_per_eval"] = out["gd_steps"] / out["RK45"]["evals"]
    out["RK45"]["evals_over_LSODA"] = out["RK45"]["evals"] / out["LSODA"]["evals"]
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
