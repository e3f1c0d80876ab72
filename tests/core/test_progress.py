"""Progress lines: the unit they count in, and an ETA that only uses this process's own rate."""

from __future__ import annotations

import io

from implreg import progress
from implreg.progress import Progress


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_line_names_its_unit_and_estimates_from_the_rate(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(progress.time, "monotonic", clock)
    out = io.StringIO()
    p = Progress(30, label="run", every_s=0.0, stream=out, unit="epoch")
    clock.now += 20.0
    p.update(2, loss=0.5)
    line = out.getvalue()
    assert line.startswith("[run] epoch 2/30 loss 0.5 0.1 epochs/s")
    assert "elapsed 20s, ETA<= 280s" in line


def test_after_a_resume_the_rate_counts_only_this_process(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(progress.time, "monotonic", clock)
    out = io.StringIO()
    p = Progress(100, every_s=0.0, stream=out)
    clock.now += 500.0  # the data loading of a resumed job
    p.start_at(90)  # 90 steps came from the checkpoint, not from this process
    clock.now += 10.0
    p.update(95)
    assert "step 95/100 0.5 steps/s elapsed 10s, ETA<= 10s" in out.getvalue()


def test_lines_are_rate_limited_unless_forced(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(progress.time, "monotonic", clock)
    out = io.StringIO()
    p = Progress(10, every_s=30.0, stream=out)
    clock.now += 1.0
    p.update(1)
    clock.now += 1.0
    p.update(2)
    p.update(3, force=True)
    assert [ln.split()[1] for ln in out.getvalue().splitlines()] == ["1/10", "3/10"]
