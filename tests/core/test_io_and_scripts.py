"""Atomic outputs, deterministic figure bytes, and scripts that run standalone."""

import subprocess
import sys

import numpy as np
import pytest

from implreg.io import atomic_path, read_csv_rows, write_csv, write_json
from implreg.plotting.style import save_figure


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("job died mid-write")
    assert list(tmp_path.iterdir()) == []


def test_write_json_replaces_atomically(tmp_path):
    target = tmp_path / "out.json"
    write_json(target, {"a": 1})
    write_json(target, {"a": np.float64(2.0)})
    assert target.read_text().strip().endswith("}")
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_csv_roundtrip_keeps_types(tmp_path):
    rows = [{"n": 3, "x": 0.1 + 0.2, "ok": True, "label": "lr 1e-3"}]
    write_csv(tmp_path / "t.csv", rows)
    assert read_csv_rows(tmp_path / "t.csv") == rows


def _figure():
    """A small figure with what ours have: log axes, a legend, text (fonts embed into the PDF)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    loss = np.geomspace(1.0, 1e-3, 50)
    ax.loglog(loss, 1 / np.sqrt(2 * loss), label="lr 0.01, init 1e-3")
    ax.set_xlabel("loss")
    ax.legend()
    return fig


def test_figure_bytes_are_deterministic(tmp_path):
    outs = []
    for k in range(2):
        pdf, png = tmp_path / f"f{k}.pdf", tmp_path / f"f{k}.png"
        save_figure(_figure(), pdf, png)
        outs.append((pdf.read_bytes(), png.read_bytes()))
    assert outs[0] == outs[1]
    assert b"CreationDate" not in outs[0][0]


@pytest.mark.parametrize(
    "script",
    [
        "train_dmf",
        "measure_dmf",
        "plot_dmf_entry",
        "plot_dmf_norms",
        "plot_dmf_perturbed",
        "make_tc_target",
        "train_tc",
        "measure_tc",
        "measure_tc_linear",
        "plot_tc",
        "summarise_claims",
    ],
)
def test_scripts_have_help(repo, script):
    out = subprocess.run(
        [sys.executable, str(next(repo.glob(f"scripts/*/{script}.py"))), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "--params" in out.stdout and "outputs:" in out.stdout


def test_script_runs_standalone_and_reports_bad_config_cleanly(repo, tmp_path):
    params = '{"depth": 3, "observations": [1, 1, 0], "det_sign": 1, "runs": [{"lr": 0.02, "init": 0.001, '
    params += '"balanced": true, "seed": 0}], "train": {"stop_loss": 0.01, "optimizer": "adam"}}'
    out = subprocess.run(
        [
            sys.executable,
            str(repo / "scripts/norms/train_dmf.py"),
            "--output",
            f"history={tmp_path / 'h.npz'}",
            "--params",
            params,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    assert "ERROR: optimizer must be 'gd' or 'adaptive', got 'adam'" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "h.npz").exists()


def test_outputs_get_normal_permissions(tmp_path):
    write_json(tmp_path / "a.json", {})
    assert (tmp_path / "a.json").stat().st_mode & 0o044 == 0o044  # group/other readable under umask 022


def test_corrupt_intermediate_files_name_the_file_and_fix(tmp_path):
    from implreg.errors import DataError
    from implreg.io import read_csv_rows, read_json, write_csv

    good = tmp_path / "good.csv"
    write_csv(good, [{"a": 1, "b": 2.5}])
    assert read_csv_rows(good) == [{"a": 1, "b": 2.5}]
    bad_csv, ragged, bad_json = tmp_path / "bad.csv", tmp_path / "ragged.csv", tmp_path / "bad.json"
    bad_csv.write_text("garbage\n")
    ragged.write_text("a,b\n1,2\n3\n")
    bad_json.write_text('{"a": 1')
    for path, call in ((bad_csv, read_csv_rows), (ragged, read_csv_rows), (bad_json, read_json)):
        with pytest.raises(DataError, match=rf"{path.name}.*delete it and rerun"):
            call(path)
