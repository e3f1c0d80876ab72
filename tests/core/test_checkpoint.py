"""Resumable training: an interrupted run, resumed from its checkpoint, ends bit-identical to an uninterrupted one."""

from __future__ import annotations

import signal

import numpy as np
import pytest
import torch
from conftest import KilledAfter

from implreg.checkpoint import Checkpoint, fingerprint
from implreg.engine import TrainOptions, torch_threads, train_batched


def _quartic(ps, data):
    (w,) = ps
    (c,) = data
    return (w[:, 0] * w[:, 1] * w[:, 2] - c).pow(2).sum(1)


def _engine_run(ckpt=None):
    g = torch.Generator().manual_seed(0)
    w = 0.5 + 0.1 * torch.randn(5, 3, 4, generator=g, dtype=torch.float64)
    c = torch.linspace(0.2, 1.0, 5, dtype=torch.float64)[:, None].expand(5, 4).contiguous()
    with torch_threads(1):
        opts = TrainOptions(
            lr=torch.tensor([0.02, 0.03, 0.05, 0.08, 0.1], dtype=torch.float64),
            max_steps=3000,
            check_every=10,
            stop_loss=1e-10,
            log_every=7,
            checkpoint=ckpt,
        )
        return train_batched(
            [w], _quartic, opts, log_fn=lambda t, ids, ps, ld: {"norm": ps[0].flatten(1).norm(dim=1)}, run_data=[c]
        )


def _assert_same_result(a, b):
    np.testing.assert_array_equal(a.steps, b.steps)
    np.testing.assert_array_equal(a.converged, b.converged)
    np.testing.assert_array_equal(a.final_loss, b.final_loss)
    for p, q in zip(a.params, b.params, strict=True):
        assert torch.equal(p, q)
    assert a.history.keys() == b.history.keys()
    for k in a.history:
        np.testing.assert_array_equal(a.history[k], b.history[k])


@pytest.mark.parametrize("kill_at", [5, 65])  # before any run finished / after some were retired
def test_engine_resume_is_bit_identical(tmp_path, kill_at):
    ref = _engine_run()
    assert ref.steps.min() < 65 < ref.steps.max(), "kill_at 65 must fall between two runs' stops"
    path = tmp_path / "ck.pt"
    with pytest.raises(SystemExit) as exc:
        _engine_run(KilledAfter(path, kill_at))
    assert exc.value.code == 128 + signal.SIGTERM and path.exists()
    resumed = Checkpoint(path, "job", every_s=1e9)
    _assert_same_result(ref, _engine_run(resumed))


def test_checkpoint_of_another_configuration_is_ignored(tmp_path, capsys):
    path = tmp_path / "ck.pt"
    with pytest.raises(SystemExit):
        _engine_run(KilledAfter(path, 50, fp="other-config"))
    state = Checkpoint(path, "job").load()
    assert state is None and "another configuration" in capsys.readouterr().err


def test_truncated_checkpoint_starts_over(tmp_path, capsys):
    path = tmp_path / "ck.pt"
    with pytest.raises(SystemExit):
        _engine_run(KilledAfter(path, 50))
    path.write_bytes(path.read_bytes()[:100])
    assert Checkpoint(path, "job").load() is None
    assert "unreadable" in capsys.readouterr().err
    _assert_same_result(_engine_run(), _engine_run(Checkpoint(path, "job", every_s=1e9)))


def test_fingerprint_changes_with_params_and_input_bytes(tmp_path):
    f = tmp_path / "in.bin"
    f.write_bytes(b"abc")
    a = fingerprint({"lr": 0.1, "n": [1, 2]}, [f])
    assert a == fingerprint({"n": [1, 2], "lr": 0.1}, [f])
    assert a != fingerprint({"lr": 0.2, "n": [1, 2]}, [f])
    f.write_bytes(b"abd")
    assert a != fingerprint({"lr": 0.1, "n": [1, 2]}, [f])
