"""Is-Same-Class data: pairs of 32×32 images side by side at distance d; label = both of one class.

Pairs (spec section 3): each pair is positive with probability 1/2. A positive pair is two images of one
uniformly chosen class (drawn with replacement); a negative pair is an image of a uniformly chosen class and
one drawn uniformly from all images of the other classes. Train pairs come from the source's train split,
test pairs from its test split. Only the images used, the index pairs and the labels are stored; canvases
are composed per batch (:func:`compose`), so one pair set serves every distance.

Canvas: ``[3, height, width]`` (paper 3×224×224; the reduced experiment keeps only the 32-pixel band,
3×32×224), zero in normalised space (the background is the mean colour). The left image starts at column
``width/2 − 32 − ⌊d/2⌋``, the right one 32 + d columns later; both are centred vertically. At width 224,
d ∈ {0, 40, 80, 120, 160}; d = 160 puts the images at the two borders.

Image sources:
  cifar10        the paper's: the standard ``cifar-10-batches-py`` pickles from a local directory, read by
                 :func:`read_cifar10` (uint8 only, no torchvision); :func:`download_cifar10` fetches and
                 checks the archive for users with internet.
  fashion-mnist  documented substitute (offline): 28×28 grey images zero-padded to 32×32 and replicated to
                 3 channels. Not the paper's data; the source name travels with every output so the figure
                 says which was used.
  mnist          the same with MNIST digits (an easier task).
A missing CIFAR directory is an error naming the directory and the substitute, never a silent swap.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from implreg.datasets.mnist import load_split
from implreg.errors import ConfigError, DataError
from implreg.io import atomic_path

SOURCES = ("cifar10", "fashion-mnist", "mnist")
SOURCE_TITLES = {
    "cifar10": "CIFAR-10",
    "fashion-mnist": "Fashion-MNIST (substitute for CIFAR-10)",
    "mnist": "MNIST (substitute for CIFAR-10)",
}
DISTANCES = (0, 40, 80, 120, 160)
IMAGE = 32
CIFAR10_MEAN = (0.491, 0.482, 0.446)  # the original's normalisation constants
CIFAR10_STD = (0.247, 0.243, 0.261)
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_FILES = {"train": [f"data_batch_{k}" for k in range(1, 6)], "test": ["test_batch"]}


# ------------------------------------------------------------------------------------------------ sources


def _cifar_folder(directory: str | os.PathLike) -> Path:
    """The folder holding the batches: `directory` itself or its ``cifar-10-batches-py`` subfolder."""
    base = Path(directory)
    for cand in (base, base / "cifar-10-batches-py"):
        if (cand / "test_batch").is_file():
            return cand
    raise DataError(
        f"CIFAR-10 not found: no `test_batch` in {base} or {base / 'cifar-10-batches-py'} (the standard "
        "`cifar-10-batches-py` pickles: data_batch_1..5, test_batch). Fix: set `cifar10_dir` in config.yaml "
        "to a folder holding them (or download them with implreg.htf.locality.is_same_class.download_cifar10), "
        "or set the image `source` to fashion-mnist to use the documented offline substitute (not the paper's data)."
    )


def cifar10_available(directory: str | os.PathLike | None) -> bool:
    """Whether `directory` (or its ``cifar-10-batches-py`` subfolder) holds the CIFAR-10 batches."""
    return bool(directory) and any(
        (c / "test_batch").is_file() for c in (Path(directory), Path(directory) / "cifar-10-batches-py")
    )


def read_cifar_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One pickled batch: images ``uint8 [n, 3, 32, 32]`` and labels ``uint8 [n]``."""
    try:
        with open(path, "rb") as fh:
            blob = pickle.load(fh, encoding="bytes")
        data = np.asarray(blob[b"data"], dtype=np.uint8)
        labels = np.asarray(blob[b"labels"], dtype=np.int64)
    except (OSError, pickle.UnpicklingError, KeyError, EOFError, TypeError, ValueError) as exc:
        raise DataError(f"{path} is not a readable CIFAR-10 batch ({exc}); download it again.") from None
    if data.ndim != 2 or data.shape[1] != 3 * IMAGE * IMAGE or len(labels) != len(data):
        raise DataError(f"{path}: expected data [n, 3072] and n labels, got {data.shape} and {labels.shape}.")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataError(f"{path}: labels outside 0..9.")
    return data.reshape(-1, 3, IMAGE, IMAGE), labels.astype(np.uint8)


