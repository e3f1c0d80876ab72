"""`device` reaches every torch training script through one check (implreg.device.resolve_device)."""

import re
from pathlib import Path

import pytest
import torch

from implreg.device import resolve_device
from implreg.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_cpu_is_cpu():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(" CPU ") == "cpu"


def test_cuda_without_gpu_names_the_key_and_the_fix(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError) as err:
        resolve_device("cuda")
    msg = str(err.value)
    assert "device = 'cuda'" in msg and "device: cpu" in msg and "--config device=cpu" in msg
    # Issue 27, item 8: requirements.txt from PyPI is the CUDA route; the CPU wheel is requirements-cpu.txt.
    assert "requirements.txt pins the CPU wheel" not in msg and "envs/requirements-cpu.txt installs the CPU" in msg


def test_unknown_device_is_refused():
    with pytest.raises(ConfigError, match="device = 'tpu' is not allowed"):
        resolve_device("tpu")


def test_cuda_picks_the_gpu_with_most_free_memory(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("cuda") == "cuda:0"
    free = {0: 10, 1: 30, 2: 20}
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 3)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda i: (free[i], 40))
    assert resolve_device("cuda") == "cuda:1"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_device_is_usable():
    dev = resolve_device("cuda")
    assert torch.ones(2, device=dev).sum().item() == 2.0


@pytest.mark.parametrize("script", ["train_tc.py", "train_tf_dynamics.py", "train_tf_natural.py"])
def test_every_torch_training_script_resolves_its_device(script):
    text = next(REPO.glob(f"scripts/*/{script}")).read_text()
    assert "from implreg.device import resolve_device" in text
    assert re.search(r"resolve_device\(p\.(train\[\"device\"\]|device)\)", text), script


@pytest.mark.parametrize("rule", ["train_tc", "train_tf_dynamics", "train_tf_natural"])
def test_torch_training_rules_pass_the_config_device_and_a_gpu_resource(rule):
    smk = "\n".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    body = smk.split(f"rule {rule}:", 1)[1].split("\nrule ", 1)[0]
    assert 'CFG["device"]' in body and "gpu=True)" in body
