"""Fig. 1 panel: |unobserved entry| vs loss for one depth, with its claims file."""

import sys

from implreg import paper_values
from implreg.claims_file import write_claims
from implreg.cli import job_io, run
from implreg.io import read_csv_rows, read_json
from implreg.norms.dmf_claims import entry_claims
from implreg.norms.figures import plot_entry_figure
from implreg.norms.flow_claims import departures_text, flow_claims
from implreg.norms.tables import DMF_TABLE, FLOW_TABLE
from implreg.plotting.style import save_figure

IO = job_io(
    __doc__,
    inputs={
        "table": "metrics CSV from measure_dmf",
        "summary": "summary JSON from measure_dmf",
        "flow_table": "flow CSV from solve_dmf_flow",
        "flow_summary": "flow summary JSON from solve_dmf_flow",
    },
    outputs={"pdf": "figure PDF", "png": "PNG twin", "claims": "claims JSON"},
    params={
        "depth": "depth",
        "stop_loss": "loss threshold",
        "observations": "(b12, b21, b22) of the problem",
        "det_sign": "sign of det(W) at init",
        "departure_rtol": "relative |w11| gap at which GD has left the flow",
        "runs": "the panel's runs in config order ({lr, init, balanced, seed}): the results must be these",
        "preset": "preset name",
        "figure": "figure id",
        "untestable": "claims this preset declared untestable: {claim id: why} (config untestable_claims)",
        "findings": "claims this preset declared findings: {claim id: evidence} (config findings)",
    },
)


def main(io):
    rows, summaries = read_csv_rows(io.input.table, numeric=DMF_TABLE), read_json(io.input.summary)
    p = io.params
    obs = [float(v) for v in p.observations]
    claims = entry_claims(rows, summaries, int(p.depth), float(p.stop_loss), obs, figure=p.figure, expected_runs=p.runs)
    flow = read_csv_rows(io.input.flow_table, numeric=FLOW_TABLE), read_json(io.input.flow_summary)
    claims += flow_claims(flow[1], flow[0], int(p.det_sign), float(p.departure_rtol))
    print(departures_text(flow[1]), file=sys.stderr)
    markers = paper_values.for_figure(p.figure).get("markers")
    fig = plot_entry_figure(rows, summaries, int(p.depth), float(p.stop_loss), markers, flow)
    save_figure(fig, io.output.pdf, io.output.png)
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable, p.findings)


if __name__ == "__main__":
    run(main, IO)
