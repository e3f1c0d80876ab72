"""Pre-flight of one train_tf_dynamics job: a few batched steps at full size, timed (writes no real output)."""

from implreg.cli import job_io, run
from implreg.device import resolve_device
from implreg.io import write_json
from implreg.preflight.clock import finish
from implreg.tf.preflight import probe_dynamics

IO = job_io(
    __doc__,
    inputs={},
    outputs={"probe": "probe record JSON (implreg.preflight.table)"},
    params={
        "data": "make_dataset's arguments",
        "init_stds": "list of init stds",
        "seeds": "init seeds",
        "train": "train_tf_dynamics's train dict",
        "dtype": "float64 | float32",
        "device": "cpu | cuda",
        "probe_steps": "steps to time",
    },
)


def main(io):
    device = resolve_device(io.params.device)
    fields = probe_dynamics(io.params, int(io.params.probe_steps), device)
    write_json(io.output.probe, finish(fields, "train_tf_dynamics", device, io.threads))


if __name__ == "__main__":
    run(main, IO)
