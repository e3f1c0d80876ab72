"""MNIST and Fashion-MNIST: file registry, checksum verification, local copy or download, loading.

Files are looked for in a user-supplied data folder first (so offline machines work with a copy of the
files), then downloaded from the canonical mirrors when downloads are allowed. Every file is checked against
known md5s before it is used. A ``.gz`` file passes when either its own md5 is a known one or the md5 of its
decompressed bytes is: Debian's Fashion-MNIST package re-compresses the upstream files, so its ``.gz``
md5s differ while the contents are identical. Files may also be kept decompressed (no ``.gz`` suffix).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from implreg.datasets.idx import REFETCH_HINT, corrupt, read_bytes, read_idx
from implreg.errors import ConfigError, DataError
from implreg.io import atomic_path

SPLITS = ("train", "test")


@dataclass(frozen=True)
class FileEntry:
    """One IDX file: its base name (no ``.gz``) and the md5s that identify a good copy.

    gz_md5s:  accepted md5s of the ``.gz`` file as distributed (upstream; may be several).
    raw_md5:  md5 of the decompressed bytes, which every correct copy shares.
    """

    name: str
    gz_md5s: tuple[str, ...]
    raw_md5: str

    @property
    def gz_name(self) -> str:
        return self.name + ".gz"


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: the folder name it lives under, its mirrors (tried in order) and its four files."""

    name: str
    mirrors: tuple[str, ...]
    files: dict[str, tuple[FileEntry, FileEntry]]  # split -> (images, labels)

    def entries(self) -> list[FileEntry]:
        return [e for split in SPLITS for e in self.files[split]]

    def file_names(self) -> list[str]:
        return [e.gz_name for e in self.entries()]


MNIST = DatasetSpec(
    name="mnist",
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    files={
        "train": (
            FileEntry(
                "train-images-idx3-ubyte", ("f68b3c2dcbeaaa9fbdd348bbdeb94873",), "6bbc9ace898e44ae57da46a324031adb"
            ),
            FileEntry(
                "train-labels-idx1-ubyte", ("d53e105ee54ea40749a09fcbcd1e9432",), "a25bea736e30d166cdddb491f175f624"
            ),
        ),
        "test": (
            FileEntry(
                "t10k-images-idx3-ubyte", ("9fb629c4189551a2d022fa330f9573f3",), "2646ac647ad5339dbf082846283269ea"
            ),
            FileEntry(
                "t10k-labels-idx1-ubyte", ("ec29112dd5afa0611ce80d1b7f02629c",), "27ae3e4e09519cfbb04c329615203637"
            ),
        ),
    },
)

FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    files={
        "train": (
            FileEntry(
                "train-images-idx3-ubyte", ("8d4fb7e6c68d591d4c3dfef9ec88bf0d",), "f4a8712d7a061bf5bd6d2ca38dc4d50a"
            ),
            FileEntry(
                "train-labels-idx1-ubyte", ("25c81989df183df01b3e8a0aad5dffbe",), "9018921c3c673c538a1fc5bad174d6f9"
            ),
        ),
        "test": (
            FileEntry(
                "t10k-images-idx3-ubyte", ("bef4ecab320f06d8554ea6380940ec79",), "8181f5470baa50b63fa0f6fddb340f0a"
            ),
            FileEntry(
                "t10k-labels-idx1-ubyte", ("bb300cfdad3c16e7a12a480ee83cd310",), "15d484375f8d13e6eb1aabb0c3f46965"
            ),
        ),
    },
)

DATASETS: dict[str, DatasetSpec] = {MNIST.name: MNIST, FASHION_MNIST.name: FASHION_MNIST}
ALIASES = {"fmnist": "fashion-mnist", "fashion_mnist": "fashion-mnist", "fashionmnist": "fashion-mnist"}


def get_spec(name: str) -> DatasetSpec:
    """The registry entry for `name` (aliases such as 'fmnist' accepted)."""
    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key not in DATASETS:
        allowed = sorted([*DATASETS, *ALIASES])
        raise ConfigError(f"unknown dataset {name!r}; `dataset` must be one of {allowed}.")
    return DATASETS[key]


