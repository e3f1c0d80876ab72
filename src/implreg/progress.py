"""Progress lines (iteration, loss, ETA) for long runs, written to the job log."""

from __future__ import annotations

import math
import sys
import time


class Progress:
    """Print at most every `every_s` seconds: step/total, loss, rate and ETA.

    Writes to stderr, which Snakemake rules redirect into `logs/<rule>/...`.
    """

    def __init__(self, total: int, label: str = "", every_s: float = 10.0, stream=None):
        self.total = max(int(total), 1)
        self.label = label
        self.every_s = every_s
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = time.monotonic()
        self._last = -float("inf")

    def update(self, step: int, loss: float | None = None, force: bool = False, extra: str = "") -> None:
        now = time.monotonic()
        if not force and now - self._last < self.every_s:
            return
        self._last = now
        elapsed = now - self.t0
        rate = step / elapsed if elapsed > 0 else float("nan")
        eta = (self.total - step) / rate if math.isfinite(rate) and rate > 0 else float("nan")
        parts = [f"[{self.label}]" if self.label else "", f"step {step}/{self.total}"]
        if loss is not None:
            parts.append(f"loss {loss:.4g}")
        parts.append(f"{rate:.3g} steps/s")
        parts.append(f"elapsed {elapsed:.0f}s, ETA<= {eta:.0f}s" if math.isfinite(eta) else f"elapsed {elapsed:.0f}s")
        if extra:
            parts.append(extra)
        print(" ".join(p for p in parts if p), file=self.stream, flush=True)
