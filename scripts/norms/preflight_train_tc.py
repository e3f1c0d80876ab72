"""Pre-flight of one train_tc job: a few batched steps of its runs at full size, timed (writes no real output)."""

from implreg.cli import job_io, run
from implreg.device import resolve_device
from implreg.io import write_json
from implreg.norms.preflight import probe_tc
from implreg.preflight.clock import finish

IO = job_io(
    __doc__,
    inputs={},
    outputs={"probe": "probe record JSON (implreg.preflight.table)"},
    params={
        "init_std": "factor init std",
        "init_index": "position of init_std in the config list",
        "num_observations": "list of N",
        "repetitions": "runs per N",
        "seed": "base seed",
        "train": "train_tc's train dict",
        "dtype": "float64 | float32",
        "device": "cpu | cuda",
        "target": "make_tc_target's params: order, dim, rank, seed",
        "probe_steps": "steps to time",
    },
)


def main(io):
    device = resolve_device(io.params.device)
    fields = probe_tc(io.params, io.params.target, int(io.params.probe_steps), device)
    write_json(io.output.probe, finish(fields, "train_tc", device, io.threads))


if __name__ == "__main__":
    run(main, IO)
