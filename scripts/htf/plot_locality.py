"""htf locality figure: test accuracy vs distance / path length, one curve per λ (mean ± std over seeds)."""

from implreg.claims_file import write_claims
from implreg.cli import job_io, paths, run
from implreg.htf.locality.calibration import calibration_claims
from implreg.htf.locality.claims import locality_claims, summary
from implreg.htf.locality.figures import plot_locality_figure
from implreg.htf.locality.is_same_class import SOURCE_TITLES
from implreg.io import read_json, write_csv
from implreg.paper_values import for_figure
from implreg.plotting.style import save_figure

IO = job_io(
    __doc__,
    inputs={
        "metrics": "train_locality JSONs (comma-separated on the command line)",
        "calibration": "calibrate_locality JSON (its claims join the figure's)",
    },
    outputs={"pdf": "figure", "png": "PNG twin", "claims": "claims JSON", "table": "CSV behind the figure"},
    params={
        "task": "is_same | pathfinder",
        "metric": "test_acc_last (the paper's) | test_acc_best",
        "preset": "preset name",
        "figure": "figure id, e.g. htf/locality_is_same_class",
        "untestable": "claims this preset declared untestable: {claim id: why} (config untestable_claims)",
        "findings": "claims this preset declared findings: {claim id: evidence} (config findings)",
        "claims": "{agree_tol, min_drop, chance_tol, recover_frac}: tolerances in accuracy points",
    },
)


def paper_markers(figure: str) -> list[dict]:
    """The paper's points for this figure (paper_values.yaml), drawn as labelled 'paper' markers; none for a
    figure whose values were not transcribed (the ResNet34 appendix)."""
    try:
        return for_figure(figure).get("markers", [])
    except KeyError:
        return []


def main(io):
    p = io.params
    runs, sources = [], set()
    for path in paths(io.input.metrics):
        res = read_json(path)
        runs.append(
            {"setting": res["setting"], "lam": res["lam"], "seed": res["seed"], "test_acc": 100 * res[p.metric]}
        )
        sources.add(res["source"])
    rows = summary(runs)
    source = ", ".join(sorted(sources))
    write_csv(io.output.table, [{**r, "task": p.task, "source": source} for r in rows])
    c = p.claims
    claims = locality_claims(
        rows,
        "distance" if p.task == "is_same" else "path length",
        agree_tol=float(c["agree_tol"]),
        min_drop=float(c["min_drop"]),
        chance_tol=float(c["chance_tol"]),
        recover_frac=float(c["recover_frac"]),
        figure=p.figure,
    )
    claims += calibration_claims(read_json(io.input.calibration), p.figure)
    notes = []
    if p.task == "is_same":
        notes.append(f"images: {SOURCE_TITLES.get(source, source)}")
    if p.preset != "paper":
        notes.append(f"{p.preset} preset")
    arch = read_json(paths(io.input.metrics)[0])["model"]["arch"]
    save_figure(
        plot_locality_figure(rows, p.task, arch, "; ".join(notes), paper_markers(p.figure)),
        io.output.pdf,
        io.output.png,
    )
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable, p.findings)


if __name__ == "__main__":
    run(main, IO)