def read_cifar10(directory: str | os.PathLike, split: str) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 `split` ('train' = data_batch_1..5, 'test' = test_batch) as uint8 ``[n, 3, 32, 32]``, labels."""
    if split not in CIFAR10_FILES:
        raise ConfigError(f"split must be one of {list(CIFAR10_FILES)}, got {split!r}.")
    folder = _cifar_folder(directory)
    parts = []
    for name in CIFAR10_FILES[split]:
        if not (folder / name).is_file():
            raise DataError(f"CIFAR-10 batch {folder / name} is missing; download the dataset again.")
        parts.append(read_cifar_batch(folder / name))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def download_cifar10(directory: str | os.PathLike, url: str = CIFAR10_URL, timeout: float = 120.0) -> Path:
    """Download the CIFAR-10 python archive, check its md5 and extract it into `directory`; return the
    batches folder. Needs internet; never called by the pipeline's tests."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    archive = directory / "cifar-10-python.tar.gz"
    if not archive.is_file():
        with atomic_path(archive, suffix=".tar.gz") as tmp:
            with urllib.request.urlopen(url, timeout=timeout) as resp, open(tmp, "wb") as out:
                while block := resp.read(1 << 20):
                    out.write(block)
    digest = hashlib.md5(archive.read_bytes()).hexdigest()
    if digest != CIFAR10_MD5:
        archive.unlink()
        raise DataError(f"{archive}: md5 {digest} != {CIFAR10_MD5}; the download is corrupt (deleted). Retry.")
    with tarfile.open(archive) as tar:
        tar.extractall(directory, filter="data")
    return _cifar_folder(directory)


def _pad_grey(images: np.ndarray) -> np.ndarray:
    """uint8 ``[n, 28, 28]`` → ``[n, 3, 32, 32]``: zero-padded by 2 on each side, grey replicated to RGB."""
    pad = (IMAGE - images.shape[1]) // 2
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad)))
    return np.repeat(padded[:, None], 3, axis=1)


def load_source(source: str, split: str, cifar10_dir: str | None = None, mnist_dir: str | None = None):
    """Images ``uint8 [n, 3, 32, 32]`` and labels ``uint8 [n]`` of one source split."""
    if source == "cifar10":
        if not cifar10_dir:
            raise ConfigError(
                "Is-Same-Class `source` is cifar10 but `cifar10_dir` is not set. Fix: set `cifar10_dir` to a "
                "folder holding the `cifar-10-batches-py` pickles, or set `source` to fashion-mnist to use the "
                "documented offline substitute."
            )
        return read_cifar10(cifar10_dir, split)
    if source in ("fashion-mnist", "mnist"):
        if not mnist_dir:
            raise ConfigError(f"Is-Same-Class `source` {source} needs `data_dir` (the folder of its IDX files).")
        images, labels = load_split(mnist_dir, source, split)
        return _pad_grey(images), labels
    raise ConfigError(f"Is-Same-Class `source` must be one of {list(SOURCES)}, got {source!r}.")


