"""htf dynamics robustness: each model's claims of the dynamics figure and its appendix on each instance alone."""

from implreg.cli import job_io, paths, run
from implreg.htf.dynamics import checked_history
from implreg.htf.robustness import MODELS, Settings, htf_rates
from implreg.io import write_csv, write_json
from implreg.plotting.style import save_figure
from implreg.robustness import plot_rates, summary

IO = job_io(
    __doc__,
    inputs={m: f"train_htf_robustness .npz files of {m}, one per data seed (order of data_seeds.{m})" for m in MODELS},
    outputs={
        "pdf": "figure",
        "png": "PNG twin",
        "summary": "rates per (model and figure, claim) with Wilson 95 % intervals (JSON)",
        "rates": "the same rates as CSV",
        "outcomes": "every instance's outcome per claim (CSV)",
    },
    params={
        "data_seeds": "dict model -> its instances, in its inputs' order",
        "specs": "dict model -> its spec (sizes, target rank(s)), as the dynamics figure's",
        "target_norm": "||ground truth||_F",
        "stop_loss": "the runs' stopping tolerance",
        "max_steps": "the runs' step cap",
        "half_rise": "a quantity has risen once at this fraction of its own final value",
        "min_rel_error_drop": "each rise must lower the reconstruction error by this fraction of its value",
        "node": "the appendix's inner node (1-based modes)",
        "node_rank": "the target's HT rank at that node",
        "matricizations": "the appendix's matricizations (1-based row modes)",
        "n_entries": "entries of the HT tensor",
        "rel_threshold": "appendix: a node's local component has risen above this fraction of the largest final value",
        "preset": "preset",
        "figures": "dict: the figure ids whose claims these are (dynamics, appendix)",
        "findings": "{figure id: {claim id: evidence}}: the figures' declared findings, marked in the rates",
        "untestable": "{figure id: {claim id: why}}: claims this preset declares untestable, left out",
    },
)


def main(io):
    p = io.params
    histories = {
        m: {
            int(s): checked_history(f, m, int(s))
            for s, f in zip(p.data_seeds[m], paths(getattr(io.input, m)), strict=True)
        }
        for m in MODELS
    }
    settings = Settings(
        specs=p.specs,
        target_norm=float(p.target_norm),
        stop_loss=float(p.stop_loss),
        max_steps=int(p.max_steps),
        half_rise=float(p.half_rise),
        min_rel_error_drop=float(p.min_rel_error_drop),
        node=list(p.node),
        node_rank=int(p.node_rank),
        matricizations=[list(m) for m in p.matricizations],
        n_entries=int(p.n_entries),
        rel_threshold=float(p.rel_threshold),
    )
    rates, outcomes = htf_rates(histories, settings, dict(p.findings), dict(p.untestable))
    write_csv(io.output.outcomes, outcomes)
    write_csv(io.output.rates, rates)
    doc = summary(
        " and ".join(p.figures.values()),
        p.preset,
        rates,
        {"figures": dict(p.figures), "data_seeds": {m: list(p.data_seeds[m]) for m in MODELS}},
    )
    doc["untestable"] = dict(p.untestable)
    write_json(io.output.summary, doc)
    counts = ", ".join(f"{m.upper()} {len(p.data_seeds[m])}" for m in MODELS)
    fig = plot_rates(rates, f"htf dynamics + appendix: how often each statement holds ({counts} instances)")
    save_figure(fig, io.output.pdf, io.output.png)


if __name__ == "__main__":
    run(main, IO)
