"""ResNet18/34 (BasicBlock, ImageNet stem) of configurable width with one output logit; no torchvision.

Architecture and init follow torchvision's ``resnet18``/``resnet34``: a 7×7 stride-2 conv + BN + ReLU +
3×3 stride-2 max-pool stem, four stages of BasicBlocks with widths w, 2w, 4w, 8w (w = 64 in the paper,
16 in the reduced experiment, 8 for smoke tests), global average pooling and a Linear(8w, 1) head.
Convs get Kaiming-normal (fan_out, ReLU) init and BN weights 1 / biases 0, as torchvision does. The
Pathfinder runs of the paper replace conv1 by a fresh 1-channel conv, which keeps PyTorch's default init:
``stem_init="default"`` reproduces that. Optional dropout after stages 1-3 (the original's ``--dropout``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from implreg.errors import ConfigError

LAYERS = {"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3)}


@dataclass
class ModelConfig:
    """arch: resnet18 | resnet34; width: channels of the first stage; in_channels: 3 (Is-Same) or 1
    (Pathfinder); stem_init: "kaiming" (torchvision) or "default" (PyTorch's default conv init for conv1,
    as the Pathfinder runs); dropout: probability after stages 1-3 (0 = none, the paper's setting)."""

    arch: str = "resnet18"
    width: int = 64
    in_channels: int = 3
    stem_init: str = "kaiming"
    dropout: float = 0.0

    def validate(self) -> None:
        if self.arch not in LAYERS:
            raise ConfigError(f"model `arch` must be one of {list(LAYERS)}, got {self.arch!r}.")
        if int(self.width) < 1 or int(self.in_channels) < 1:
            raise ConfigError(f"model `width` and `in_channels` must be >= 1, got {self.width}, {self.in_channels}.")
        if self.stem_init not in ("kaiming", "default"):
            raise ConfigError(f"model `stem_init` must be 'kaiming' or 'default', got {self.stem_init!r}.")
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ConfigError(f"model `dropout` must be in [0, 1), got {self.dropout}.")

    def to_dict(self) -> dict:
        return asdict(self)


def _conv3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = _conv3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = _conv3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """Input ``[B, C, H, W]`` → one logit per sample ``[B, 1]``."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        cfg.validate()
        w = int(cfg.width)
        self.conv1 = nn.Conv2d(int(cfg.in_channels), w, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        stages, cin = [], w
        for i, n_blocks in enumerate(LAYERS[cfg.arch]):
            cout = w * 2**i
            blocks = [BasicBlock(cin, cout, 1 if i == 0 else 2)]
            blocks += [BasicBlock(cout, cout) for _ in range(n_blocks - 1)]
            stages.append(nn.Sequential(*blocks))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        p = float(cfg.dropout)
        self.drop = nn.Dropout(p) if p > 0 else nn.Identity()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and (m is not self.conv1 or cfg.stem_init == "kaiming"):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.drop(self.layer1(x))
        x = self.drop(self.layer2(x))
        x = self.drop(self.layer3(x))
        x = self.layer4(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_model(cfg: ModelConfig, seed: int | None = None) -> ResNet:
    """A fresh model; with `seed`, its init depends only on the seed (torch's global RNG is restored)."""
    if seed is None:
        return ResNet(cfg)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return ResNet(cfg)
