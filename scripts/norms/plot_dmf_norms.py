"""Companion to Fig. 1: every norm grows while effective rank and sigma_min fall, one column per depth."""

from implreg.claims_file import write_claims
from implreg.cli import job_io, paths, run
from implreg.io import read_csv_rows, read_json
from implreg.norms.dmf_claims import norms_claims
from implreg.norms.figures import plot_norms_figure
from implreg.norms.tables import DMF_TABLE
from implreg.plotting.style import save_figure

IO = job_io(
    __doc__,
    inputs={"tables": "metrics CSVs, one per depth", "summaries": "summary JSONs, one per depth"},
    outputs={"pdf": "figure PDF", "png": "PNG twin", "claims": "claims JSON"},
    params={
        "depths": "depths (order of inputs)",
        "stop_loss": "loss threshold",
        "schatten_p": "quasi-norm p",
        "observations": "(b12, b21, b22) of the problem",
        "preset": "preset name",
        "figure": "figure id",
        "untestable": "claims this preset declared untestable: {claim id: why} (config untestable_claims)",
        "findings": "claims this preset declared findings: {claim id: evidence} (config findings)",
    },
)


def main(io):
    p = io.params
    tables = paths(io.input.tables)
    summ = paths(io.input.summaries)
    rows = {int(d): read_csv_rows(t, numeric=DMF_TABLE) for d, t in zip(p.depths, tables, strict=True)}
    summaries = {int(d): read_json(s) for d, s in zip(p.depths, summ, strict=True)}
    claims = norms_claims(summaries, float(p.stop_loss), float(p.schatten_p), [float(v) for v in p.observations])
    fig = plot_norms_figure(rows, summaries, float(p.stop_loss), float(p.schatten_p))
    save_figure(fig, io.output.pdf, io.output.png)
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable, p.findings)


if __name__ == "__main__":
    run(main, IO)