def normalisation(source: str, train_images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std in [0, 1] units: the original's constants for CIFAR-10, else the train images'."""
    if source == "cifar10":
        return np.array(CIFAR10_MEAN), np.array(CIFAR10_STD)
    x = train_images.astype(np.float64) / 255.0
    return x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3)).clip(1e-6)


# -------------------------------------------------------------------------------------------------- pairs


def sample_pairs(labels: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` index pairs ``int64 [n, 2]`` into `labels` and their labels ``uint8 [n]`` (1 = same class)."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if len(classes) < 2:
        raise DataError("Is-Same-Class needs images of at least two classes.")
    by_class = {int(c): np.flatnonzero(labels == c) for c in classes}
    others = {int(c): np.flatnonzero(labels != c) for c in classes}
    same = rng.random(n) < 0.5
    pairs = np.empty((n, 2), dtype=np.int64)
    for k in range(n):
        c = int(classes[rng.integers(len(classes))])
        pairs[k, 0] = by_class[c][rng.integers(len(by_class[c]))]
        pool = by_class[c] if same[k] else others[c]
        pairs[k, 1] = pool[rng.integers(len(pool))]
    return pairs, same.astype(np.uint8)


def make_dataset(
    source: str,
    n_train: int,
    n_test: int,
    seed: int,
    cifar10_dir: str | None = None,
    mnist_dir: str | None = None,
) -> dict[str, np.ndarray]:
    """Arrays for an ``.npz``: per split ``{split}_images uint8 [m, 3, 32, 32]`` (only the images used),
    ``{split}_pairs int64 [n, 2]`` (indices into them), ``{split}_labels uint8 [n]`` and the source's class
    of each image ``{split}_classes``; plus ``mean``/``std`` (per channel, [0, 1] units) and ``source``."""
    if n_train < 1 or n_test < 1:
        raise ConfigError(f"Is-Same-Class `n_train` and `n_test` must be >= 1, got {n_train}, {n_test}.")
    out: dict[str, np.ndarray] = {"source": np.array(source)}
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = load_source(source, split, cifar10_dir, mnist_dir)
        rng = np.random.default_rng([int(seed), 0 if split == "train" else 1])
        pairs, y = sample_pairs(labels, int(n), rng)
        used, inverse = np.unique(pairs, return_inverse=True)
        out[f"{split}_images"] = images[used]
        out[f"{split}_classes"] = labels[used]
        out[f"{split}_pairs"] = inverse.reshape(pairs.shape).astype(np.int64)
        out[f"{split}_labels"] = y
        if split == "train":
            mean, std = normalisation(source, images[used])
    out["mean"], out["std"] = mean.astype(np.float64), std.astype(np.float64)
    return out


# ---------------------------------------------------------------------------------------------- canvases


def placement(distance: int, height: int = 224, width: int = 224) -> tuple[int, int, int]:
    """(top row, left image's first column, right image's first column) for distance `distance`."""
    distance, height, width = int(distance), int(height), int(width)
    top = height // 2 - IMAGE // 2
    left = width // 2 - IMAGE - distance // 2
    right = left + IMAGE + distance
    if top < 0 or left < 0 or right + IMAGE > width:
        raise ConfigError(
            f"distance {distance} does not fit a {height}x{width} Is-Same canvas (needs width >= {2 * IMAGE + distance}, "
            f"height >= {IMAGE})."
        )
    return top, left, right


def compose(images: Tensor, pairs: Tensor, distance: int, height: int, width: int, mean: Tensor, std: Tensor) -> Tensor:
    """Batch of canvases ``float [B, 3, height, width]`` from uint8 `images` ``[m, 3, 32, 32]`` and index
    `pairs` ``[B, 2]``: images normalised per channel, background 0 (= the mean colour). Runs on the device
    of `images` (two slice assignments per batch)."""
    top, left, right = placement(distance, height, width)
    scale = (255.0 * std).to(images.device).view(1, -1, 1, 1)
    shift = mean.to(images.device).view(1, -1, 1, 1) / std.to(images.device).view(1, -1, 1, 1)
    a = images[pairs[:, 0]].float() / scale - shift
    b = images[pairs[:, 1]].float() / scale - shift
    out = torch.zeros(pairs.shape[0], images.shape[1], height, width, device=images.device)
    out[:, :, top : top + IMAGE, left : left + IMAGE] = a
    out[:, :, top : top + IMAGE, right : right + IMAGE] = b
    return out
