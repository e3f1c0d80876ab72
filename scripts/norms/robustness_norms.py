"""Norms robustness: Fig. 2's claims over target instances, and GD vs its gradient flow over an (init, lr) grid."""

from implreg.cli import job_io, paths, run
from implreg.io import read_csv_rows, read_json, read_npz, write_csv, write_json
from implreg.norms.figures import plot_robustness_figure
from implreg.norms.robustness import (
    cell_setting,
    check_distinct_targets,
    dmf_cells,
    dmf_run_claims,
    tc_instance_claims,
    w11_summary,
)
from implreg.norms.tables import TC_LINEAR, TC_RUNS
from implreg.plotting.style import save_figure
from implreg.robustness import instance_outcomes, outcome_rows, rate_rows, summary

IO = job_io(
    __doc__,
    inputs={
        "tc_runs": "measure_tc_robustness CSVs, target seed outer, init inner (the params' order)",
        "tc_linear": "measure_tc_linear_robustness CSVs, one per target seed",
        "tc_targets": "make_tc_robustness_target .npz files, one per target seed (checked distinct)",
        "dmf": "solve_dmf_robustness_flow JSON (one row per run of the grid)",
    },
    outputs={
        "pdf": "figure",
        "png": "PNG twin",
        "summary": "rates per (setting, claim) with Wilson 95 % intervals (JSON)",
        "rates": "the same rates as CSV",
        "outcomes": "every instance's outcome per claim (CSV)",
    },
    params={
        "tc": "the tc figure's claim parameters (plot_tc's): target_rank, rank_from, error_from, error_factor, "
        "init_ordering, grid, figure, init_stds, untestable, findings",
        "tc_experiment": "the experiment's name",
        "target_seeds": "tc instances, in the inputs' outer order",
        "dmf": "dict: depth, level, departure_rtol, figure (whose flow criterion this is), grid settings",
        "preset": "preset",
    },
)


def main(io):
    p = io.params
    tc = p.tc
    # tensor completion: every target instance alone through the figure's claims
    targets = {}
    for seed, path in zip(p.target_seeds, paths(io.input.tc_targets), strict=True):
        with read_npz(path, ("tensor",)) as z:
            targets[int(seed)] = z["tensor"]
    check_distinct_targets(targets)
    files = iter(paths(io.input.tc_runs))
    instances = {}
    for seed, linear in zip(p.target_seeds, paths(io.input.tc_linear), strict=True):
        runs_by_init = {float(i): read_csv_rows(next(files), numeric=TC_RUNS) for i in tc["init_stds"]}
        instances[int(seed)] = (runs_by_init, read_csv_rows(linear, numeric=TC_LINEAR))
    per_target = instance_outcomes(
        lambda _seed, inst: tc_instance_claims(inst[0], inst[1], tc, untestable=tc["untestable"]), instances
    )
    tc_setting = f"{p.tc_experiment}, {len(p.target_seeds)} targets"
    tc_rates = [{**r, "part": "tc"} for r in rate_rows(tc_setting, per_target, tc["findings"], tc["untestable"])]
    outcomes = [{**r, "part": "tc"} for r in outcome_rows(tc_setting, per_target)]
    # DMF: per (kind of init, init, lr) cell, its seeds are the instances
    d = p.dmf
    table = read_json(io.input.dmf)
    dmf_rates = []
    for cell, runs in dmf_cells(table).items():
        per_seed = instance_outcomes(
            lambda _seed, row: dmf_run_claims(row, float(d["level"]), float(d["departure_rtol"])), runs
        )
        dmf_rates += [{**r, "part": "dmf"} for r in rate_rows(cell_setting(cell), per_seed)]
        outcomes += [{**r, "part": "dmf"} for r in outcome_rows(cell_setting(cell), per_seed)]
    rates = tc_rates + dmf_rates
    write_csv(io.output.outcomes, outcomes)
    write_csv(io.output.rates, rates)
    doc = summary(
        "norms/robustness",
        p.preset,
        rates,
        {"tc": {"figure": tc["figure"], "experiment": p.tc_experiment, "target_seeds": list(p.target_seeds)}, "dmf": d},
    )
    doc["untestable"] = {tc["figure"]: dict(tc["untestable"])}
    doc["dmf_w11"] = [
        {"balanced": k[0], "init": k[1], "gd_by_lr": {f"{lr:g}": v for lr, v in e["gd"].items()}, "flow": e["flow"]}
        for k, e in w11_summary(table).items()
    ]
    write_json(io.output.summary, doc)
    # the forest draws the agreement of every cell, and the other checks only where they did not always hold
    shown = [r for r in dmf_rates if r["claim"] == "gd_w11_agrees_with_flow" or r["k"] < r["n"]]
    tc_title = f"{tc['figure']}: how often each of its statements holds over {len(p.target_seeds)} targets"
    fig = plot_robustness_figure(w11_summary(table), shown, tc_rates, float(d["level"]), int(d["depth"]), tc_title)
    save_figure(fig, io.output.pdf, io.output.png)


if __name__ == "__main__":
    run(main, IO)
