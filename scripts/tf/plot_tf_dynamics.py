"""tf paper Fig. 3: incremental learning of CP components (norms per init) and the reconstruction error."""

from implreg import instance, paper_values
from implreg.claims_file import write_claims
from implreg.cli import job_io, paths, run
from implreg.io import read_npz, write_csv
from implreg.plotting.style import save_figure
from implreg.tf.dynamics import split_runs
from implreg.tf.dynamics_claims import FIGURE, claims_with_job_settings
from implreg.tf.figures import plot_dynamics_figure

IO = job_io(
    __doc__,
    inputs={"history": "train_tf_dynamics .npz, one per instance (data seed), the drawn one first"},
    outputs={"pdf": "figure", "png": "PNG twin", "claims": "claims JSON", "table": "CSV of the plotted histories"},
    params={
        "target_rank": "r*",
        "threshold": "norm above which a component has risen",
        "init_stds": "the config's inits: each instance's runs must be these",
        "data_seeds": "the instances, in the order of the inputs (the first is drawn)",
        "final_error_factor": "claim bound on the smallest init's final error, as a multiple of the paper's",
        "order": "tensor order N",
        "log_every": "iterations between log points",
        "min_loss": "x-axis cut: train MSE first below this",
        "stop_loss": "the runs' stop loss (the final-error claim reads the error while the train MSE is below it)",
        "preset": "preset",
        "figure": "figure id",
        "untestable": "claims this preset declared untestable: {claim id: why} (config untestable_claims)",
        "findings": "claims this preset declared findings: {claim id: evidence} (config findings)",
    },
)


def main(io):
    p = io.params
    instances = {}
    for seed, path in zip(p.data_seeds, paths(io.input.history), strict=True):
        with read_npz(path) as z:
            instance.check(path, z, data_seed=int(seed))
            instances[int(seed)] = split_runs({k: z[k] for k in z.files})
    drawn_seed = int(p.data_seeds[0])
    runs = instances[drawn_seed]
    rows = []
    for seed, inst in instances.items():
        for r in inst:
            for i, step in enumerate(r["log_step"]):
                rows.append(
                    {
                        "data_seed": seed,
                        "init_std": float(r["init_std"]),
                        "step": int(step),
                        "mse": float(r["log_mse"][i]),
                        "recon_error": float(r["log_recon_error"][i]),
                        **{f"norm_{j}": float(v) for j, v in enumerate(r["log_top_norms"][i])},
                    }
                )
    write_csv(io.output.table, rows)
    claims = claims_with_job_settings(instances, p)
    paper_like = int(p.target_rank) == paper_values.value(FIGURE, "target_rank") and int(p.order) == 4
    markers = paper_values.for_figure(FIGURE).get("markers") if paper_like else None
    fig = plot_dynamics_figure(
        runs,
        float(p.min_loss),
        markers=markers,
        instances=instances,
        drawn_seed=drawn_seed,
        stop_loss=float(p.stop_loss),
    )
    save_figure(fig, io.output.pdf, io.output.png)
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable, p.findings)


if __name__ == "__main__":
    run(main, IO)
