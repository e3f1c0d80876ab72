"""Fit every (R, one-vs-all class) CP model of one dataset and data variant jointly; write their metrics."""

from pathlib import Path

from implreg.cli import job_io, run
from implreg.device import resolve_device
from implreg.io import read_json, write_json
from implreg.tf.natural import NaturalTrainConfig, prepare_data, train_joint

IO = job_io(
    __doc__,
    inputs={"manifest": "manifest JSON of the dataset's IDX files"},
    outputs={"metrics": "JSON: per-model train/test mean errors, variance baseline"},
    params={
        "dataset": "mnist | fashion-mnist",
        "variant": "original | rand_labels | rand_images",
        "data_seed": "seed of the variant / subsample",
        "n_train": "train subsample (null = all)",
        "n_test": "test subsample (null = all)",
        "train": "NaturalTrainConfig fields",
    },
)


def main(io):
    p = io.params
    data = prepare_data(Path(io.input.manifest).parent, p.dataset, p.variant, int(p.data_seed), p.n_train, p.n_test)
    cfg = NaturalTrainConfig(**{**p.train, "device": resolve_device(p.train["device"])}, threads=io.threads)
    ckpt = io.checkpoint()
    out = train_joint(*data, cfg, progress_label=f"{p.dataset} {p.variant}", checkpoint=ckpt)
    out["source"] = read_json(io.input.manifest)["source"]
    out["dataset"], out["variant"] = p.dataset, p.variant
    write_json(io.output.metrics, out)
    ckpt.remove()


if __name__ == "__main__":
    run(main, IO)
