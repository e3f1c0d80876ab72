"""tf paper Fig. 2: incremental learning of CP components (norms per init) and the reconstruction error."""

from implreg.claims import write_claims
from implreg.cli import job_io, run
from implreg.io import read_npz, write_csv
from implreg.plotting.style import save_figure
from implreg.tf.dynamics import split_runs
from implreg.tf.dynamics_claims import dynamics_claims
from implreg.tf.figures import plot_dynamics_figure

IO = job_io(
    __doc__,
    inputs={"history": "train_tf_dynamics .npz"},
    outputs={"pdf": "figure", "png": "PNG twin", "claims": "claims JSON", "table": "CSV of the plotted histories"},
    params={
        "target_rank": "r*",
        "threshold": "norm above which a component has risen",
        "final_error_max": "claim bound on the smallest init's final error",
        "min_loss": "x-axis cut: train MSE first below this",
        "preset": "preset",
        "figure": "figure id",
        "untestable": "claims this preset declared untestable: {claim id: why} (config untestable_claims)",
    },
)


def main(io):
    p = io.params
    with read_npz(io.input.history) as z:
        runs = split_runs({k: z[k] for k in z.files})
    rows = []
    for r in runs:
        for i, step in enumerate(r["log_step"]):
            rows.append(
                {
                    "init_std": float(r["init_std"]),
                    "step": int(step),
                    "mse": float(r["log_mse"][i]),
                    "recon_error": float(r["log_recon_error"][i]),
                    **{f"norm_{j}": float(v) for j, v in enumerate(r["log_top_norms"][i])},
                }
            )
    write_csv(io.output.table, rows)
    claims = dynamics_claims(runs, int(p.target_rank), float(p.threshold), float(p.final_error_max))
    save_figure(plot_dynamics_figure(runs, float(p.min_loss)), io.output.pdf, io.output.png)
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable)


if __name__ == "__main__":
    run(main, IO)
