"""Pre-flight probes of the locality experiments: image generation and training at the paper's full size
(images, canvas, model width, batch), for a few images / steps, timed.

The training probe holds the job's whole data set in memory at its real shape (so the peak memory is the
job's), but the work per step does not depend on the pixels: a few hundred Pathfinder images are generated (the
rest are blank), and Is-Same-Class uses random images of CIFAR-10's shape when CIFAR-10 is not on this machine.
"""

from __future__ import annotations

import math

import numpy as np

from implreg.htf.locality.is_same_class import IMAGE, cifar10_available, make_dataset, sample_pairs
from implreg.htf.locality.pathfinder import generate, geometry_from
from implreg.htf.locality.resnet import ModelConfig, build_model
from implreg.htf.locality.train import ImageData, LocalityTrainConfig, PairCanvasData, evaluate, train_run
from implreg.preflight.clock import StepClock, timed

# CIFAR-10's split sizes: the pool synthetic Is-Same-Class pairs are drawn from.
_CIFAR_SPLITS = {"train": 50000, "test": 10000}


def probe_pathfinder_images(geometry, path_length: int, n_train: int, n_test: int, images: int) -> dict:
    """make_pathfinder: `images` images generated one by one (1 worker); the job's `threads` workers share the
    full count, so the prediction divides by them (the caller's job)."""
    geo = geometry_from(geometry)
    generate(1, path_length, "train", 0, geo)  # warm-up (imports, first allocations)
    took, cpu, _ = timed(generate, images, path_length, "train", 0, geo)
    return {
        "unit": f"{geo.size}x{geo.size} image (from a {geo.window}-px window)",
        "steps_done": images,
        "setup_s": 0.0,
        "s_per_step": took / images,
        "setup_cpu_s": 0.0,
        "cpu_s_per_step": cpu / images,
        "steps_full": n_train + n_test,
        "count_note": f"images = n_train + n_test = {n_train + n_test}, one worker",
    }


def pathfinder_data(geometry, path_length: int, n_train: int, n_test: int, real: int) -> tuple[ImageData, str]:
    """Full-size Pathfinder arrays whose first `real` train and test images are generated, the rest blank."""
    geo = geometry_from(geometry)
    x, y, made = {}, {}, {}
    for split, n in (("train", n_train), ("test", n_test)):
        x[split], y[split] = np.zeros((n, geo.size, geo.size), np.uint8), np.zeros(n, np.uint8)
        made[split] = min(real, n)
        x[split][: made[split]], y[split][: made[split]] = generate(made[split], path_length, split, 0, geo)
    note = (
        f"Pathfinder {geo.size}x{geo.size} from a {geo.window}-px window: {made['train']} train and {made['test']} "
        "test images generated, the rest blank"
    )
    return ImageData(x["train"], y["train"], x["test"], y["test"]), note


def is_same_data(source: str, cifar10_dir: str, n_train: int, n_test: int, seed: int) -> tuple[dict, str]:
    """make_is_same_class's arrays: from CIFAR-10 when its files are here, else from random images of its shape."""
    if source == "cifar10":
        if not cifar10_available(cifar10_dir):  # not on this machine: the timing depends only on shapes
            return _synthetic_pairs(n_train, n_test, seed), (
                f"synthetic tensors of CIFAR-10 shape (CIFAR-10 not found in {cifar10_dir})"
            )
        return make_dataset(source, n_train, n_test, seed, cifar10_dir), f"CIFAR-10 from {cifar10_dir}"
    return _synthetic_pairs(n_train, n_test, seed), f"synthetic tensors of the {source} substitute's padded shape"


