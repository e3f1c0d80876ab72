"""The norms paper's own tensor-completion instances (src/implreg/norms/paper_instances/) and how they are used."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from implreg.errors import ConfigError, DataError
from implreg.io import read_npz
from implreg.norms import instances
from implreg.norms.tc import measure_linear

PAPER_SHAPES = [(3, 8, 1), (4, 8, 1), (3, 8, 3), (4, 8, 3)]  # (order, dim, CP rank) of Fig. 2 and appendix B
CP_RANK = {"tol_mse": 1.0e-6, "max_sweeps": 1000, "restarts": 3, "seed": 0}  # config.yaml norms.tc.cp_rank


def test_the_four_paper_instances_are_shipped_and_are_what_their_names_say():
    assert instances.shipped() == sorted(instances.file_name(*s) for s in PAPER_SHAPES)
    for order, dim, rank in PAPER_SHAPES:
        tensor, perm = instances.load_paper_instance(instances.paper_instance_file(order, dim, rank), order, dim, rank)
        assert tensor.shape == (dim,) * order and tensor.dtype == np.float64
        assert abs(np.linalg.norm(tensor) - 1) < instances.NORM_RTOL
        assert np.array_equal(np.sort(perm), np.arange(dim**order))


def test_a_shape_the_paper_did_not_use_names_the_fix():
    with pytest.raises(ConfigError, match="seeded"):
        instances.paper_instance_file(4, 6, 1)


def test_an_instance_of_another_experiment_is_refused():
    path = instances.paper_instance_file(3, 8, 1)
    with pytest.raises(DataError, match="CP rank 1"):
        instances.load_paper_instance(path, 3, 8, 3)
    with pytest.raises(DataError, match="shape"):
        instances.load_paper_instance(path, 4, 8, 1)


def test_a_damaged_instance_is_refused(tmp_path):
    with np.load(instances.paper_instance_file(3, 8, 1)) as z:
        good = {k: z[k] for k in z.files}
    bad = tmp_path / "bad.npz"
    np.savez(bad, **{**good, "train_indices_order": good["train_indices_order"][:-1]})
    with pytest.raises(DataError, match="permutation"):
        instances.load_paper_instance(bad, 3, 8, 1)
    np.savez(bad, **{**good, "target_tensor": 2 * good["target_tensor"]})
    with pytest.raises(DataError, match="norm"):
        instances.load_paper_instance(bad, 3, 8, 1)


def _make_target(repo, tmp_path, params: dict, reference=None):
    out = tmp_path / "target.npz"
    cmd = [sys.executable, str(repo / "scripts/norms/make_tc_target.py"), "--output", f"target={out}"]
    cmd += ["--input", f"reference={reference}"] if reference else []
    subprocess.run([*cmd, "--params", json.dumps(params)], check=True, capture_output=True, text=True)
    return out


def test_make_tc_target_writes_the_paper_instance_or_a_seeded_draw(repo, tmp_path):
    params = {"instance": "paper", "order": 3, "dim": 8, "rank": 1, "seed": None}
    path = instances.paper_instance_file(3, 8, 1)
    with read_npz(_make_target(repo, tmp_path, params, path)) as z, np.load(path) as ref:
        assert np.array_equal(z["tensor"], ref["target_tensor"].astype(np.float64))
        assert np.array_equal(z["perm"], ref["train_indices_order"])
    seeded = {**params, "instance": "seeded", "seed": 1}
    with read_npz(_make_target(repo, tmp_path, seeded)) as z, np.load(path) as ref:
        assert not np.array_equal(z["perm"], ref["train_indices_order"])


def test_paper_instance_linear_baseline_ranks_as_in_the_paper(repo, tmp_path):
    """Fig. 2 (order 3, rank 1), rank panel: the linear baseline's estimated CP rank is 12 / 16 / 17 / 2 at
    N = 50 / 150 / 300 / 511, computed here as the pipeline does (make_tc_target, then measure_tc_linear's
    function with the config's estimator settings).

    Tolerances = the estimator's measured spread on this instance (2026-12-07: ALS seeds 0-7, 3 restarts as
    configured and 1 as in the authors' code): N = 50: 10-13, so +-2; N = 150: 16-17 and N = 300: 16-18, so
    +-1; N = 511: 2 for all 8 configured estimates (one single-start estimate gave 3), so exact. Measured with
    seed 0: 11 / 16 / 17 / 2. The exact N = 511 value
    tells this instance from others: seeded draw 1, or this tensor observed in Fortran order or in reverse,
    gives 1 there.
    """
    params = {"instance": "paper", "order": 3, "dim": 8, "rank": 1, "seed": None}
    target = _make_target(repo, tmp_path, params, instances.paper_instance_file(3, 8, 1))
    paper = {50: 12, 150: 16, 300: 17, 511: 2}
    tol = {50: 2, 150: 1, 300: 1, 511: 0}
    with read_npz(target) as z:
        rows = measure_linear(z["tensor"], z["perm"], list(paper), CP_RANK)
    got = {r["num_obs"]: r["rank"] for r in rows if r["what"] == "linear"}
    assert next(r["rank"] for r in rows if r["what"] == "target") == 1
    assert all(abs(got[n] - paper[n]) <= tol[n] for n in paper), (got, paper)


def test_default_and_paper_presets_complete_the_paper_instances(repo):
    """Issue 29: the default and paper presets run Fig. 2 and appendix B on the paper's four instances."""
    from implreg.config import load_yaml_strict, resolve

    raw = load_yaml_strict(repo / "config.yaml")
    for preset in ("default", "paper"):
        tc = resolve({**raw, "preset": preset})["norms"]["tc"]
        assert tc["instance"] == "paper", preset
        shapes = sorted((e["order"], e["dim"], e["target_rank"]) for e in tc["experiments"])
        assert shapes == sorted(PAPER_SHAPES), preset
        for order, dim, rank in shapes:
            instances.paper_instance_file(order, dim, rank)  # each has its shipped instance
