"""Issue 18, unit level: readers of intermediate files name the file and the fix (5); data-step messages and
self-healing (6, 9); finished jobs leave no empty checkpoint folders (9); run-only knobs from the env (2)."""

import gzip
import json

import numpy as np
import pytest

from implreg.checkpoint import Checkpoint
from implreg.datasets import mnist
from implreg.datasets.idx import encode_idx
from implreg.errors import DataError
from implreg.io import read_csv_rows, read_json, read_npz, write_csv, write_json, write_npz


def test_truncated_npz_names_file_and_fix(tmp_path):
    path = tmp_path / "history.npz"
    write_npz(path, a=np.arange(1000.0))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DataError, match=r"history\.npz is not a readable \.npz.*delete it and rerun snakemake"):
        read_npz(path)


def test_npz_that_is_not_a_zip_and_missing_arrays(tmp_path):
    path = tmp_path / "runs.npz"
    path.write_text("hello")
    with pytest.raises(DataError, match=r"runs\.npz"):
        read_npz(path)
    write_npz(path, a=np.zeros(3))
    with pytest.raises(DataError, match=r"runs\.npz lacks the array\(s\) \['b'\]"):
        read_npz(path, keys=("a", "b"))
    with read_npz(path) as z, pytest.raises(DataError, match=r"runs\.npz has no 'tensor' entry"):
        z["tensor"]


def test_json_missing_key_names_the_file(tmp_path):
    path = tmp_path / "metrics.json"
    write_json(path, {"model": {"arch": "resnet18"}, "test_acc_best": 0.5})
    doc = read_json(path)
    assert doc["model"]["arch"] == "resnet18" and doc.get("nope") is None
    with pytest.raises(DataError, match=r"metrics\.json has no 'test_acc_last' entry.*delete it and rerun"):
        doc["test_acc_last"]
    with pytest.raises(DataError, match=r"metrics\.json has no 'width'"):
        doc["model"]["width"]
    assert json.loads(json.dumps(doc)) == doc  # still a plain JSON object


def test_json_binary_garbage_names_the_file(tmp_path):
    path = tmp_path / "summary.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match=r"summary\.json"):
        read_json(path)


def test_non_number_in_a_numeric_csv_column_names_file_line_and_column(tmp_path):
    path = tmp_path / "metrics.csv"
    write_csv(path, [{"what": "linear", "error": 0.1 * i, "rank": i} for i in range(5)])
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace("0.2", "oops", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"metrics\.csv has 'oops' in the numeric column 'error' at line 4"):
        read_csv_rows(path)


def test_csv_missing_column_names_the_file(tmp_path):
    path = tmp_path / "linear.csv"
    write_csv(path, [{"what": "target", "rank": 1}])
    row = read_csv_rows(path)[0]
    assert row["what"] == "target"
    with pytest.raises(DataError, match=r"linear\.csv \(line 2\) has no 'error' entry"):
        row["error"]


def test_checkpoint_removal_leaves_no_empty_folders(tmp_path):
    root = tmp_path / "results/checkpoints"
    ckpt = Checkpoint(root / "results/htf/dynamics/mf/history.npz.ckpt.pt", "fp", 1.0, root=root)
    other = root / "results/htf/dynamics/cp/history.npz.ckpt.pt"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"x")  # another job's checkpoint keeps its own folder
    ckpt.save({"step": 1})
    ckpt.remove()
    assert not (root / "results/htf/dynamics/mf").exists()
    assert other.exists()
    Checkpoint(other, root=root).remove()
    assert not root.exists()


