"""htf locality: generate the Pathfinder images of one path length (train and test splits) as uint8 .npz."""

import json

import numpy as np

from implreg.cli import job_io, run
from implreg.htf.locality.pathfinder import generate, geometry_from
from implreg.io import write_npz

IO = job_io(
    __doc__,
    inputs={},
    outputs={"data": ".npz: x_train/x_test uint8 [n, S, S], y_train/y_test uint8, path_length, geometry (JSON)"},
    params={
        "path_length": "number of paddles per target path (3, 5, 7, 9)",
        "n_train": "train images",
        "n_test": "test images",
        "seed": "data seed (image i depends only on seed, split, path length and i)",
        "geometry": '"reduced" | "paper" | dict of PathfinderGeometry fields (optionally with "base")',
    },
)


def main(io):
    p = io.params
    geo = geometry_from(p.geometry)
    length = int(p.path_length)
    workers = max(1, io.cores)  # the cores Snakemake gave the job: the images do not depend on it (not a param)
    x_train, y_train = generate(int(p.n_train), length, "train", int(p.seed), geo, workers=workers)
    x_test, y_test = generate(int(p.n_test), length, "test", int(p.seed), geo, workers=workers)
    write_npz(
        io.output.data,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        path_length=np.array(length),
        geometry=np.array(json.dumps(geo.to_dict())),
    )


if __name__ == "__main__":
    run(main, IO)
