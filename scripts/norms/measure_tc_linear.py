"""The zero-filled linear baseline per N and the target's own CP-rank estimate."""

from implreg.cli import job_io, run
from implreg.io import read_npz, write_csv
from implreg.norms.tc import measure_linear

IO = job_io(
    __doc__,
    inputs={"target": "target .npz"},
    outputs={"table": "CSV: num_obs, what (target|linear), error, rank"},
    params={"num_observations": "list of N", "cp_rank": "dict: tol_mse, max_sweeps, restarts, seed"},
)


def main(io):
    with read_npz(io.input.target) as z:
        rows = measure_linear(z["tensor"], z["perm"], io.params.num_observations, dict(io.params.cp_rank))
    write_csv(io.output.table, rows)


if __name__ == "__main__":
    run(main, IO)
