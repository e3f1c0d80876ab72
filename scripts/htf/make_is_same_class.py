"""htf locality: sample the Is-Same-Class image pairs (train and test) from one image source as .npz."""

from pathlib import Path

import numpy as np

from implreg.cli import job_io, run
from implreg.htf.locality.is_same_class import make_dataset
from implreg.io import read_json, write_npz

IO = job_io(
    __doc__,
    inputs={"manifest": "dataset manifest of the substitute source (absent for cifar10)"},
    outputs={"data": ".npz: {split}_images uint8 [m, 3, 32, 32], {split}_pairs, {split}_labels, mean, std, source"},
    params={
        "source": "cifar10 | fashion-mnist | mnist (the last two are documented substitutes, not the paper's data)",
        "cifar10_dir": "folder of the cifar-10-batches-py pickles (source cifar10)",
        "n_train": "train pairs",
        "n_test": "test pairs",
        "seed": "pair-sampling seed",
    },
)


def main(io):
    p = io.params
    manifest = getattr(io.input, "manifest", None)
    data_dir = str(Path(manifest).parent) if manifest else None
    arrays = make_dataset(p.source, int(p.n_train), int(p.n_test), int(p.seed), p.cifar10_dir, data_dir)
    if manifest and read_json(manifest).get("source") == "fake":  # smoke: say so in every downstream title
        arrays["source"] = np.array(f"FAKE {p.source} smoke data")
    write_npz(io.output.data, **arrays)


if __name__ == "__main__":
    run(main, IO)
