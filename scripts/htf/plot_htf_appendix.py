"""htf paper, appendix: HT local component norms at inner nodes and top singular values of matricizations."""

from implreg.claims import combine_instances
from implreg.claims_file import write_claims
from implreg.cli import job_io, paths, run
from implreg.htf.dynamics import checked_history, mat_key, node_key
from implreg.htf.dynamics_claims import instance_appendix_claims
from implreg.htf.figures import plot_appendix_figure
from implreg.io import write_csv
from implreg.plotting.style import save_figure

IO = job_io(
    __doc__,
    inputs={"history": "train_htf_dynamics .npz files of ht, one per data seed (order of data_seeds)"},
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
        "half_rise": "a quantity has risen once at this fraction of its own final value",
        "max_steps": "the run's step cap",
        "spec": "the HT model's spec (the target is regenerated from it)",
        "data_seeds": "the instances' seeds (each target regenerated from its seed); the figure draws the first",
        "target_norm": "||ground truth||_F",
        "preset": "preset",
        "figure": "figure id",
        "untestable": "claims this preset declared untestable: {claim id: why} (config untestable_claims)",
        "findings": "claims this preset declared findings: {claim id: evidence} (config findings)",
    },
)


def main(io):
    p = io.params
    seeds = [int(s) for s in p.data_seeds]
    files = dict(zip(seeds, paths(io.input.history), strict=True))
    by_seed = {s: checked_history(f, "ht", s) for s, f in files.items()}
    h = by_seed[seeds[0]]  # the drawn instance
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
    per_seed = {
        s: instance_appendix_claims(
            hs,
            p.spec,
            s,
            p.target_norm,
            p.node,
            p.node_rank,
            p.matricizations,
            p.n_entries,
            p.stop_loss,
            p.max_steps,
            p.rel_threshold,
            p.half_rise,
            source=files[s],
        )
        for s, hs in by_seed.items()
    }
    claims = combine_instances(per_seed)
    save_figure(plot_appendix_figure(h, nodes, p.matricizations, int(p.start_iter)), io.output.pdf, io.output.png)
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable, p.findings)


if __name__ == "__main__":
    run(main, IO)
