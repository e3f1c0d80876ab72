"""htf locality experiments: data generators, ResNet, the IGC regulariser, training, claims, calibration."""

from __future__ import annotations

import json
import pickle
import re
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml
from dagutil import snakemake
from torch import nn

from implreg.checkpoint import Checkpoint
from implreg.errors import ConfigError, DataError, DivergenceError
from implreg.htf.locality import pathfinder as pf
from implreg.htf.locality.calibration import check_drop, require_drop
from implreg.htf.locality.claims import locality_claims, summary
from implreg.htf.locality.is_same_class import (
    compose,
    load_source,
    make_dataset,
    placement,
    read_cifar10,
)
from implreg.htf.locality.regularizer import (
    Patch,
    igc_penalty,
    is_same_patches,
    sample_random_pair,
    shift_patch,
)
from implreg.htf.locality.resnet import ModelConfig, build_model
from implreg.htf.locality.train import ImageData, LocalityTrainConfig, train_run

torch.set_num_threads(1)


# ------------------------------------------------------------------------------------------------ ResNet


def test_resnet_matches_torchvision_sizes_and_outputs_one_logit():
    # torchvision's resnet18 / resnet34 have 11689512 / 21797672 parameters with a 1000-way fc.
    for arch, n_tv in (("resnet18", 11_689_512), ("resnet34", 21_797_672)):
        model = build_model(ModelConfig(arch=arch, width=64), seed=0)
        assert sum(p.numel() for p in model.parameters()) == n_tv - 512 * 1000 - 1000 + 512 + 1
    small = build_model(ModelConfig(width=8, in_channels=1, stem_init="default"), seed=0)
    assert small(torch.randn(2, 1, 40, 40)).shape == (2, 1)
    a, b = build_model(ModelConfig(width=4), seed=3), build_model(ModelConfig(width=4), seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    with pytest.raises(ConfigError, match="arch"):
        ModelConfig(arch="resnet50").validate()


# ------------------------------------------------------------------------------------------- regulariser


def _tiny_batch(b=4, h=32, w=96, seed=0):
    return torch.randn(b, 3, h, w, generator=torch.Generator().manual_seed(seed))


def test_igc_value_finite_in_unit_interval_and_reaches_weights():
    model = build_model(ModelConfig(width=4), seed=0)
    x = _tiny_batch()
    pi, pj = is_same_patches(32, 96, 32)
    reg, logits = igc_penalty(model, x, pi, pj)
    assert logits.shape == (4,)
    assert torch.isfinite(reg) and 0.0 <= float(reg.detach()) <= 1.0
    reg.backward()
    grads = [m.weight.grad for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert all(g is not None for g in grads)
    assert float(model.conv1.weight.grad.abs().sum()) > 0
    assert float(model.layer3[0].conv1.weight.grad.abs().sum()) > 0


def test_igc_frozen_bn_leaves_running_stats_of_second_pass():
    x = _tiny_batch()
    pi, pj = is_same_patches(32, 96, 32)
    stats = {}
    for mode in ("original", "frozen"):
        model = build_model(ModelConfig(width=4), seed=0)
        igc_penalty(model, x, pi, pj, bn_mode=mode)
        stats[mode] = model.bn1.running_mean.clone()
    ref = build_model(ModelConfig(width=4), seed=0)
    ref(x)  # one train-mode pass: what "frozen" must leave
    assert torch.allclose(stats["frozen"], ref.bn1.running_mean)
    assert not torch.allclose(stats["original"], ref.bn1.running_mean)


class _PatchNet(nn.Module):
    """Logit built from two patches by hand: separable (a sum of per-patch terms) or mixing (products)."""

    def __init__(self, pi: Patch, pj: Patch, mixing: bool):
        super().__init__()
        self.pi, self.pj, self.mixing = pi, pj, mixing
        n = 3 * pi.height * pi.width
        self.w = nn.Parameter(torch.randn(4, n, generator=torch.Generator().manual_seed(1)))

    def forward(self, x):
        (ri, ci), (rj, cj) = self.pi.slices(), self.pj.slices()
        a = x[:, :, ri, ci].flatten(1)
        b = x[:, :, rj, cj].flatten(1)
        w = self.w
        if self.mixing:  # grad at I = w0 (w1·b) + w2 (w3·b): its direction depends on J
            out = (a @ w[0]) * (b @ w[1]) + (a @ w[2]) * (b @ w[3])
        else:  # grad at I = 2 (w0·a) w0: independent of J
            out = (a @ w[0]) ** 2 + (b @ w[1]) ** 2
        return out[:, None]


def test_igc_separates_local_from_mixing_networks():
    pi, pj = Patch(0, 0, 4, 4), Patch(0, 8, 4, 4)
    x = _tiny_batch(b=8, h=4, w=12, seed=2)
    r_local = igc_penalty(_PatchNet(pi, pj, mixing=False), x, pi, pj)[0].detach()
    r_mix = igc_penalty(_PatchNet(pi, pj, mixing=True), x, pi, pj)[0].detach()
    assert float(r_local) == pytest.approx(1.0, abs=1e-5)  # the gradient at I ignores J: nothing rewarded
    assert float(r_mix) < 0.9


def test_shift_patch_and_random_patches():
    x = torch.arange(3 * 2 * 4 * 4, dtype=torch.float32).reshape(3, 2, 4, 4)
    p = Patch(1, 1, 2, 2)
    y = shift_patch(x, p)
    assert torch.equal(y[0, :, 1:3, 1:3], x[1, :, 1:3, 1:3]) and torch.equal(y[2, :, 1:3, 1:3], x[0, :, 1:3, 1:3])
    assert torch.equal(y[:, :, 0], x[:, :, 0])
    rng = np.random.default_rng(0)
    for _ in range(50):
        a, b = sample_random_pair(20, 20, 3, 2, rng)
        gap = max(abs(a.top - b.top), abs(a.left - b.left)) - 3
        assert gap >= 2 and 0 <= b.top <= 17 and 0 <= b.left <= 17
        a, b = sample_random_pair(20, 20, 3, 2, rng, adjacent_only=True)
        assert max(abs(a.top - b.top), abs(a.left - b.left)) - 3 == 2
    with pytest.raises(ConfigError):
        sample_random_pair(4, 4, 3, 0, rng)


# --------------------------------------------------------------------------------------------- training


def _image_data(n_train=24, n_test=16, size=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n_train + n_test, size, size), dtype=np.uint8)
    y = (x[:, :4, :4].mean(axis=(1, 2)) > 127).astype(np.uint8)
    return ImageData(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


_TINY = ModelConfig(width=4, in_channels=1, stem_init="default")


def _cfg(**kw):
    base = dict(lam=1.0, epochs=2, batch_size=8, reg_patches="random", reg_patch_size=3, progress_every_s=1e9)
    return LocalityTrainConfig(**{**base, **kw})


def _strip(out):
    return {k: v for k, v in out.items() if k != "seconds"}


def test_training_is_deterministic_and_reports_metrics():
    data = _image_data()
    a, b = train_run(_TINY, data, _cfg()), train_run(_TINY, data, _cfg())
    assert _strip(a) == _strip(b)
    assert a["history"]["epoch"] == [1, 2] and a["stop_epoch"] == 2 and not a["stopped_early"]
    assert 0.0 <= a["test_acc_last"] <= 1.0 and a["test_acc_best"] >= a["test_acc_last"]
    assert all(0.0 <= r <= 1.0 for r in a["history"]["reg"])
    json.dumps(a)  # JSON-ready
    c = train_run(_TINY, data, _cfg(seed=1))
    assert c["history"]["train_loss"] != a["history"]["train_loss"]


def test_training_resumes_bit_identically_from_checkpoint(tmp_path):
    data = _image_data()
    full = train_run(_TINY, data, _cfg(epochs=3))
    path = tmp_path / "run.ckpt.pt"
    train_run(_TINY, data, _cfg(epochs=1), checkpoint=Checkpoint(path, "job", every_s=0.0))
    assert path.exists()
    resumed = train_run(_TINY, data, _cfg(epochs=3), checkpoint=Checkpoint(path, "job", every_s=1e9))
    assert resumed["history"] == full["history"] and resumed["test_acc_last"] == full["test_acc_last"]


class _SignalledAtStep(Checkpoint):
    """'Receives' SIGTERM after the k-th training step (as `kill` would, in the middle of an epoch)."""

    def __init__(self, path, k: int):
        super().__init__(path, "job", every_s=1e9)
        self.k, self.calls = k, 0

    def due(self) -> bool:  # asked once after every training step
        self.calls += 1
        if self.calls == self.k:
            self._signal = signal.SIGTERM
        return super().due()


@pytest.mark.parametrize("k", [4, 3, 9])  # mid epoch 2; the last step of epoch 1; the run's very last step
def test_stop_signal_after_any_step_saves_there_and_resumes_bit_identically(tmp_path, k):
    data = _image_data()  # 24 training images, batch 8: three steps per epoch
    full = train_run(_TINY, data, _cfg(epochs=3))
    path = tmp_path / "run.ckpt.pt"
    with pytest.raises(SystemExit) as stop:
        train_run(_TINY, data, _cfg(epochs=3), checkpoint=_SignalledAtStep(path, k=k))
    assert stop.value.code == 128 + signal.SIGTERM
    saved = Checkpoint(path, "job").load()
    assert saved["epoch"] == (k - 1) // 3 and saved["step"] == k
    assert saved["partial_epoch"]["pos"] == 8 * ((k - 1) % 3 + 1)
    resumed = train_run(_TINY, data, _cfg(epochs=3), checkpoint=Checkpoint(path, "job", every_s=1e9))
    assert resumed["history"] == full["history"] and resumed["steps"] == full["steps"] == 9


class _KilledAfterSaveAtStep(Checkpoint):
    """A periodic save falls due after the k-th step, then the job dies (SIGKILL: no handler runs)."""

    def __init__(self, path, k: int):
        super().__init__(path, "job", every_s=1e9)
        self.k, self.calls = k, 0

    def due(self) -> bool:
        self.calls += 1
        return self.calls == self.k

    def save(self, state: dict) -> None:
        super().save(state)
        raise KeyboardInterrupt("killed")


def test_periodic_save_mid_epoch_survives_a_kill_and_resumes_bit_identically(tmp_path):
    data = _image_data()
    full = train_run(_TINY, data, _cfg(epochs=3))
    path = tmp_path / "run.ckpt.pt"
    with pytest.raises(KeyboardInterrupt):
        train_run(_TINY, data, _cfg(epochs=3), checkpoint=_KilledAfterSaveAtStep(path, k=5))
    assert Checkpoint(path, "job").load()["partial_epoch"]["pos"] == 16
    resumed = train_run(_TINY, data, _cfg(epochs=3), checkpoint=Checkpoint(path, "job", every_s=1e9))
    assert resumed["history"] == full["history"]


def test_igc_sub_batch_estimate_is_deterministic_and_differs_from_whole_batch():
    data = _image_data()
    whole = train_run(_TINY, data, _cfg())
    # k = batch size is the whole batch: the same computation, bit for bit.
    assert train_run(_TINY, data, _cfg(reg_batch_size=8))["history"] == whole["history"]
    sub = train_run(_TINY, data, _cfg(reg_batch_size=3))
    assert _strip(train_run(_TINY, data, _cfg(reg_batch_size=3))) == _strip(sub)
    assert all(0.0 < r <= 1.0 for r in sub["history"]["reg"])
    assert sub["history"]["train_loss"] != whole["history"]["train_loss"]
    assert sub["settings"]["reg_batch_size"] == 3
    for bad in (1, 9, -1):
        with pytest.raises(ConfigError, match="reg_batch_size"):
            train_run(_TINY, data, _cfg(reg_batch_size=bad))


def test_early_stop_after_perfect_train_accuracy():
    data = _image_data(n_train=16)
    data.y["train"] = torch.ones_like(data.y["train"])  # trivially learnable: all positive
    out = train_run(_TINY, data, _cfg(lam=0.0, epochs=40, stop_patience=1, lr=0.05))
    assert out["stopped_early"] and out["stop_epoch"] < 40
    assert out["history"]["eval_epoch"][-1] == out["stop_epoch"]


def test_nan_raises_divergence_naming_the_epoch():
    data = _image_data()
    data.x["train"] = data.x["train"].float()
    data.x["train"][:] = float("nan")
    with pytest.raises(DivergenceError, match="epoch 1"):
        train_run(_TINY, data, _cfg(lam=0.0))


# ------------------------------------------------------------------------------------------- Pathfinder


def test_pathfinder_is_deterministic_per_image_and_split():
    a, la = pf.generate(6, 5, "train", seed=3)
    b, lb = pf.generate(3, 5, "train", seed=3, start=3, chunk_size=2)
    assert a.dtype == np.uint8 and a.shape == (6, 100, 100)
    assert np.array_equal(a[3:], b) and np.array_equal(la[3:], lb)
    c, _ = pf.generate(1, 5, "test", seed=3)
    d, _ = pf.generate(1, 5, "train", seed=4)
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[0], d[0])


def test_pathfinder_labels_balanced():
    _, labels = pf.generate(120, 3, "train", seed=0)
    assert 0.35 <= labels.mean() <= 0.65


@pytest.mark.parametrize("length", [3, 9])
def test_pathfinder_label_is_connectivity_of_the_markers(length):
    geo = pf.REDUCED_GEOMETRY
    for i in range(12):
        img, label, meta = pf.generate_image(length, geo, pf.image_rng(0, "train", length, i))
        assert pf.markers_connected(meta, geo) == bool(label)
        assert all(len(t) == length for t in meta["targets"])
        assert len(meta["distractors"]) <= geo.n_distractors(length)
        for y, x in np.rint(meta["markers"]).astype(int):
            assert img[y, x] >= 200  # the markers are drawn, bright


def test_pathfinder_paper_geometry_and_bad_settings():
    img, _, _ = pf.generate_image(3, pf.PAPER_GEOMETRY, pf.image_rng(0, "train", 3, 0))
    assert img.shape == (150, 150) and img.max() == 255
    assert pf.geometry_from({"base": "paper", "downsample": 1}).size == 300
    with pytest.raises(ConfigError, match="unknown pathfinder geometry"):
        pf.geometry_from({"windw": 50})
    with pytest.raises(ConfigError, match="split"):
        pf.generate(1, 3, "val", seed=0)


# ----------------------------------------------------------------------------------------- Is-Same-Class


@pytest.mark.parametrize("d", [0, 40, 80, 120, 160])
def test_is_same_placement_distance(d):
    top, left, right = placement(d, 224, 224)
    assert top == 96 and right - (left + 32) == d
    imgs = torch.stack(
        [torch.full((3, 32, 32), 10, dtype=torch.uint8), torch.full((3, 32, 32), 200, dtype=torch.uint8)]
    )
    x = compose(imgs, torch.tensor([[0, 1]]), d, 32, 224, torch.full((3,), 0.5), torch.full((3,), 0.25))
    cols = np.flatnonzero(x[0, 0].abs().sum(0).numpy() > 0)
    assert cols.min() == left and cols.max() == right + 31
    assert cols.size == 64 and x.shape == (1, 3, 32, 224)
    if d == 160:
        assert (left, right) == (0, 192)
    with pytest.raises(ConfigError, match="does not fit"):
        placement(200, 32, 224)


def test_is_same_pairs_balanced_and_correct(shared_data):
    out = make_dataset("fashion-mnist", 400, 100, seed=0, mnist_dir=str(shared_data))
    assert str(out["source"]) == "fashion-mnist"
    assert out["train_images"].shape[1:] == (3, 32, 32) and out["train_images"].dtype == np.uint8
    assert 0.4 <= out["train_labels"].mean() <= 0.6
    for split in ("train", "test"):
        cls = out[f"{split}_classes"][out[f"{split}_pairs"]]
        assert np.array_equal(cls[:, 0] == cls[:, 1], out[f"{split}_labels"].astype(bool))
    again = make_dataset("fashion-mnist", 400, 100, seed=0, mnist_dir=str(shared_data))
    assert all(np.array_equal(out[k], again[k]) for k in out)


def _fake_cifar(folder, n=4):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        with open(folder / name, "wb") as fh:
            pickle.dump({b"data": data, b"labels": list(range(n)), b"batch_label": name.encode()}, fh)
    return data


def test_cifar_reader_on_fabricated_batches(tmp_path):
    last = _fake_cifar(tmp_path / "cifar-10-batches-py")
    x, y = read_cifar10(tmp_path, "train")
    assert x.shape == (20, 3, 32, 32) and x.dtype == np.uint8 and y.tolist() == [0, 1, 2, 3] * 5
    xt, _ = read_cifar10(tmp_path / "cifar-10-batches-py", "test")
    assert np.array_equal(xt[1, 1].ravel(), last[1, 1024:2048])  # rows are R | G | B planes


def test_missing_cifar_dir_names_directory_and_fix(tmp_path):
    missing = tmp_path / "no_cifar_here"
    with pytest.raises(DataError) as err:
        load_source("cifar10", "train", cifar10_dir=str(missing))
    assert str(missing) in str(err.value) and "fashion-mnist" in str(err.value)


# ------------------------------------------------------------------------------------ claims, calibration


def _runs(table):
    return [
        {"setting": s, "lam": lam, "seed": k, "test_acc": acc + (0.5 if k else -0.5)}
        for (s, lam), acc in table.items()
        for k in range(2)
    ]


GOOD = {(0, 0.0): 61.0, (0, 0.1): 61.3, (0, 1.0): 61.5, (160, 0.0): 50.5, (160, 0.1): 51.0, (160, 1.0): 58.5}


def test_claims_pass_on_the_papers_shape():
    claims = {c.id: c for c in locality_claims(summary(_runs(GOOD)))}
    assert all(c.passed is True for c in claims.values()), claims
    assert claims["gain_grows_with_lambda"].passed is True


def test_claims_fail_without_drop_or_recovery():
    no_drop = {**GOOD, (160, 0.0): 60.0, (160, 0.1): 60.2, (160, 1.0): 60.5}
    claims = {c.id: c for c in locality_claims(summary(_runs(no_drop)))}
    assert claims["baseline_drops_to_chance"].passed is False
    assert claims["regularizer_recovers_gap"].passed is False  # nothing to recover: a failure, never a null
    no_recovery = {**GOOD, (160, 1.0): 50.0}
    claims = {c.id: c for c in locality_claims(summary(_runs(no_recovery)))}
    assert claims["baseline_drops_to_chance"].passed is True
    assert claims["regularizer_recovers_gap"].passed is False
    disagree = {**GOOD, (0, 1.0): 52.0}
    assert locality_claims(summary(_runs(disagree)))[0].passed is False
    two_lams = {k: v for k, v in GOOD.items() if k[1] != 0.1}  # the grid's shape: null, for the preset to declare
    claims = {c.id: c for c in locality_claims(summary(_runs(two_lams)))}
    assert claims["gain_grows_with_lambda"].passed is None
    assert all(c.passed is True for cid, c in claims.items() if cid != "gain_grows_with_lambda")


def test_calibration_names_the_knobs():
    assert check_drop(70.0, 55.0)["ok"] and not check_drop(70.0, 65.0)["ok"]
    # 0.8655 * 100 - 0.5015 * 100 is 36.40000000000002 in floats: the record shows 36.4, and exactly 36.4 passes.
    exact = check_drop(0.8655 * 100, 0.5015 * 100, threshold=36.4)
    assert exact["ok"] and exact["drop"] == 36.4 and exact["acc_short"] == 86.55
    with pytest.raises(ConfigError) as err:
        require_drop(60.0, 57.0, threshold=8.0, task="is_same")
    for knob in ("width", "n_train", "epochs"):
        assert knob in str(err.value)
    # A baseline that learns the long range too: the advice is the other way round (a harder task).
    with pytest.raises(ConfigError) as err:
        require_drop(84.4, 81.5, threshold=8.0, task="is_same")
    assert "too easy" in str(err.value) and "source" in str(err.value) and "width" not in str(err.value)


def test_plot_script_on_fabricated_metrics(tmp_path, repo):
    files = []
    for run in _runs(GOOD):
        path = tmp_path / f"m_{run['setting']}_{run['lam']}_{run['seed']}.json"
        doc = {**run, "test_acc_last": run["test_acc"] / 100, "source": "fashion-mnist"}
        doc |= {"settings": {"epochs": 30}, "model": {"arch": "resnet18"}}
        path.write_text(json.dumps(doc))
        files.append(str(path))
    params = {
        "task": "is_same",
        "metric": "test_acc_last",
        "preset": "default",
        "figure": "htf/locality_is_same_class",
        "claims": {"agree_tol": 3, "min_drop": 8, "chance_tol": 10, "recover_frac": 0.25},
        "untestable": {},
        "findings": {},
    }
    cal = tmp_path / "calibration.json"
    cal.write_text(json.dumps(check_drop(60.5, 50.0)))
    out = {k: tmp_path / f"fig.{k}" for k in ("pdf", "png")} | {
        "claims": tmp_path / "fig.claims.json",
        "table": tmp_path / "table.csv",
    }
    cmd = [sys.executable, str(repo / "scripts" / "htf" / "plot_locality.py"), "--input", f"metrics={','.join(files)}"]
    cmd += [f"calibration={cal}"]
    cmd += ["--output", *[f"{k}={v}" for k, v in out.items()], "--params", json.dumps(params)]
    subprocess.run(cmd, check=True, capture_output=True, env={"PYTHONPATH": str(repo / "src"), "PATH": ""})
    claims = json.loads(out["claims"].read_text())
    assert claims["preset"] == "default" and all(c["passed"] for c in claims["claims"]), claims
    assert {c["id"] for c in claims["claims"]} >= {"calibration_baseline_drops", "gain_grows_with_lambda"}
    assert all(c["paper"] is not None and c["tolerance_reason"] for c in claims["claims"])
    assert out["pdf"].stat().st_size > 0 and "fashion-mnist" in out["table"].read_text()


def test_task_seeds_replace_the_shared_list_in_the_dag(tmp_path):
    """is_same.seeds gives that task its own runs; Pathfinder keeps the shared list."""
    cfg = {"preset": "smoke", "presets": {"smoke": {"htf": {"locality": {"is_same": {"seeds": [0, 3]}}}}}}
    (tmp_path / "seeds.yaml").write_text(yaml.safe_dump(cfg))
    targets = ["figures/htf/locality_is_same_class.pdf", "figures/htf/locality_pathfinder.pdf"]
    dry = snakemake(tmp_path, *targets, "-n", "--configfile", str(tmp_path / "seeds.yaml")).stdout
    runs = set(re.findall(r"locality/(is_same|pathfinder)/s\d+/lam[\d.]+/seed(\d+)/metrics.json", dry))
    assert {seed for task, seed in runs if task == "is_same"} == {"0", "3"}
    assert {seed for task, seed in runs if task == "pathfinder"} == {"0"}
