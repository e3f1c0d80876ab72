"""Pre-flight of one train_htf_dynamics job: a few steps at full size, timed (writes no real output)."""

from implreg.cli import job_io, run
from implreg.device import resolve_device
from implreg.htf.preflight import probe_dynamics
from implreg.io import write_json
from implreg.preflight.clock import finish

IO = job_io(
    __doc__,
    inputs={},
    outputs={"probe": "probe record JSON (implreg.preflight.table)"},
    params={
        "model": "mf | cp | ht",
        "spec": "the model's architecture/target dict",
        "train": "train_htf_dynamics's train dict",
        "dtype": "float64 | float32",
        "device": "cpu | cuda",
        "probe_steps": "steps to time",
    },
)


def main(io):
    device = resolve_device(io.params.device)
    fields = probe_dynamics(io.params, int(io.params.probe_steps), device)
    write_json(io.output.probe, finish(fields, "train_htf_dynamics", device, io.threads))


if __name__ == "__main__":
    run(main, IO)
