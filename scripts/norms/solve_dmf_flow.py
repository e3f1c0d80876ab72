"""The gradient flow of every GD run of one DMF job (same problem, same init), and where GD left it."""

from implreg.cli import job_io, run
from implreg.io import write_csv, write_json
from implreg.norms.dmf import DMFProblem
from implreg.norms.dmf_measures import load_history
from implreg.norms.flow import FlowSettings, flow_vs_gd

IO = job_io(
    __doc__,
    inputs={"history": "history .npz from train_dmf (the runs, their inits' seeds, GD's trajectory)"},
    outputs={"table": "CSV of the flow along each run", "summary": "JSON per run: flow, solver cost, departure"},
    params={
        "depth": "depth",
        "observations": "(b12, b21, b22)",
        "det_sign": "sign of det(W) at init",
        "init_scale_mode": "product | per_layer",
        "stop_loss": "loss the flow runs to (or the GD run's lowest, if higher)",
        "flow": "dict: method, rtol, atol, departure_rtol",
    },
)


def main(io):
    p = io.params
    problem = DMFProblem.two_by_two(*p.observations, det_sign=int(p.det_sign))
    settings = FlowSettings(p.flow["method"], float(p.flow["rtol"]), float(p.flow["atol"]))
    rows, summaries = flow_vs_gd(
        load_history(io.input.history),
        problem,
        int(p.depth),
        p.init_scale_mode,
        float(p.stop_loss),
        settings,
        float(p.flow["departure_rtol"]),
    )
    write_csv(io.output.table, rows)
    write_json(io.output.summary, summaries)


if __name__ == "__main__":
    run(main, IO)
