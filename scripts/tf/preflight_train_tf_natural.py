"""Pre-flight of one train_tf_natural job: a few epochs on the full data set, timed (writes no real output)."""

from implreg.cli import job_io, run
from implreg.device import resolve_device
from implreg.io import write_json
from implreg.preflight.clock import finish
from implreg.tf.preflight import natural_data, probe_natural

IO = job_io(
    __doc__,
    inputs={},
    outputs={"probe": "probe record JSON (implreg.preflight.table)"},
    params={
        "dataset": "mnist | fashion-mnist",
        "variant": "original | rand_labels | rand_images",
        "data_seed": "seed of the variant / subsample",
        "n_train": "train subsample (null = all)",
        "n_test": "test subsample (null = all)",
        "train": "NaturalTrainConfig fields",
        "data_dir": "folder holding <dataset>/*-idx?-ubyte.gz (else same-shaped random data)",
        "probe_steps": "epochs to time",
    },
)


def main(io):
    p = io.params
    device = resolve_device(p.train["device"])
    data, note = natural_data(p.data_dir, p)
    fields = probe_natural(p, data, int(p.probe_steps), device, io.threads)
    write_json(io.output.probe, finish(fields, "train_tf_natural", device, io.threads, note))


if __name__ == "__main__":
    run(main, IO)
