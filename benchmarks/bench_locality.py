"""Seconds per training step of the locality experiments, with and without the IGC regulariser, and the
Pathfinder generator's seconds per image.

Steps: ResNet (BasicBlock, ImageNet stem) of the given width, SGD(0.01, 0.9), BCE on one logit (plain; with IGC
on the whole batch; with IGC on its first --reg-batch samples, the trainer's `reg_batch_size`), random
inputs of the reduced shapes (Is-Same 3×32×224 band, Pathfinder 1×100×100), batch 64, 1 torch thread.
Reports wall and process-CPU seconds (the CPU time is the fair figure on a shared machine) and the
evaluation forward pass of one batch. Usage:
  python benchmarks/bench_locality.py [--width 16] [--steps 3] [--reg-batch 16] [--images 40]
                                      [--out benchmarks/out/bench_locality.json]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from implreg.htf.locality.pathfinder import PATH_LENGTHS, REDUCED_GEOMETRY, generate_image, image_rng
from implreg.htf.locality.regularizer import igc_penalty, is_same_patches, sample_random_pair
from implreg.htf.locality.resnet import ModelConfig, build_model
from implreg.io import write_json


def _timed(fn, steps: int, warmup: int = 1) -> dict:
    for _ in range(warmup):
        fn()
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        fn()
    return {"wall_s": (time.perf_counter() - w0) / steps, "cpu_s": (time.process_time() - c0) / steps}


def step_times(shape: tuple[int, int, int], width: int, batch: int, steps: int, task: str, reg_batch: int) -> dict:
    model = build_model(ModelConfig(width=width, in_channels=shape[0]), seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, *shape, generator=g)
    y = (torch.rand(batch, generator=g) < 0.5).float()
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    rng = np.random.default_rng(0)
    if task == "is_same":
        pair = is_same_patches(shape[1], shape[2], 160)
    else:
        pair = sample_random_pair(shape[1], shape[2], 5, 0, rng)

    def step(loss):
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def plain():
        step(bce(model(x)[:, 0], y))

    def igc():  # the IGC and the BCE share the first forward pass, as in the trainer's whole-batch branch
        reg, logits = igc_penalty(model, x, *pair)
        step(bce(logits, y) + 1.0 * reg)

    def igc_sub_batch():  # the trainer's reg_batch_size = k branch: BCE on the batch, IGC on its first k
        logits = model(x)[:, 0]
        reg, _ = igc_penalty(model, x[:reg_batch], *pair)
        step(bce(logits, y) + 1.0 * reg)

    @torch.no_grad()
    def evaluate():
        model.eval()
        model(x)
        model.train()

    out = {"plain": _timed(plain, steps), "igc": _timed(igc, steps), "eval_batch": _timed(evaluate, steps)}
    out[f"igc_on_{reg_batch}"] = _timed(igc_sub_batch, steps)
    out["igc_over_plain_cpu"] = out["igc"]["cpu_s"] / out["plain"]["cpu_s"]
    out[f"igc_on_{reg_batch}_over_plain_cpu"] = out[f"igc_on_{reg_batch}"]["cpu_s"] / out["plain"]["cpu_s"]
    return out


def pathfinder_times(n: int) -> dict:
    out = {}
    for length in PATH_LENGTHS:
        c0 = time.process_time()
        for i in range(n):
            generate_image(length, REDUCED_GEOMETRY, image_rng(0, "train", length, i))
        out[str(length)] = (time.process_time() - c0) / n
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--reg-batch", type=int, default=16, help="IGC sub-batch timed too (`reg_batch_size`)")
    ap.add_argument("--images", type=int, default=40, help="Pathfinder images timed per path length")
    ap.add_argument("--out", default="benchmarks/out/bench_locality.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    res = {
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "torch": torch.__version__},
        "width": args.width,
        "batch": args.batch,
        "steps_timed": args.steps,
        "is_same_3x32x224": step_times((3, 32, 224), args.width, args.batch, args.steps, "is_same", args.reg_batch),
        "pathfinder_1x100x100": step_times(
            (1, 100, 100), args.width, args.batch, args.steps, "pathfinder", args.reg_batch
        ),
        "pathfinder_gen_cpu_s_per_image": pathfinder_times(args.images),
    }
    write_json(args.out, res)
    print(res)


if __name__ == "__main__":
    main()
