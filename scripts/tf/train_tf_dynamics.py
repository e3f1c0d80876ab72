"""Gradient descent on a CP factorization completing (or sensing) a low-rank tensor, one run per init std."""

import sys

import numpy as np

from implreg import instance
from implreg.cli import job_io, run
from implreg.device import resolve_device
from implreg.io import write_npz
from implreg.tf.dynamics import PAPER_OPTIONS, make_dataset, train_dynamics

IO = job_io(
    __doc__,
    inputs={},
    outputs={"history": ".npz: per-run histories (step, mse, recon error, top-k component norms)"},
    params={
        "data": "dict: shape, rank, num_samples, seed, task, sensing_rank, super_symmetric",
        "init_stds": "list of init stds",
        "seeds": "init seeds (one per init std)",
        "train": "dict: R, loss, huber_beta, optimizer, lr, beta, eps, max_steps, check_every, stop_loss, "
        "stop_patience, log_every, top_k",
        "dtype": "float64 | float32",
        "device": "cpu | cuda",
    },
)


def main(io):
    p = io.params
    ckpt = io.checkpoint()
    data = make_dataset(**p.data)
    opts, model = PAPER_OPTIONS.split(
        p.train,
        dtype=p.dtype,
        device=resolve_device(p.device),
        num_threads=io.threads,
        checkpoint=ckpt,
        progress_label="tf dynamics",
    )
    res = train_dynamics(data, p.init_stds, p.seeds, opts, **model)
    print(f"trained in {res.pop('wall_s'):.1f} s", file=sys.stderr)  # timings live in logs, not results
    arrays = {k: np.asarray(v) for k, v in res.items() if not k.startswith("factor_")}
    # the instance, checked by every reader: {data_seed, num_samples, shape, rank, task, ...}
    recorded = instance.record(**{("data_seed" if k == "seed" else k): v for k, v in p.data.items()})
    write_npz(io.output.history, **arrays, **recorded)
    ckpt.remove()


if __name__ == "__main__":
    run(main, IO)
