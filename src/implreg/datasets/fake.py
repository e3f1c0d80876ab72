"""Tiny fake MNIST-shaped IDX files for the smoke preset and tests (never used for real figures).

Each class has a random binary prototype; an image is its prototype with a fraction of pixels flipped, so a
one-vs-all task is learnable while random labels / random images are not, as with the real data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from implreg.datasets.idx import write_idx
from implreg.datasets.mnist import get_spec


def fake_images(n: int, rng: np.random.Generator, prototypes: np.ndarray, flip: float = 0.1):
    labels = rng.integers(0, len(prototypes), size=n).astype(np.uint8)
    flips = rng.random((n, 28, 28)) < flip
    images = (prototypes[labels] ^ flips).astype(np.uint8) * 255
    return images, labels


def write_fake_dataset(name: str, dest: str | Path, n_train: int = 2000, n_test: int = 500, seed: int = 0) -> Path:
    """Write the four IDX files of `name` (same file names as the real ones) into `dest`."""
    dest = Path(dest)
    rng = np.random.default_rng([seed, 11, sum(map(ord, name))])  # datasets differ
    prototypes = rng.random((10, 28, 28)) < 0.3
    spec = get_spec(name)
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = fake_images(n, rng, prototypes)
        image_file, label_file = spec.files[split]
        write_idx(dest / image_file.gz_name, images)
        write_idx(dest / label_file.gz_name, labels)
    return dest
