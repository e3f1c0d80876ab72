"""The reproduction report: report/index.html, one self-contained page with every figure and its claims."""

from implreg.cli import job_io, paths, run
from implreg.report.html import build_report
from implreg.report.provenance import provenance

IO = job_io(
    __doc__,
    inputs={
        "claims": "claims JSON files, beside their PNGs (comma-separated from the shell)",
        "deviations": "docs/deviations/<paper>.yaml files (comma-separated)",
        "robustness": "figures/<paper>/robustness.json files, beside their PNGs (none unless config robustness)",
    },
    outputs={"html": "report/index.html"},
    params={
        "benchmarks": "figure id -> benchmark TSVs of its jobs",
        "seeds": "figure id -> seeds",
        "config_hash": "hash of the resolved config's result settings (implreg.smk.result_config_hash)",
        "preset": "preset",
    },
)


def main(io):
    p = io.params
    data = build_report(
        io.output.html,
        claims_files=paths(io.input.claims),
        deviations_files=paths(io.input.deviations),
        benchmarks={k: list(v) for k, v in dict(p.benchmarks).items()},
        seeds=dict(p.seeds),
        provenance=provenance(p.preset, p.config_hash),
        robustness_files=paths(getattr(io.input, "robustness", [])),
    )
    t = data["total"]
    print(
        f"report: {io.output.html} ({t['passed']} passed, {t['failed']} failed, {t['untested']} untested, {t['finding']} finding)"
    )


if __name__ == "__main__":
    run(main, IO)
