"""The pre-flight table: every job of the DAG, its probe's measurements and predicted runtime and peak memory
on this machine, against its request; flags where the request or the machine is too small."""

import os
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
    """The CPU's name, and whether it has AVX-512 (timings differ by ~2x between such machines here)."""
    try:
        info = open("/proc/cpuinfo").read()
    except OSError:
        return platform.processor() or "unknown CPU"
    name = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), "CPU")
    return f"{name} ({'AVX-512' if ' avx512f' in info else 'no AVX-512'}, {os.cpu_count()} logical cores)"


def probe_cpu(records: dict) -> str:
    cpu = [r["probe_cpu_s"] for r in records.values() if "probe_cpu_s" in r]
    return f"{sum(cpu) / 60:.1f} CPU-min over {len(cpu)} of {len(records)} probes" if cpu else "not recorded"


def load_range(records: dict) -> str:
    loads = [r["load_1min"] for r in records.values() if "load_1min" in r]
    return f"{min(loads):.1f}–{max(loads):.1f}" if loads else "not recorded"


def main(io):
    records = {path: read_json(path) for path in paths(io.input.probes)}
    machine = machine_memory_mb()
    rows = job_rows(io.params.jobs, records, machine)
    flagged = sum(1 for r in rows if r["flags"])
    header = (
        f"# Pre-flight, preset `{io.params.preset}`, device `{io.params.device}`\n\n"
        f"Machine: {cpu_model()}, {machine / 1000:.0f} GB memory; 1-min load average when the probes ended: "
        f"{load_range(records)}; the probes took {probe_cpu(records)}. {len(rows)} jobs, {flagged} flagged.\n\n"
        "Predicted per job = (setup + s/unit x units per job + timed evaluations) in CPU time, over the probe's "
        "threads: the job's runtime on cores of its own. In brackets: the same from wall-clock time, which grows "
        "with the machine's load. Flags compare the first with the job's request."
    )
    with open(io.output.md, "w") as fh:
        fh.write(summary_markdown(rows, header))
    with open(io.output.csv, "w") as fh:
        fh.write(to_csv(rows))


if __name__ == "__main__":
    run(main, IO)
