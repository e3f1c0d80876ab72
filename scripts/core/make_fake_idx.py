"""Tiny fake MNIST-shaped IDX files (smoke preset only; figures built on them say so in their title)."""

from pathlib import Path

from implreg.cli import job_io, run
from implreg.datasets.fake import write_fake_dataset
from implreg.io import write_json

IO = job_io(
    __doc__,
    inputs={},
    outputs={"manifest": "JSON manifest; the fake files sit in the same folder"},
    params={"dataset": "mnist | fashion-mnist", "n_train": "train images", "n_test": "test images", "seed": "seed"},
)


def main(io):
    p = io.params
    dest = write_fake_dataset(p.dataset, Path(io.output.manifest).parent, int(p.n_train), int(p.n_test), int(p.seed))
    write_json(
        io.output.manifest,
        {"dataset": p.dataset, "source": "fake", "files": sorted(f.name for f in dest.iterdir() if f.suffix == ".gz")},
    )


if __name__ == "__main__":
    run(main, IO)
