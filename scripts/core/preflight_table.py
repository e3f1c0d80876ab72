"""The pre-flight table: every job of the DAG, its probe's measurements and predicted runtime and peak memory
on this machine, against its request; flags where the request or the machine is too small."""

import platform

from implreg.cli import job_io, paths, run
from implreg.io import read_json
from implreg.preflight.table import job_rows, machine_memory_mb, summary_markdown, to_csv

IO = job_io(
    __doc__,
    inputs={"probes": "probe record JSONs"},
    outputs={"md": "summary table (Markdown)", "csv": "one row per job (CSV)"},
    params={
        "jobs": "list of {rule, job, probe, request {threads, mem_mb, runtime}, note, flags}",
        "preset": "the preset measured",
        "device": "cpu | cuda",
    },
)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(io):
    records = {path: read_json(path) for path in paths(io.input.probes)}
    machine = machine_memory_mb()
    rows = job_rows(io.params.jobs, records, machine)
    flagged = sum(1 for r in rows if r["flags"])
    header = (
        f"# Pre-flight, preset `{io.params.preset}`, device `{io.params.device}`\n\n"
        f"Machine: {cpu_model()}, {machine / 1000:.0f} GB memory. {len(rows)} jobs, {flagged} flagged. "
        "Predicted = setup + s/unit x units per job (+ timed evaluations), at the probe's threads."
    )
    with open(io.output.md, "w") as fh:
        fh.write(summary_markdown(rows, header))
    with open(io.output.csv, "w") as fh:
        fh.write(to_csv(rows))


if __name__ == "__main__":
    run(main, IO)
