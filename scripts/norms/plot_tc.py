"""Fig. 2 / appendix B: tensor completion error and estimated CP rank vs number of observations."""

from implreg import paper_values
from implreg.claims_file import write_claims
from implreg.cli import job_io, paths, run
from implreg.io import read_csv_rows
from implreg.norms.figures import plot_tc_figure
from implreg.norms.tables import TC_LINEAR, TC_RUNS
from implreg.norms.tc_claims import tc_claims
from implreg.plotting.style import save_figure

IO = job_io(
    __doc__,
    inputs={"runs": "measure_tc CSVs, one per init (order of init_stds)", "linear": "measure_tc_linear CSV"},
    outputs={"pdf": "figure PDF", "png": "PNG twin", "claims": "claims JSON"},
    params={
        "init_stds": "init stds",
        "order": "order",
        "dim": "mode size",
        "target_rank": "CP rank",
        "rank_from": "N from which rank recovery is claimed",
        "error_from": "N from which the error claim holds",
        "error_factor": "required error ratio to linear",
        "init_ordering": "whether the smaller-init-lower-error claim applies",
        "max_steps": "step cap of the training runs",
        "preset": "preset",
        "figure": "figure id",
        "grid": "the configured runs {num_observations, repetitions, init_stds}: the results must cover them",
        "untestable": "claims this preset declared untestable: {claim id: why} (config untestable_claims)",
        "findings": "claims this preset declared findings: {claim id: evidence} (config findings)",
        "instance": "the instance completed: {kind: paper | seeded, file | target_seed, what}",
    },
)

PAPER_DIM = 8


def main(io):
    p = io.params
    tables = paths(io.input.runs)
    runs_by_init = {float(i): read_csv_rows(t, numeric=TC_RUNS) for i, t in zip(p.init_stds, tables, strict=True)}
    linear = read_csv_rows(io.input.linear, numeric=TC_LINEAR)
    claims = tc_claims(
        runs_by_init,
        linear,
        int(p.target_rank),
        int(p.rank_from),
        int(p.error_from),
        float(p.error_factor),
        bool(p.init_ordering),
        figure=p.figure,
        grid=p.grid,
    )
    # the paper's points only where our instance has its size (8 per mode; the smoke preset shrinks order 4)
    markers = paper_values.for_figure(p.figure).get("markers") if int(p.dim) == PAPER_DIM else None
    shape = "x".join([str(p.dim)] * int(p.order))
    which = "the paper's instance" if p.instance["kind"] == "paper" else f"seeded draw {p.instance['target_seed']}"
    title = f"{shape} (order {p.order}) rank {p.target_rank} tensor completion ({which})"
    save_figure(plot_tc_figure(runs_by_init, linear, title, markers), io.output.pdf, io.output.png)
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable, p.findings, instance=p.instance)


if __name__ == "__main__":
    run(main, IO)
