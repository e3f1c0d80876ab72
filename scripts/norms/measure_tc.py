"""Reconstruction error and estimated CP rank of every trained tensor of one experiment and init."""

from implreg.cli import job_io, run
from implreg.io import read_npz, write_csv
from implreg.norms.tc import measure_runs

IO = job_io(
    __doc__,
    inputs={"target": "target .npz", "runs": "runs .npz from train_tc"},
    outputs={"table": "CSV: num_obs, rep, seed, steps, converged, error, rank"},
    params={"cp_rank": "dict: tol_mse, max_sweeps, restarts, seed"},
)


def main(io):
    with read_npz(io.input.target) as z:
        target = z["tensor"]
    with read_npz(io.input.runs) as z:
        grid = [
            {"num_obs": int(n), "rep": int(r), "seed": int(s)}
            for n, r, s in zip(z["num_obs"], z["rep"], z["seed"], strict=False)
        ]
        rows = measure_runs(target, z["tensors"], grid, z["steps"], z["converged"], dict(io.params.cp_rank))
    write_csv(io.output.table, rows)


if __name__ == "__main__":
    run(main, IO)
