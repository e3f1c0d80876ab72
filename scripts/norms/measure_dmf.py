"""Norms, rank surrogates and |w11| along each DMF run (thinned for plotting), plus per-run summaries."""

from implreg.cli import job_io, run
from implreg.io import write_csv, write_json
from implreg.norms.dmf_measures import load_history, measure

IO = job_io(
    __doc__,
    inputs={"history": "history .npz from train_dmf"},
    outputs={"table": "CSV of metrics along each run", "summary": "JSON per-run final values"},
    params={"schatten_p": "exponent of the Schatten quasi-norm"},
)


def main(io):
    rows, summaries = measure(load_history(io.input.history), float(io.params.schatten_p))
    write_csv(io.output.table, rows)
    write_json(io.output.summary, summaries)


if __name__ == "__main__":
    run(main, IO)
