"""htf locality: one (task, setting, λ, seed) ResNet run on Is-Same-Class or Pathfinder → metrics JSON."""

from implreg.cli import job_io, run
from implreg.device import resolve_device
from implreg.errors import ConfigError
from implreg.htf.locality.resnet import ModelConfig
from implreg.htf.locality.train import ImageData, LocalityTrainConfig, PairCanvasData, train_run
from implreg.io import read_npz, write_json

IO = job_io(
    __doc__,
    inputs={"data": "make_is_same_class / make_pathfinder .npz"},
    outputs={"metrics": "JSON: per-epoch history, test_acc_last (the paper's score), settings"},
    params={
        "task": "is_same | pathfinder",
        "setting": "distance d (is_same) or path length L (pathfinder)",
        "lam": "IGC regularisation coefficient (0 = baseline)",
        "seed": "training seed (init, shuffles, patches)",
        "canvas": "is_same: {height, width} of the canvas (paper 224 x 224; reduced 32 x 224)",
        "model": "ModelConfig fields (arch, width, in_channels, stem_init, dropout)",
        "train": "LocalityTrainConfig fields but lam/seed/threads (epochs, batch_size, lr, reg_* ...)",
    },
)


def main(io):
    p = io.params
    device = resolve_device(p.train.get("device", "cpu"))
    with read_npz(io.input.data) as z:
        arrays = {k: z[k] for k in z.files}
    if p.task == "is_same":
        data = PairCanvasData(arrays, int(p.setting), int(p.canvas["height"]), int(p.canvas["width"]), device)
        source = str(arrays["source"])
    elif p.task == "pathfinder":
        if int(arrays["path_length"]) != int(p.setting):
            raise ConfigError(f"{io.input.data} holds path length {int(arrays['path_length'])}, not {p.setting}.")
        data = ImageData(arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"], device)
        source = "pathfinder"
    else:
        raise ConfigError(f"`task` must be is_same or pathfinder, got {p.task!r}.")
    cfg = LocalityTrainConfig(**{**p.train, "device": device}, lam=float(p.lam), seed=int(p.seed), threads=io.threads)
    ckpt = io.checkpoint()
    label = f"{p.task} {p.setting} lam {p.lam:g} seed {p.seed}"
    out = train_run(ModelConfig(**p.model), data, cfg, label=label, checkpoint=ckpt)
    out |= {"task": p.task, "setting": int(p.setting), "lam": float(p.lam), "seed": int(p.seed), "source": source}
    write_json(io.output.metrics, out)
    ckpt.remove()


if __name__ == "__main__":
    run(main, IO)
