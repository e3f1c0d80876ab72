"""Train every (N, repetition) CP factorization of one tensor-completion experiment and init, batched."""

import numpy as np

from implreg.cli import job_io, run
from implreg.cp import COMPLETION_OPTIONS, train_cp_completion
from implreg.device import resolve_device
from implreg.io import read_npz, write_npz
from implreg.norms.tc import run_grid

IO = job_io(
    __doc__,
    inputs={"target": "target .npz from make_tc_target"},
    outputs={"runs": ".npz: final tensors, steps, converged per run"},
    params={
        "init_std": "factor init std",
        "init_index": "position of init_std in the config list (part of the run seeds)",
        "num_observations": "list of N",
        "repetitions": "runs per N",
        "seed": "base seed",
        "train": "dict: lr, optimizer, beta, eps, stop_loss, check_every, stop_patience, max_steps",
        "dtype": "float64 | float32",
        "device": "cpu | cuda",
    },
)


def main(io):
    p = io.params
    ckpt = io.checkpoint()
    with read_npz(io.input.target) as z:
        target, perm = z["tensor"], z["perm"]
    grid = run_grid(p.num_observations, int(p.repetitions), int(p.seed), int(p.init_index))
    opts = COMPLETION_OPTIONS.replace(
        **p.train,
        dtype=p.dtype,
        device=resolve_device(p.device),
        num_threads=io.threads,
        checkpoint=ckpt,
        progress_label=f"tc init {p.init_std:g}",
    )
    res = train_cp_completion(
        target,
        [perm[: g["num_obs"]] for g in grid],
        [float(p.init_std)] * len(grid),
        [g["seed"] for g in grid],
        opts=opts,
        run_names=[f"N={g['num_obs']} rep={g['rep']}" for g in grid],
    )
    write_npz(
        io.output.runs,
        tensors=res["tensors"],
        steps=res["steps"],
        converged=res["converged"],
        final_mse=res["final_mse"],
        num_obs=np.array([g["num_obs"] for g in grid]),
        rep=np.array([g["rep"] for g in grid]),
        seed=np.array([g["seed"] for g in grid], dtype=np.uint64),
    )
    ckpt.remove()


if __name__ == "__main__":
    run(main, IO)
