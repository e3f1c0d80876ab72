"""Pre-flight probes of the tf paper's training jobs: a few steps (epochs) at the job's full size, timed.

Each probe takes the job (:class:`implreg.preflight.job.ProbeJob`) and returns the fields of a probe record
(:mod:`implreg.preflight.table`): what a step is, how many the full job does, and the measured s/step. The rules'
probes are listed in implreg.tf.probes.PROBES.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from implreg.preflight.clock import StepClock
from implreg.tf.dynamics import PAPER_OPTIONS, make_dataset, train_dynamics
from implreg.tf.natural import NaturalTrainConfig, make_variant, prepare_data, train_joint

# MNIST and Fashion-MNIST sizes: what the probe stands in with when the files are not on this machine.
_SPLITS = {"train": 60000, "test": 10000}


def probe_dynamics(job) -> dict:
    """train_tf_dynamics: `steps` batched adaptive steps of every init std's run (logging included)."""
    p = job.params
    data = make_dataset(**p.data)
    clock = StepClock(job.steps)
    opts, model = PAPER_OPTIONS.split(
        p.train, dtype=p.dtype, device=job.device, num_threads=None, checkpoint=clock, progress_label="preflight"
    )
    clock.run(train_dynamics, data, p.init_stds, p.seeds, opts, **model)
    cap = int(p.train["max_steps"])
    return {
        "unit": f"adaptive step of all {len(p.init_stds)} runs",
        **clock.timing(),
        "steps_full": cap,
        "count_note": f"steps = the max_steps cap {cap:g} (log every {p.train['log_every']} steps timed in), an "
        f"upper bound: runs stop once the train MSE < {p.train['stop_loss']:g}",
    }


def natural_data(data_dir: str | None, p) -> tuple[tuple, str]:
    """The job's data from `data_dir/<dataset>` when its IDX files are there, else random binary images of
    the same shape (the timing depends on shapes only); the second value says which."""
    if data_dir is None:  # smoke's fake files: the probe does not make them
        folder = None
    else:
        folder = Path(data_dir) / p.dataset
        if folder.is_dir() and any(folder.glob("train-images-idx3-ubyte*")):
            data = prepare_data(folder, p.dataset, p.variant, int(p.data_seed), p.n_train, p.n_test)
            return data, f"real {p.dataset} from {folder}"
    rng = np.random.default_rng(0)
    n = {s: int(v or _SPLITS[s]) for s, v in (("train", p.n_train), ("test", p.n_test))}
    x = {s: rng.integers(0, 2, (n[s], 784), dtype=np.uint8) for s in n}
    y = {s: rng.integers(0, 10, n[s], dtype=np.uint8) for s in n}
    data = make_variant(x["train"], y["train"], x["test"], y["test"], p.variant, int(p.data_seed))
    where = f"{folder} holds no IDX files" if folder else "the data set is generated, not fetched"
    return data, f"synthetic {p.dataset}-shaped data ({where})"


def probe_natural(job) -> dict:
    """train_tf_natural: `steps` epochs (each: every mini-batch, one Adam step of all (R, class) models), on the
    real data where fetch_dataset's data_dir holds it."""
    p = job.params
    data, job.note = natural_data(job.sources["manifest"].get("data_dir"), p)
    cfg = NaturalTrainConfig(**{**p.train, "device": job.device}, threads=job.threads)
    clock = StepClock(job.steps)
    clock.run(train_joint, *data, cfg, progress_label="preflight", checkpoint=clock)
    epochs = int(p.train["epochs"])
    models = len(cfg.ranks) * len(cfg.classes)
    return {
        "unit": f"epoch of {models} models ({-(-len(data[1]) // cfg.batch_size)} batches)",
        **clock.timing(),
        "steps_full": epochs,
        "count_note": f"epochs = {epochs} (no early stop); the test evaluations every {cfg.eval_every} epochs are "
        "not timed (forward passes over 1/6 of the train size)",
    }
