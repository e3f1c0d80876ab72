"""The torch device of a training job: `device: cpu | cuda` from config.yaml, checked in one place.

Every torch training script passes its `device` param through :func:`resolve_device` before building tensors,
so asking for CUDA where torch sees no GPU stops the job with a ConfigError naming the key and the fix,
instead of a torch traceback halfway through. The 2x2 DMF kernel (numba) always runs on CPU.
"""

from __future__ import annotations

from implreg.errors import ConfigError

DEVICES = ("cpu", "cuda")


def resolve_device(requested: str) -> str:
    """Return the torch device string for `requested` ("cpu" or "cuda").

    "cuda" becomes "cuda:<i>": the visible GPU with the most free memory, so jobs started side by side on a
    multi-GPU machine (profiles/gpu, `--resources gpu=N`) spread over the GPUs. Under SLURM a job sees only
    the GPU(s) it was given (CUDA_VISIBLE_DEVICES), so this is cuda:0 there.
    """
    import torch

    name = str(requested).strip().lower()
    if name == "cpu":
        return "cpu"
    if name != "cuda":
        raise ConfigError(
            f"device = {requested!r} is not allowed: use one of {list(DEVICES)} (config.yaml, top level)."
        )
    if not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        raise ConfigError(
            f"device = 'cuda' but torch {torch.__version__} ({build}) sees no CUDA GPU on this machine. "
            "Set `device: cpu` in config.yaml or run with `--config device=cpu`; for GPUs, run on a machine "
            "with an NVIDIA GPU and a CUDA build of torch: `pip install -r envs/requirements.txt` from PyPI on "
            "Linux brings it (envs/requirements-cpu.txt installs the CPU wheel; see docs/scaling.md, GPUs)."
        )
    count = torch.cuda.device_count()
    if count <= 1:
        return "cuda:0"
    free = [torch.cuda.mem_get_info(i)[0] for i in range(count)]
    return f"cuda:{max(range(count), key=free.__getitem__)}"
