"""Pre-flight of one train_dmf job: a few GD steps of its runs at full size, timed (writes no real output)."""

from implreg.cli import job_io, run
from implreg.io import write_json
from implreg.norms.preflight import probe_dmf
from implreg.preflight.clock import finish

IO = job_io(
    __doc__,
    inputs={},
    outputs={"probe": "probe record JSON (implreg.preflight.table)"},
    params={
        "depth": "number of layers",
        "observations": "[b12, b21, b22]",
        "det_sign": "+1 / -1",
        "runs": "list of {lr, init, balanced, seed}",
        "train": "train_dmf's train dict",
        "probe_steps": "GD steps to time",
    },
)


def main(io):
    write_json(
        io.output.probe, finish(probe_dmf(io.params, int(io.params.probe_steps)), "train_dmf", "cpu", io.threads)
    )


if __name__ == "__main__":
    run(main, IO)
