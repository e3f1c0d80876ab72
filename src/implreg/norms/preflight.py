"""Pre-flight probes of the norms paper's training jobs: a few steps at the job's full size, timed.

Each probe takes the job (:class:`implreg.preflight.job.ProbeJob`: the real job's params, those of the jobs
making its inputs) and returns the fields of a probe record (:mod:`implreg.preflight.table`): what a step is, how
many the full job does, and the measured s/step. The rules' probes are listed in implreg.norms.probes.PROBES.
"""

from __future__ import annotations

from implreg.cp import COMPLETION_OPTIONS, make_cp_target, train_cp_completion
from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, train_dmf
from implreg.norms.tc import run_grid
from implreg.preflight.clock import StepClock, timed


def probe_dmf(job) -> dict:
    """train_dmf (numba, no per-step hook): a short warm-up call (JIT), then `steps` GD steps of all runs."""
    p, steps = job.params, job.steps
    problem = DMFProblem.two_by_two(*p.observations, det_sign=p.det_sign)
    runs = [DMFRun(float(r["lr"]), float(r["init"]), bool(r["balanced"]), int(r["seed"])) for r in p.runs]
    # No early stop inside the probe: a stop_loss of 0 is never met, so every run takes every step.
    opts, rest = PAPER_OPTIONS.split({**p.train, "stop_loss": 0.0}, progress_label="preflight")
    setup, setup_cpu, _ = timed(train_dmf, problem, int(p.depth), runs, opts.replace(max_steps=100), **rest)
    took, cpu, _ = timed(train_dmf, problem, int(p.depth), runs, opts.replace(max_steps=int(steps)), **rest)
    return {
        "unit": f"GD step of all {len(runs)} runs",
        "steps_done": int(steps),
        "setup_s": setup,
        "s_per_step": took / int(steps),
        "setup_cpu_s": setup_cpu,
        "cpu_s_per_step": cpu / int(steps),
        "steps_full": int(p.train["max_steps"]),
        "count_note": f"steps = the max_steps cap {p.train['max_steps']:g}, an upper bound: runs stop once "
        f"loss < {p.train['stop_loss']:g}",
    }


def probe_tc(job) -> dict:
    """train_tc: `steps` batched adaptive steps of every (N, repetition) run, on a seeded target of the shape that
    make_tc_target's params give (the paper's own instance, which has no seed, is drawn with seed 0)."""
    p, steps, target = job.params, job.steps, job.sources["target"]
    seed = target["seed"] if target["seed"] is not None else 0
    tensor, perm = make_cp_target(int(target["order"]), int(target["dim"]), int(target["rank"]), int(seed))
    grid = run_grid(p.num_observations, int(p.repetitions), int(p.seed), int(p.init_index))
    clock = StepClock(steps)
    opts = COMPLETION_OPTIONS.replace(
        **p.train, dtype=p.dtype, device=job.device, num_threads=None, checkpoint=clock, progress_label="preflight"
    )
    clock.run(
        train_cp_completion,
        tensor,
        [perm[: g["num_obs"]] for g in grid],
        [float(p.init_std)] * len(grid),
        [g["seed"] for g in grid],
        opts=opts,
    )
    cap = int(p.train["max_steps"])
    return {
        "unit": f"adaptive step of all {len(grid)} runs",
        **clock.timing(),
        "steps_full": cap,
        "count_note": f"steps = the max_steps cap {cap:g}, an upper bound: converged runs retire and later "
        "steps get cheaper",
    }
