"""Appendix A: |unobserved entry| vs loss on the perturbed 2x2 problems (one panel per epsilon)."""

import sys

from implreg.claims_file import write_claims
from implreg.cli import job_io, paths, run
from implreg.io import read_csv_rows, read_json
from implreg.norms.dmf_claims import entry_claims, eps_id
from implreg.norms.figures import plot_perturbed_figure
from implreg.norms.flow_claims import departures_text, flow_claims
from implreg.norms.tables import DMF_TABLE, FLOW_TABLE
from implreg.plotting.style import save_figure

IO = job_io(
    __doc__,
    inputs={
        "tables": "metrics CSVs, one per epsilon",
        "summaries": "summary JSONs, one per epsilon",
        "flow_tables": "flow CSVs from solve_dmf_flow, one per epsilon",
        "flow_summaries": "flow summary JSONs from solve_dmf_flow, one per epsilon",
    },
    outputs={"pdf": "figure PDF", "png": "PNG twin", "claims": "claims JSON"},
    params={
        "depth": "depth",
        "epsilons": "list of b22 values (order of inputs)",
        "observations": "(b12, b21) of the perturbed problems",
        "stop_loss": "loss threshold",
        "det_sign": "sign of det(W) at init",
        "departure_rtol": "gap (x |W|_F) at which GD has left the flow",
        "runs": "the panel's runs in config order ({lr, init, balanced, seed}): the results must be these",
        "preset": "preset name",
        "figure": "figure id",
        "untestable": "claims this preset declared untestable: {claim id: why} (config untestable_claims)",
        "findings": "claims this preset declared findings: {claim id: evidence} (config findings)",
    },
)


def main(io):
    p = io.params
    tables, summaries = paths(io.input.tables), paths(io.input.summaries)
    ftables, fsummaries = paths(io.input.flow_tables), paths(io.input.flow_summaries)
    rtol = float(p.departure_rtol)
    panels, claims = [], []
    for eps, t, s, ft, fs in zip(p.epsilons, tables, summaries, ftables, fsummaries, strict=True):
        rows, summ = read_csv_rows(t, numeric=DMF_TABLE), read_json(s)
        frows, fsumm = read_csv_rows(ft, numeric=FLOW_TABLE), read_json(fs)
        panels.append((float(eps), rows, summ, (frows, fsumm)))
        obs = (float(p.observations[0]), float(p.observations[1]), float(eps))
        cs = entry_claims(
            rows, summ, int(p.depth), float(p.stop_loss), obs, figure=p.figure, check_agreement=False,
            flow=fsumm, departure_rtol=rtol, expected_runs=p.runs,
        )  # fmt: skip
        cs += flow_claims(fsumm, frows, int(p.det_sign), rtol, obs)
        for c in cs:
            c.id = f"{eps_id(eps)}_{c.id}"
            c.statement = f"epsilon = {eps:g}: {c.statement}"
            claims.append(c)
        print(f"epsilon = {eps:g}: {departures_text(fsumm)}", file=sys.stderr)
    save_figure(plot_perturbed_figure(panels, int(p.depth), float(p.stop_loss)), io.output.pdf, io.output.png)
    write_claims(io.output.claims, p.figure, p.preset, claims, p.untestable, p.findings)


if __name__ == "__main__":
    run(main, IO)
