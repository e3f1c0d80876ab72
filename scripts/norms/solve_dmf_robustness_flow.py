"""Each run of the robustness grid against the gradient flow from its own init, at one loss level (issue 30)."""

from implreg.cli import job_io, run
from implreg.io import write_json
from implreg.norms.dmf import DMFProblem
from implreg.norms.dmf_measures import load_history, measure
from implreg.norms.flow import FlowSettings
from implreg.norms.flow_at_level import gd_vs_flow_at_level

IO = job_io(
    __doc__,
    inputs={"history": "history .npz of the grid from train_dmf_robustness"},
    outputs={"table": "JSON, per run: GD's and the flow's |w11| at the level, their gap, the flow solve's evidence"},
    params={
        "depth": "depth",
        "observations": "(b12, b21, b22)",
        "det_sign": "sign of det(W) at init",
        "init_scale_mode": "product | per_layer",
        "level": "the loss at which GD and the flow are compared",
        "flow": "dict: method, rtol, atol (departure_rtol is applied by the claims)",
    },
)


def main(io):
    p = io.params
    problem = DMFProblem.two_by_two(*p.observations, det_sign=int(p.det_sign))
    settings = FlowSettings(p.flow["method"], float(p.flow["rtol"]), float(p.flow["atol"]))
    history = load_history(io.input.history)
    rows, _ = measure(history)  # the thinned trajectories the figures read |w11| at a loss from
    table = gd_vs_flow_at_level(history, rows, problem, int(p.depth), p.init_scale_mode, float(p.level), settings)
    write_json(io.output.table, table)


if __name__ == "__main__":
    run(main, IO)