def test_checkpoint_interval_comes_from_the_environment(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from implreg.cli import JobIO

    io = JobIO(SimpleNamespace(), SimpleNamespace(out=str(tmp_path / "x.npz")), SimpleNamespace(a=1))
    monkeypatch.delenv("IMPLREG_CHECKPOINT_EVERY_S", raising=False)
    assert io.checkpoint().path is None
    monkeypatch.setenv("IMPLREG_CHECKPOINT_EVERY_S", "7.5")
    monkeypatch.setenv("IMPLREG_CHECKPOINT_DIR", str(tmp_path / "ck"))
    ck = io.checkpoint()
    assert ck.every_s == 7.5 and str(ck.path).startswith(str(tmp_path / "ck"))
    monkeypatch.setenv("IMPLREG_CHECKPOINT_EVERY_S", "0.0")
    assert io.checkpoint().path is None


@pytest.fixture
def tiny_spec(monkeypatch):
    """A registry entry for a 4-file dataset made of tiny arrays (md5s computed here)."""
    arrays = {
        "train-images-idx3-ubyte": np.zeros((2, 28, 28), np.uint8),
        "train-labels-idx1-ubyte": np.array([0, 1], np.uint8),
        "t10k-images-idx3-ubyte": np.ones((1, 28, 28), np.uint8),
        "t10k-labels-idx1-ubyte": np.array([1], np.uint8),
    }
    raw = {k: encode_idx(v) for k, v in arrays.items()}
    entries = {
        k: mnist.FileEntry(k, (mnist.md5_bytes(gzip.compress(v, mtime=0)),), mnist.md5_bytes(v)) for k, v in raw.items()
    }
    spec = mnist.DatasetSpec(
        "mnist",
        ("http://invalid/",),
        {
            "train": (entries["train-images-idx3-ubyte"], entries["train-labels-idx1-ubyte"]),
            "test": (entries["t10k-images-idx3-ubyte"], entries["t10k-labels-idx1-ubyte"]),
        },
    )
    monkeypatch.setitem(mnist.DATASETS, "mnist", spec)
    return raw


def _write_source(folder, raw, compress=True):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in raw.items():
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data, mtime=0))
        else:
            (folder / name).write_bytes(data)


def test_empty_data_file_is_called_empty(tiny_spec, tmp_path):
    src = tmp_path / "src"
    _write_source(src, tiny_spec)
    (src / "t10k-labels-idx1-ubyte.gz").write_bytes(b"")
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz is empty \(0 bytes\)") as exc:
        mnist.fetch_dataset("mnist", src, False, tmp_path / "dest")
    assert "checksum mismatch" not in str(exc.value)


def test_data_dir_that_is_a_file(tiny_spec, tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("not a folder")
    with pytest.raises(DataError, match=r"data\.txt is a file, not a folder.*tf\.natural\.data_dir"):
        mnist.fetch_dataset("mnist", path, False, tmp_path / "dest")


def test_bad_copy_in_results_heals_from_the_source(tiny_spec, tmp_path, capsys):
    src, dest = tmp_path / "src", tmp_path / "dest"
    _write_source(src, tiny_spec, compress=False)  # decompressed source files are stored gzipped
    mnist.fetch_dataset("mnist", src, False, dest)
    assert sorted(p.name for p in dest.iterdir()) == sorted(f"{k}.gz" for k in tiny_spec)
    (dest / "train-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    mnist.fetch_dataset("mnist", src, False, dest)
    assert "Replacing the copy" in capsys.readouterr().err
    _images, labels = mnist.load_split(dest, "mnist", "train")
    assert labels.tolist() == [0, 1]


BLAS_PROBE = """
import hashlib, sys
import numpy as np
from implreg.cli import fix_threads
fix_threads(int(sys.argv[1]))
rng = np.random.default_rng(0)
v, a, b = rng.standard_normal(2_000_000), rng.standard_normal((400, 3000)), rng.standard_normal((3000, 300))
print(hashlib.md5(np.float64(v @ v).tobytes() + (a @ b).tobytes()).hexdigest())
"""


def test_blas_threads_follow_compute_threads_not_snakemakes(repo):
    """Issue 27, item 1: Snakemake exports OPENBLAS_NUM_THREADS = its scheduled threads; numpy must not follow."""
    import os
    import subprocess
    import sys

    def digest(env_threads: str, compute: int) -> str:
        env = {**os.environ, "PYTHONPATH": str(repo / "src"), "OPENBLAS_NUM_THREADS": env_threads,
               "OMP_NUM_THREADS": env_threads}  # fmt: skip
        cmd = [sys.executable, "-c", BLAS_PROBE, str(compute)]
        out = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert digest("1", 1) == digest("2", 1)
    assert digest("2", 2) == digest("1", 2)