def _synthetic_pairs(n_train: int, n_test: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    out: dict = {"source": np.array("synthetic")}
    for split, n in (("train", n_train), ("test", n_test)):
        m = _CIFAR_SPLITS[split]
        labels = rng.integers(0, 10, m).astype(np.uint8)
        pairs, y = sample_pairs(labels, n, rng)
        used, inverse = np.unique(pairs, return_inverse=True)
        out[f"{split}_images"] = rng.integers(0, 256, (len(used), 3, IMAGE, IMAGE), dtype=np.uint8)
        out[f"{split}_pairs"] = inverse.reshape(pairs.shape).astype(np.int64)
        out[f"{split}_labels"] = y
    out["mean"], out["std"] = np.full(3, 0.5), np.full(3, 0.25)
    return out


def canvas_data(arrays: dict, distance: int, canvas: dict, device) -> PairCanvasData:
    return PairCanvasData(arrays, distance, int(canvas["height"]), int(canvas["width"]), device)


class _Head:
    """The first `n` samples of a data set's test split (to time an evaluation on a few batches)."""

    def __init__(self, data, n: int):
        self.data, self.n = data, n
        self.y = {"test": data.y["test"][:n]}

    def size(self, split: str) -> int:
        return self.n

    def batch(self, split: str, idx):
        return self.data.batch(split, idx)


def probe_training(data, model: dict, train: dict, lam: float, steps: int, eval_batches: int, threads: int) -> dict:
    """train_locality: `steps` SGD steps (with the IGC penalty when lam > 0), then `eval_batches` test batches.

    Full job = epochs x ceil(n_train / batch_size) steps plus one test evaluation every eval_every epochs
    (and at the end), an upper bound: runs that reach 100% train accuracy stop early."""
    cfg = LocalityTrainConfig(**train, lam=float(lam), seed=0, threads=threads)
    mcfg = ModelConfig(**model)
    clock = StepClock(steps)
    clock.run(train_run, mcfg, data, cfg, label="preflight", checkpoint=clock)
    net = build_model(mcfg, seed=0).to(cfg.device)
    n_eval = min(data.size("test"), eval_batches * cfg.eval_batch_size)
    evaluate(net, _Head(data, min(n_eval, 8)), "test", cfg.eval_batch_size)  # warm-up (eval-mode kernels)
    eval_s, eval_cpu, _ = timed(evaluate, net, _Head(data, n_eval), "test", cfg.eval_batch_size)
    n_train, n_test = data.size("train"), data.size("test")
    per_epoch = math.ceil(n_train / cfg.batch_size)
    evals = math.ceil(cfg.epochs / cfg.eval_every)
    return {
        "unit": f"SGD step, batch {cfg.batch_size}" + (" + IGC penalty" if lam > 0 else ""),
        **clock.timing(),
        "steps_full": cfg.epochs * per_epoch,
        "extra_s": evals * n_test * eval_s / n_eval,
        "extra_cpu_s": evals * n_test * eval_cpu / n_eval,
        "eval_s_per_sample": eval_s / n_eval,
        "count_note": f"steps = {cfg.epochs} epochs x {per_epoch} steps, plus {evals} test evaluations of "
        f"{n_test} samples (timed on {n_eval}); an upper bound: runs at 100% train accuracy stop early",
    }


# The rules' probes (implreg.htf.probes.PROBES): the glue between a job's params and the functions above.

EVAL_BATCHES = 1  # test batches timed (the full job's evaluations are scaled from them)


def probe_pathfinder(job) -> dict:
    """make_pathfinder: `steps` images at full size, timed."""
    p = job.params
    fields = probe_pathfinder_images(p.geometry, int(p.path_length), int(p.n_train), int(p.n_test), job.steps)
    # The job splits its images over its scheduled threads as worker processes (the probe used one): its wall time
    # shrinks so, its CPU time does not (the table divides CPU time by the threads).
    fields["s_per_step"] /= max(1, job.cores)
    fields["count_note"] += f", divided over the job's {job.cores} worker(s)"
    job.threads = job.cores
    return fields


def probe_train(job) -> dict:
    """train_locality(_resnet34): a few SGD steps and test batches at full size (data set in memory, canvas,
    model, batch), on a stand-in of the data its input job makes (make_pathfinder / make_is_same_class params)."""
    p, d = job.params, job.sources["data"]
    if p.task == "pathfinder":
        real = int(p.train["batch_size"]) * job.steps + EVAL_BATCHES * int(p.train["eval_batch_size"])
        data, job.note = pathfinder_data(d["geometry"], int(p.setting), int(d["n_train"]), int(d["n_test"]), real)
    else:
        arrays, job.note = is_same_data(
            d["source"], d["cifar10_dir"], int(d["n_train"]), int(d["n_test"]), int(d["seed"])
        )
        data = canvas_data(arrays, int(p.setting), p.canvas, job.device)
    train = {**p.train, "device": job.device}
    fields = probe_training(data, p.model, train, float(p.lam), job.steps, EVAL_BATCHES, job.threads)
    fields["unit"] += f", {p.model['arch']} width {p.model['width']}, input {list(data.shape)}"
    return fields
