"""Scalar-adaptive-step GD on one factorization (mf, cp or ht) completing its low-rank ground truth (htf E1)."""

import sys

import numpy as np

from implreg import instance
from implreg.cli import job_io, run
from implreg.device import resolve_device
from implreg.htf.dynamics import PAPER_OPTIONS, train_htf_dynamics
from implreg.io import write_npz

IO = job_io(
    __doc__,
    inputs={},
    outputs={"history": ".npz: logged train MSE, reconstruction error and top-k tracked quantities"},
    params={
        "model": "mf | cp | ht",
        "spec": "dict: the model's sizes, target rank(s), width(s)/components and init std",
        "train": "dict: num_samples, fro_norm, data_seed, init_seed, optimizer, lr, beta, eps, max_steps, "
        "check_every, stop_loss, stop_patience, log_every, top_k, matricizations",
        "dtype": "float64 | float32",
        "device": "cpu | cuda",
    },
)


def main(io):
    p = io.params
    ckpt = io.checkpoint()
    opts, problem = PAPER_OPTIONS.split(
        p.train,
        dtype=p.dtype,
        device=resolve_device(p.device),
        num_threads=io.threads,
        checkpoint=ckpt,
        progress_label=f"htf {p.model}",
    )
    res = train_htf_dynamics(p.model, p.spec, opts, **problem)
    print(f"{p.model}: {res['steps']} steps in {res.pop('wall_s'):.1f} s", file=sys.stderr)  # timings: logs only
    recorded = instance.record(  # checked by every reader
        model=p.model, data_seed=int(p.train["data_seed"]), num_samples=int(p.train["num_samples"])
    )
    write_npz(io.output.history, **{k: np.asarray(v) for k, v in res.items()}, **recorded)
    ckpt.remove()


if __name__ == "__main__":
    run(main, IO)
