"""Issue 27 at unit level, where the snakemake CLI cannot reach: a full disk while writing an output or a
checkpoint (8), a checkpoint save killed mid-way (8), a non-number in a short CSV (7), `3e3` for an integer key (8),
the preset marker (4) and the memory refusal (6)."""

import errno
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from implreg import io as io_mod
from implreg.checkpoint import Checkpoint
from implreg.config import preset_conflicts
from implreg.errors import ConfigError, DataError, WriteError
from implreg.io import read_csv_rows, write_csv, write_json, write_npz
from implreg.smk import check_folder_preset, check_memory, mark_folder_preset


def _full_disk(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_while_writing_an_output_names_the_file(tmp_path, monkeypatch):
    target = tmp_path / "results/x/metrics.json"
    monkeypatch.setattr(Path, "write_text", _full_disk)
    with pytest.raises(WriteError, match=r"cannot write .*results/x/metrics\.json \(No space left on device; .*free"):
        write_json(target, {"a": 1})
    assert list(target.parent.iterdir()) == [], "no temp file left"


def test_full_disk_while_writing_a_checkpoint_names_the_file(tmp_path, monkeypatch):
    """torch.save on a full disk raises a RuntimeError from inline_container.cc (measured on a 64 kB tmpfs)."""

    def torch_full(*_args, **_kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 896 vs 790")

    root = tmp_path / "results/checkpoints"
    ckpt = Checkpoint(root / "results/tf/x/metrics.json.ckpt.pt", "fp", 1.0, root=root)
    monkeypatch.setattr(torch, "save", torch_full)
    with pytest.raises(WriteError, match=r"cannot write .*metrics\.json\.ckpt\.pt \(torch's writer failed, as on a "):
        ckpt.save({"step": 1})
    assert not root.exists(), "no empty checkpoint folders left"


def test_a_save_killed_mid_way_leaves_nothing_forever(tmp_path):
    root = tmp_path / "results/checkpoints"
    path = root / "results/norms/tc/runs.npz.ckpt.pt"
    path.parent.mkdir(parents=True)
    stale = path.parent / f".{path.name}.k1ll3d.tmp.pt"
    stale.write_bytes(b"")  # what SIGKILL during torch.save leaves
    ckpt = Checkpoint(path, "fp", 1.0, root=root)
    ckpt.save({"step": 1})
    assert not stale.exists(), "a later save removes the killed one's temp file"
    stale.write_bytes(b"")
    ckpt.remove()
    assert not root.exists(), "removing the checkpoint removes the temp file and the empty folders"


def test_a_later_write_removes_an_outputs_stale_temp(tmp_path):
    out = tmp_path / "history.npz"
    stale = tmp_path / ".history.npz.abc123.tmp.npz"
    stale.write_bytes(b"")
    write_npz(out, a=np.zeros(2))
    assert out.is_file() and not stale.exists()
    assert io_mod.stale_temps(out) == []


def test_a_non_number_in_a_short_csv_names_the_file_and_the_rebuild(tmp_path):
    path = tmp_path / "linear.csv"
    write_csv(path, [{"num_obs": 100, "error": 0.5}, {"num_obs": 300, "error": 0.25}])
    path.write_text("num_obs,error\n100,0.5\n300,abc\n")  # one of two cells: majority voting let it through
    with pytest.raises(DataError, match=r"linear\.csv has 'abc' in the numeric column 'error' at line 3") as err:
        read_csv_rows(path)
    assert f"snakemake {path} <your targets>" in str(err.value)
    path.write_text("num_obs,error\n100,abc\n")  # a single row: only the caller knows the column is numeric
    with pytest.raises(DataError, match="numeric column 'error'"):
        read_csv_rows(path, numeric=("error",))


def test_number_text_is_no_preset_conflict():
    raw = {"presets": {"smoke": {"tf": {"dynamics": {"max_steps": 20000}, "natural": {"epochs": 3}}}}}
    same = [("my.yaml", {"tf": {"dynamics": {"max_steps": "2e4"}}})]
    assert preset_conflicts(raw, "smoke", same) == []
    notes = preset_conflicts(raw, "smoke", [("my.yaml", {"tf": {"natural": {"epochs": "3e3"}}})])
    assert notes and "tf.natural.epochs = 3000 from my.yaml" in notes[0]


def test_preset_marker_and_claims_files(tmp_path):
    check_folder_preset("smoke", tmp_path)  # an empty folder takes any preset
    mark_folder_preset("default", tmp_path)
    check_folder_preset("default", tmp_path)
    with pytest.raises(ConfigError, match=r"holds the outputs of preset 'default' \(results/\.preset\)"):
        check_folder_preset("smoke", tmp_path)
    (tmp_path / "results/.preset").unlink()
    claims = tmp_path / "figures/tf/cp_dynamics.claims.json"
    claims.parent.mkdir(parents=True)
    claims.write_text(json.dumps({"figure": "tf/cp_dynamics", "preset": "smoke", "claims": []}))
    with pytest.raises(ConfigError, match=r"preset 'smoke' \(figures/tf/cp_dynamics\.claims\.json\)"):
        check_folder_preset("default", tmp_path)


def test_memory_refusals_name_the_key_and_the_fix():
    need = (2**60, "the reconstruction")  # the wings' bounds: tests/tf, tests/htf
    with pytest.raises(ConfigError, match=r"htf\.dynamics\.cp \(order 8\) needs at least .* GB .*Make htf\.dynamics"):
        check_memory("train_htf_dynamics", "htf.dynamics.cp", "order 8", need, 2000, "default")
    check_memory("train_htf_dynamics", "htf.dynamics.ht", "x", (2**20, "y"), 1, "default")  # 1 MB fits 1 MB
