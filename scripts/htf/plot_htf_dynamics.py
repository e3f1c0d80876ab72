"""htf paper, dynamics figure: top-k quantities of MF, CP and HT factorizations vs iterations, with claims."""

from implreg.claims import combine_instances
from implreg.claims_file import write_claims
from implreg.cli import job_io, paths, run
from implreg.htf.dynamics import checked_history, describe
from implreg.htf.dynamics_claims import instance_dynamics_claims
from implreg.htf.figures import plot_dynamics_figure
from implreg.io import write_csv
from implreg.plotting.style import save_figure

MODELS = ("mf", "cp", "ht")

IO = job_io(
    __doc__,
    inputs={m: f"train_htf_dynamics .npz files of {m}, one per data seed (order of data_seeds)" for m in MODELS},
    outputs={"pdf": "figure", "png": "PNG twin", "claims": "claims JSON", "table": "CSV of the plotted histories"},
    params={
        "specs": "dict model -> its spec (sizes, target rank(s))",
        "start_iters": "dict model -> first iteration drawn",
        "half_rise": "a quantity has risen once at this fraction of its own final value",
        "min_rel_error_drop": "each rise must lower the reconstruction error by this fraction of its value",
        "stop_loss": "the runs' stopping tolerance (target directions below it are not expected to rise)",
        "max_steps": "the runs' step cap",
        "data_seeds": "the instances' seeds (expected ranks decided from each regenerated target); the figure draws the first",
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
    runs = {m: dict(zip(seeds, paths(getattr(io.input, m)), strict=True)) for m in MODELS}
    by_seed = {s: {m: checked_history(runs[m][s], m, s) for m in MODELS} for s in seeds}
    hists = by_seed[seeds[0]]  # the drawn instance
    rows = []
    for m, h in hists.items():
        for i, step in enumerate(h["log_step"]):
            rows.append(
                {
                    "model": m,
                    "step": int(step),
                    "mse": float(h["log_mse"][i]),
                    "recon_error": float(h["log_recon_error"][i]),
                    **{f"top_{j}": float(v) for j, v in enumerate(h["log_top"][i])},
                }
            )
    write_csv(io.output.table, rows, columns=list(max(rows, key=len)) if rows else None)
    per_seed = {
        s: instance_dynamics_claims(
            hs, p.specs, s, p.target_norm, p.stop_loss, p.max_steps, p.half_rise, p.min_rel_error_drop
        )
        for s, hs in by_seed.items()
    }
    claims = combine_instances(per_seed)
    subtitles = {m: describe(m, p.specs[m]) for m in MODELS}
    save_figure(plot_dynamics_figure(hists, subtitles, p.start_iters), io.output.pdf, io.output.png)
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable, p.findings)


if __name__ == "__main__":
    run(main, IO)
