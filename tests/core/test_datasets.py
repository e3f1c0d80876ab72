"""IDX parsing, checksum verification and local/offline fetching of MNIST-style datasets."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from implreg.datasets import idx, mnist
from implreg.datasets.idx import read_idx, write_idx
from implreg.datasets.mnist import FileEntry, fetch_dataset, get_spec, load_split, md5_bytes, md5_file, verify
from implreg.errors import ConfigError, DataError


def _fake_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), (np.arange(n) % 10).astype(np.uint8)


def _fake_dataset(folder: Path, gz: bool = True) -> tuple[mnist.DatasetSpec, dict]:
    """Write tiny fake MNIST files into `folder`; return a spec whose md5s match them, and the arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays, files = {}, {}
    for split, n in (("train", 20), ("test", 10)):
        images, labels = _fake_split(n, seed=len(split))
        arrays[split] = (images, labels)
        entries = []
        for entry, arr in zip(mnist.MNIST.files[split], (images, labels), strict=True):
            raw = idx.encode_idx(arr)
            path = folder / (entry.gz_name if gz else entry.name)
            write_idx(path, arr)
            entries.append(FileEntry(entry.name, (md5_file(path),) if gz else (), md5_bytes(raw)))
        files[split] = tuple(entries)
    return replace(mnist.MNIST, files=files), arrays


@pytest.fixture
def fake_registry(monkeypatch, tmp_path):
    """Register fake MNIST files (under tmp_path/src/mnist) in place of the real ones."""
    spec, arrays = _fake_dataset(tmp_path / "src" / "mnist")
    monkeypatch.setitem(mnist.DATASETS, "mnist", spec)
    return tmp_path / "src", spec, arrays


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.float32, np.float64])
def test_idx_roundtrip(tmp_path, suffix, dtype):
    arr = (np.arange(2 * 3 * 5) - 7).reshape(2, 3, 5).astype(dtype) if dtype != np.uint8 else np.arange(30, dtype=dtype)
    write_idx(tmp_path / f"a{suffix}", arr)
    back = read_idx(tmp_path / f"a{suffix}")
    assert back.dtype == np.dtype(dtype) and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)


def test_idx_header_layout():
    data = idx.encode_idx(np.zeros((3, 2), np.uint8))
    assert data[:4] == b"\x00\x00\x08\x02" and data[4:12] == b"\x00\x00\x00\x03\x00\x00\x00\x02" and len(data) == 18


@pytest.mark.parametrize("cut", [2, 10, 100])
def test_truncated_raw_file_raises_with_name(tmp_path, cut):
    data = idx.encode_idx(np.zeros((4, 28, 28), np.uint8))
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(data[:-cut] if cut != 2 else data[:2])
    with pytest.raises(DataError, match="train-images-idx3-ubyte") as info:
        read_idx(path)
    assert "Delete it" in str(info.value)


