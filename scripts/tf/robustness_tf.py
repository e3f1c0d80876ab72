"""tf dynamics robustness: the figure's claims on each instance alone, per observation count, as k/n rates."""

from implreg import instance
from implreg.cli import job_io, paths, run
from implreg.io import read_npz, write_csv, write_json
from implreg.plotting.style import save_figure
from implreg.robustness import instance_outcomes, outcome_rows, plot_rates, rate_rows, summary
from implreg.tf.dynamics import split_runs
from implreg.tf.dynamics_claims import claims_with_job_settings

IO = job_io(
    __doc__,
    inputs={"history": "train_tf_robustness .npz, observation count outer, data seed inner (the params' order)"},
    outputs={
        "pdf": "figure",
        "png": "PNG twin",
        "summary": "rates per (observation count, claim) with Wilson 95 % intervals (JSON)",
        "rates": "the same rates as CSV",
        "outcomes": "every instance's outcome per claim (CSV)",
    },
    params={
        "num_samples": "observation counts, in the inputs' outer order",
        "data_seeds": "instances, in the inputs' inner order",
        "target_rank": "r*",
        "threshold": "norm above which a component has risen",
        "init_stds": "the config's inits: each instance's runs must be these",
        "final_error_factor": "claim bound on the smallest init's final error, as a multiple of the paper's",
        "order": "tensor order N",
        "log_every": "iterations between log points",
        "min_loss": "x-axis cut of the figure (the claims read the same cut)",
        "stop_loss": "the runs' stop loss",
        "preset": "preset",
        "figure": "the dynamics figure's id (whose claims these are)",
        "findings": "the figure's declared findings: {claim id: evidence}, marked in the rates",
        "untestable": "the figure's claims this preset declares untestable: {claim id: why}, left out",
    },
)


def main(io):
    p = io.params
    files = iter(paths(io.input.history))
    rates, outcomes = [], []
    for nobs in p.num_samples:
        instances = {}
        for seed in p.data_seeds:
            path = next(files)
            with read_npz(path) as z:
                instance.check(path, z, data_seed=int(seed), num_samples=int(nobs))
                instances[int(seed)] = split_runs({k: z[k] for k in z.files})
        per_instance = instance_outcomes(
            lambda seed, runs: claims_with_job_settings({seed: runs}, p),
            instances,
        )
        setting = f"{nobs} observations"
        rates += rate_rows(setting, per_instance, findings=p.findings, untestable=p.untestable)
        outcomes += outcome_rows(setting, per_instance)
    write_csv(io.output.outcomes, outcomes)
    write_csv(io.output.rates, rates)
    settings = {"num_samples": list(p.num_samples), "data_seeds": list(p.data_seeds), "init_stds": list(p.init_stds)}
    doc = summary(p.figure, p.preset, rates, settings)
    doc["untestable"] = dict(p.untestable)
    write_json(io.output.summary, doc)
    fig = plot_rates(rates, f"tf dynamics ({p.figure}): how often each statement holds, {len(p.data_seeds)} instances")
    save_figure(fig, io.output.pdf, io.output.png)


if __name__ == "__main__":
    run(main, IO)
