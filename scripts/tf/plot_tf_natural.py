"""tf paper Fig. 4: mean error vs tensor rank on MNIST / Fashion-MNIST, original and random variants."""

from implreg.claims_file import write_claims
from implreg.cli import job_io, paths, run
from implreg.io import read_json, write_csv
from implreg.plotting.style import save_figure
from implreg.tf.figures import plot_natural_figure
from implreg.tf.natural_claims import natural_claims, table

IO = job_io(
    __doc__,
    inputs={"metrics": "train_tf_natural JSONs"},
    outputs={"pdf": "figure", "png": "PNG twin", "claims": "claims JSON", "table": "CSV behind the figure"},
    params={
        "preset": "preset",
        "figure": "figure id",
        "untestable": "claims this preset declared untestable: {claim id: why} (config untestable_claims)",
        "findings": "claims this preset declared findings: {claim id: evidence} (config findings)",
    },
)


def main(io):
    p = io.params
    files = paths(io.input.metrics)
    results = {}
    sources = set()
    for path in files:
        res = read_json(path)
        results[(res["dataset"], res["variant"])] = res
        sources.add(res["source"])
    rows = table(results)
    write_csv(io.output.table, rows)
    claims = natural_claims(rows)
    note = "FAKE smoke data" if "fake" in sources else ""
    save_figure(plot_natural_figure(rows, note), io.output.pdf, io.output.png)
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable, p.findings)


if __name__ == "__main__":
    run(main, IO)