def test_truncated_gz_and_bad_magic_raise(tmp_path):
    gz = gzip.compress(idx.encode_idx(np.zeros((50, 28, 28), np.uint8)))
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gz[: len(gz) // 2])
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte\.gz.*truncated or corrupt"):
        read_idx(path)
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x00")
    with pytest.raises(DataError, match="magic"):
        read_idx(bad)
    bad.write_bytes(b"\x00\x00\x07\x01\x00\x00\x00\x00")
    with pytest.raises(DataError, match="dtype code"):
        read_idx(bad)
    bad.write_bytes(idx.encode_idx(np.zeros(3, np.uint8)) + b"\x00")  # trailing garbage
    with pytest.raises(DataError, match="bad"):
        read_idx(bad)


def test_fetch_copies_and_loads(fake_registry, tmp_path):
    src, _, arrays = fake_registry
    dest = fetch_dataset("mnist", src, download=False, dest_dir=tmp_path / "dest")
    assert sorted(p.name for p in dest.iterdir()) == sorted(get_spec("mnist").file_names())
    for split in ("train", "test"):
        images, labels = load_split(dest, "mnist", split)
        np.testing.assert_array_equal(images, arrays[split][0])
        np.testing.assert_array_equal(labels, arrays[split][1])
    # files directly in data_dir (no mnist/ subfolder) are accepted too
    assert fetch_dataset("mnist", src / "mnist", download=False, dest_dir=tmp_path / "dest2").is_dir()


def test_fetch_accepts_decompressed_files(monkeypatch, tmp_path):
    spec, arrays = _fake_dataset(tmp_path / "raw", gz=False)
    monkeypatch.setitem(mnist.DATASETS, "mnist", spec)
    dest = fetch_dataset("mnist", tmp_path / "raw", download=False, dest_dir=tmp_path / "dest")
    np.testing.assert_array_equal(load_split(dest, "mnist", "test")[1], arrays["test"][1])


def test_checksum_mismatch_raises(fake_registry, tmp_path):
    src, spec, _ = fake_registry
    target = src / "mnist" / "train-labels-idx1-ubyte.gz"
    target.chmod(0o644)
    write_idx(target, np.full(20, 3, np.uint8))  # valid IDX, wrong content
    with pytest.raises(DataError, match="checksum mismatch") as info:
        fetch_dataset("mnist", src, download=False, dest_dir=tmp_path / "dest")
    msg = str(info.value)
    assert "train-labels-idx1-ubyte.gz" in msg and spec.files["train"][1].raw_md5 in msg
    assert md5_file(target) in msg and "Delete it" in msg


def test_missing_files_offline_names_directory(fake_registry, tmp_path):
    empty = tmp_path / "nothing_here"
    empty.mkdir()
    with pytest.raises(DataError) as info:
        fetch_dataset("mnist", empty, download=False, dest_dir=tmp_path / "dest")
    msg = str(info.value)
    assert str(empty) in msg and "data_dir" in msg and "config.yaml" in msg and "download" in msg
    for name in get_spec("mnist").file_names():
        assert name in msg


def test_download_failure_is_a_data_error(fake_registry, tmp_path, monkeypatch):
    _, spec, _ = fake_registry
    monkeypatch.setitem(mnist.DATASETS, "mnist", replace(spec, mirrors=("file:///nonexistent/dir/",)))
    with pytest.raises(DataError, match="every mirror failed"):
        fetch_dataset("mnist", None, download=True, dest_dir=tmp_path / "dest")
    assert not any((tmp_path / "dest").glob("*"))  # no partial files left behind


def test_download_uses_mirrors_in_order(fake_registry, tmp_path, monkeypatch):
    src, spec, _ = fake_registry
    mirrors = ("file:///nonexistent/dir/", (src / "mnist").as_uri() + "/")
    monkeypatch.setitem(mnist.DATASETS, "mnist", replace(spec, mirrors=mirrors))
    dest = fetch_dataset("mnist", None, download=True, dest_dir=tmp_path / "dest")
    assert len(list(dest.iterdir())) == 4


def test_unknown_dataset_and_split():
    with pytest.raises(ConfigError, match="dataset"):
        get_spec("cifar10")
    assert get_spec("FMNIST").name == "fashion-mnist"
    with pytest.raises(ConfigError, match="split"):
        load_split(".", "mnist", "val")


def test_real_fashion_mnist_both_md5_forms(shared_data, tmp_path):
    """Debian's re-compressed .gz passes on its decompressed md5; the decompressed file passes on its own."""
    folder = shared_data / "fashion-mnist"
    for entry in get_spec("fashion-mnist").entries():
        gz = folder / entry.gz_name
        assert md5_file(gz) not in entry.gz_md5s  # Debian's .gz differs from upstream ...
        assert verify(gz, entry) == "raw"  # ... and is accepted on its contents
    entry = get_spec("fashion-mnist").files["train"][1]
    raw = tmp_path / entry.name
    raw.write_bytes(gzip.decompress((folder / entry.gz_name).read_bytes()))
    assert verify(raw, entry) == "raw"
    upstream_like = tmp_path / entry.gz_name  # an upstream-md5 .gz is accepted on its .gz md5
    upstream_like.write_bytes(b"x")
    assert verify(upstream_like, replace(entry, gz_md5s=(md5_file(upstream_like),))) == "gz"


def test_real_mnist_gz_md5s_and_train_labels(shared_data, tmp_path):
    dest = fetch_dataset("mnist", shared_data, download=False, dest_dir=tmp_path / "mnist")
    for entry in get_spec("mnist").entries():
        assert verify(dest / entry.gz_name, entry) == "gz"
    labels = mnist.read_idx(dest / "train-labels-idx1-ubyte.gz")
    counts = np.bincount(labels, minlength=10)
    assert labels.shape == (60000,) and counts.sum() == 60000
    assert counts.tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_default_data_folder_is_inside_the_project_and_a_fresh_clone_is_told_what_to_put_there(
    repo, fake_registry, tmp_path, monkeypatch
):
    """Issue 29: the default data_dir is the project's own (git-ignored) data/, not a folder beside the checkout;
    in a fresh clone without it and offline, the data step names that folder and the files to put there."""
    from implreg.config import load_yaml_strict, resolve

    raw = load_yaml_strict(repo / "config.yaml")
    for preset in ("default", "paper"):
        cfg = resolve({**raw, "preset": preset})
        for path in (cfg["tf"]["natural"]["data_dir"], cfg["htf"]["locality"]["is_same"]["cifar10_dir"]):
            assert not Path(path).is_absolute() and ".." not in Path(path).parts, (preset, path)
    assert "/data/" in (repo / ".gitignore").read_text().split()
    monkeypatch.chdir(tmp_path)  # a working directory with no data/ folder yet
    data_dir = raw["tf"]["natural"]["data_dir"]
    with pytest.raises(DataError) as info:
        fetch_dataset("mnist", data_dir, download=False, dest_dir=tmp_path / "dest")
    msg = str(info.value)
    assert data_dir in msg and "does not exist" in msg
    assert all(name in msg for name in get_spec("mnist").file_names())