def md5_bytes(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5_file(path: str | os.PathLike) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(path: str | os.PathLike, entry: FileEntry) -> str:
    """Check `path` against `entry`; return which md5 matched ('gz' or 'raw'), else raise DataError.

    A ``.gz`` file is accepted on its own md5 (cheap) or, failing that, on the md5 of its decompressed
    bytes (re-compressed copies such as Debian's). A file without ``.gz`` must match the decompressed md5.
    """
    path = Path(path)
    if path.is_file() and path.stat().st_size == 0:
        raise DataError(f"dataset file {path} is empty (0 bytes): an interrupted copy or download. {REFETCH_HINT}")
    if path.suffix == ".gz":
        gz_md5 = md5_file(path)
        if gz_md5 in entry.gz_md5s:
            return "gz"
        raw_md5 = md5_bytes(read_bytes(path))  # raises DataError if the gzip stream is broken
        if raw_md5 == entry.raw_md5:
            return "raw"
        actual = f".gz md5 {gz_md5}, decompressed md5 {raw_md5}"
        expected = f".gz md5 one of {list(entry.gz_md5s)} or decompressed md5 {entry.raw_md5}"
    else:
        raw_md5 = md5_file(path)
        if raw_md5 == entry.raw_md5:
            return "raw"
        actual, expected = f"md5 {raw_md5}", f"md5 {entry.raw_md5} (decompressed {entry.name})"
    raise DataError(f"checksum mismatch for dataset file {path}: expected {expected}, got {actual}. {REFETCH_HINT}")


def _candidates(folder: Path, entry: FileEntry) -> list[Path]:
    return [folder / entry.gz_name, folder / entry.name]


def _find(folders: list[Path], entry: FileEntry) -> Path | None:
    for folder in folders:
        for cand in _candidates(folder, entry):
            if cand.is_file():
                return cand
    return None


def _source_folders(spec: DatasetSpec, data_dir: str | os.PathLike | None) -> list[Path]:
    """Where a user may keep the files: ``data_dir/<name>/`` (or an alias folder), then ``data_dir`` itself."""
    if data_dir is None:
        return []
    root = Path(data_dir).expanduser()
    names = [spec.name] + [alias for alias, target in ALIASES.items() if target == spec.name]
    return [root / n for n in names] + [root]


def _copy(src: Path, dest: Path) -> None:
    """Copy `src` to `dest` (a .gz name); a decompressed source is gzipped on the way (deterministically)."""
    with atomic_path(dest) as tmp:
        if src.suffix == ".gz":
            shutil.copyfile(src, tmp)
        else:
            tmp.write_bytes(gzip.compress(src.read_bytes(), mtime=0))


def download_file(spec: DatasetSpec, entry: FileEntry, dest: Path, timeout: float = 60.0) -> None:
    """Download ``entry``'s .gz to `dest` from the first mirror that serves a file with a valid checksum."""
    errors = []
    for mirror in spec.mirrors:
        url = mirror + entry.gz_name
        try:
            with atomic_path(dest) as tmp:
                with urllib.request.urlopen(url, timeout=timeout) as resp, open(tmp, "wb") as fh:
                    shutil.copyfileobj(resp, fh, length=1 << 20)
                verify(tmp, entry)  # a failed check leaves no file behind
            return
        except (urllib.error.URLError, OSError, DataError) as exc:
            errors.append(f"{url}: {exc}")
    raise DataError(
        f"could not download {entry.gz_name} for {spec.name}; every mirror failed:\n  "
        + "\n  ".join(errors)
        + f"\nOffline? Put the four files {spec.file_names()} in a folder and set `data_dir` in config.yaml to it."
    )


def fetch_dataset(
    name: str,
    data_dir: str | os.PathLike | None,
    download: bool,
    dest_dir: str | os.PathLike,
    timeout: float = 60.0,
) -> Path:
    """Make the four verified files of dataset `name` available in `dest_dir`; return `dest_dir`.

    For each file: a verified copy already in `dest_dir` is kept; otherwise it is copied from
    ``data_dir/<name>/`` or ``data_dir/`` (``.gz`` or decompressed), or downloaded when `download` is True.
    A local file with the wrong checksum is an error (not silently replaced), since it usually means a
    broken copy the user should know about. Missing files with downloads off raise DataError saying where
    the function looked and how to supply the files.
    """
    spec = get_spec(name)
    dest = Path(dest_dir)
    if data_dir is not None and Path(data_dir).expanduser().exists() and not Path(data_dir).expanduser().is_dir():
        raise DataError(
            f"data_dir {data_dir} is a file, not a folder. Fix: set `tf.natural.data_dir` to the folder holding "
            f"the four files {spec.file_names()} (directly or in a '{spec.name}/' subfolder)."
        )
    sources = _source_folders(spec, data_dir)
    missing = []
    for entry in spec.entries():
        have = _find([dest], entry)
        if have is not None:
            try:
                verify(have, entry)
                continue
            except DataError as exc:  # our own copy (not the user's): replace it rather than stop
                print(f"{exc}\nReplacing the copy in {dest}.", file=sys.stderr)
                have.unlink()
        src = _find(sources, entry)
        if src is not None:
            verify(src, entry)
            _copy(src, dest / entry.gz_name)
        elif download:
            download_file(spec, entry, dest / entry.gz_name, timeout=timeout)
        else:
            missing.append(entry.gz_name)
    if missing:
        looked = [str(p) + ("" if p.is_dir() else " (does not exist)") for p in sources] or ["(no data_dir set)"]
        raise DataError(
            f"dataset {spec.name}: file(s) {missing} not found. Looked in {looked} and in {dest}. "
            f"Expected the four files {spec.file_names()} (gzipped, or the same names without .gz). "
            "Fix: set `data_dir` in config.yaml to a folder holding them (directly or in a "
            f"'{spec.name}/' subfolder), or allow downloads so they are fetched from {list(spec.mirrors)}."
        )
    return dest


def load_split(directory: str | os.PathLike, name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images ``uint8 [n, 28, 28]`` and labels ``uint8 [n]`` of `split` ('train' or 'test') from `directory`.

    Files are found as ``<directory>/<file>[.gz]`` or ``<directory>/<name>/<file>[.gz]``; checksums are not
    re-verified here (see :func:`fetch_dataset`), but shapes, dtypes and label range are.
    """
    spec = get_spec(name)
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}; `split` must be one of {list(SPLITS)}.")
    folders = [Path(directory), Path(directory) / spec.name]
    paths = []
    for entry in spec.files[split]:
        path = _find(folders, entry)
        if path is None:
            raise DataError(
                f"dataset {spec.name}: {entry.gz_name} (or {entry.name}) not found in {folders[0]}. "
                "Run the data-fetching step first, or set `data_dir` in config.yaml to a folder holding it."
            )
        paths.append(path)
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise corrupt(paths[0], f"expected uint8 images of shape [n, 28, 28], got {images.dtype} {images.shape}")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise corrupt(paths[1], f"expected uint8 labels of shape [n], got {labels.dtype} {labels.shape}")
    if labels.shape[0] != images.shape[0]:
        raise corrupt(paths[1], f"{labels.shape[0]} labels for {images.shape[0]} images in {paths[0].name}")
    if labels.size and labels.max() > 9:
        raise corrupt(paths[1], f"label {int(labels.max())} outside 0..9")
    return images, labels
