"""htf paper, appendix: HT local component norms at inner nodes and top singular values of matricizations."""

from implreg.claims import write_claims
from implreg.cli import job_io, run
from implreg.htf.dynamics import load_history, mat_key, node_key
from implreg.htf.dynamics_claims import appendix_claims, untestable_reason
from implreg.htf.figures import plot_appendix_figure
from implreg.io import write_csv
from implreg.plotting.style import save_figure

IO = job_io(
    __doc__,
    inputs={"history": "train_htf_dynamics .npz of ht"},
    outputs={"pdf": "figure", "png": "PNG twin", "claims": "claims JSON", "table": "CSV of the plotted histories"},
    params={
        "order": "tensor order (the root node is 1..order)",
        "node": "1-based modes of the inner node whose incremental learning is claimed",
        "node_rank": "the target's HT rank at that node",
        "n_entries": "entries of the tensor",
        "stop_loss": "the run's stopping tolerance (target directions below it are not expected to be learned)",
        "matricizations": "1-based row modes of the matricizations drawn",
        "start_iter": "first iteration drawn",
        "rel_threshold": "a quantity has risen above this fraction of its panel's largest final value",
        "min_gap": "iterations between consecutive emergences for them to count as distinct",
        "max_steps": "the run's step cap",
        "min_steps": "step cap below which the claims are untestable",
        "preset": "preset",
        "figure": "figure id",
        "untestable": "claims this preset declared untestable: {claim id: why} (config untestable_claims)",
    },
)


def main(io):
    p = io.params
    h = load_history(io.input.history)
    root = list(range(1, int(p.order) + 1))
    nodes = [p.node, root]
    keys = [node_key(v) for v in nodes] + [mat_key(m) for m in p.matricizations]
    rows = []
    for i, step in enumerate(h["log_step"]):
        row = {"step": int(step), "mse": float(h["log_mse"][i]), "recon_error": float(h["log_recon_error"][i])}
        for key in keys:
            row.update({f"{key}_top_{j}": float(v) for j, v in enumerate(h[f"log_{key}"][i])})
        rows.append(row)
    write_csv(io.output.table, rows)
    claims = appendix_claims(
        h,
        p.node,
        int(p.node_rank),
        p.matricizations,
        int(p.n_entries),
        float(p.stop_loss),
        float(p.rel_threshold),
        int(p.min_gap),
        untestable_reason(p.max_steps, p.min_steps),
    )
    save_figure(plot_appendix_figure(h, nodes, p.matricizations, int(p.start_iter)), io.output.pdf, io.output.png)
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable)


if __name__ == "__main__":
    run(main, IO)
