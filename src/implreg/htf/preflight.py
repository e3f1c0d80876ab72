"""Pre-flight probe of the htf dynamics jobs: a few steps at the job's full size, timed (the locality
experiments' probes are in :mod:`implreg.htf.locality.preflight`)."""

from __future__ import annotations

from implreg.htf.dynamics import PAPER_OPTIONS, train_htf_dynamics
from implreg.preflight.clock import StepClock


def probe_dynamics(job) -> dict:
    """train_htf_dynamics: `steps` adaptive steps of the one factorization (logging included)."""
    p = job.params
    clock = StepClock(job.steps)
    opts, problem = PAPER_OPTIONS.split(
        p.train, dtype=p.dtype, device=job.device, num_threads=None, checkpoint=clock, progress_label="preflight"
    )
    clock.run(train_htf_dynamics, p.model, p.spec, opts, **problem)
    cap = int(p.train["max_steps"])
    return {
        "unit": f"adaptive step of the {p.model} model",
        **clock.timing(),
        "steps_full": cap,
        "count_note": f"steps = the max_steps cap {cap:g} (log every {p.train['log_every']} steps timed in), an "
        f"upper bound: the run stops once the train MSE < {p.train['stop_loss']:g}",
    }
