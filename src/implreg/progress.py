"""Progress lines (iteration, loss, ETA) for long runs, written to the job log."""

from __future__ import annotations

import math
import sys
import time


class Progress:
    """Print at most every `every_s` seconds: ``<unit> k/total``, loss, rate and ETA (an upper bound: runs may
    stop early).

    The rate counts only what this process did: after a resume from a checkpoint, call `start_at` with the
    restored position so the ETA is not computed from work done by an earlier process.
    Writes to stderr, which Snakemake rules redirect into `logs/<rule>/...`.
    """

    def __init__(self, total: int, label: str = "", every_s: float = 10.0, stream=None, unit: str = "step"):
        self.total = max(int(total), 1)
        self.label = label
        self.every_s = every_s
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = time.monotonic()
        self.first = 0
        self._last = -float("inf")

    def start_at(self, position: int) -> None:
        """Resumed at `position` (units already done): measure the rate from here and now."""
        self.first = int(position)
        self.t0 = time.monotonic()

    def update(self, step: int, loss: float | None = None, force: bool = False, extra: str = "") -> None:
        now = time.monotonic()
        if not force and now - self._last < self.every_s:
            return
        self._last = now
        elapsed = now - self.t0
        rate = (step - self.first) / elapsed if elapsed > 0 else float("nan")
        eta = (self.total - step) / rate if math.isfinite(rate) and rate > 0 else float("nan")
        parts = [f"[{self.label}]" if self.label else "", f"{self.unit} {step}/{self.total}"]
        if loss is not None:
            parts.append(f"loss {loss:.4g}")
        parts.append(f"{rate:.3g} {self.unit}s/s")
        parts.append(f"elapsed {elapsed:.0f}s, ETA<= {eta:.0f}s" if math.isfinite(eta) else f"elapsed {elapsed:.0f}s")
        if extra:
            parts.append(extra)
        print(" ".join(p for p in parts if p), file=self.stream, flush=True)
