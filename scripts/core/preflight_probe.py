"""Pre-flight probe of one heavy job, whatever its rule: a few steps of the job's own training function at its
full size, timed, by the rule's probe function (its paper's table, implreg.<paper>.probes.PROBES). Writes
only the probe record: no output of the real job is made or marked done."""

from implreg.cli import job_io, run
from implreg.io import write_json
from implreg.preflight.job import run_probe

IO = job_io(
    __doc__,
    inputs={},
    outputs={"probe": "probe record JSON (implreg.preflight.table)"},
    params={
        "rule_name": "the real job's rule",
        "function": "dotted path of the rule's probe function (implreg.preflight.probes.Probe)",
        "steps": "steps (epochs, images) to run; the first warms up",
        "job": "the real job's params",
        "sources": "input name -> params of the job that makes that input",
    },
)


def main(io):
    p = io.params
    job = {**p.job, "compute_threads": io.threads}  # the probe computes with the threads it was given
    record = run_probe(p.function, p.rule_name, job, p.sources, p.steps, io.threads, io.cores)
    write_json(io.output.probe, record)


if __name__ == "__main__":
    run(main, IO)
