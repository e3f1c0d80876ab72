"""Timing and peak memory of a few steps of a real training function.

The training loops ask their checkpoint ``due()`` once per step (or epoch). :class:`StepClock` is a checkpoint
that never saves: it records the time of each call and stops the loop with :class:`ProbeStop` after `steps`
calls, so a probe runs the job's own code at its own size and writes none of its outputs.

Each step is timed twice: wall-clock, and the process's CPU time. On a machine other jobs share, the wall time
grows with their load while the CPU time stays near what the step costs on cores of its own (the two agree on an
idle machine); predictions use the CPU time divided by the threads the probe ran with.
"""

from __future__ import annotations

import os
import resource
import sys
import time

import torch

from implreg.checkpoint import Checkpoint
from implreg.errors import ConfigError


class ProbeStop(Exception):
    """Raised by :class:`StepClock` once the probe has timed its steps."""


class StepClock(Checkpoint):
    """A checkpoint that times steps and stops the loop after `steps` of them (nothing is ever saved)."""

    def __init__(self, steps: int):
        super().__init__(None)
        if int(steps) < 2:
            raise ConfigError(f"a probe needs at least 2 steps (1 warm-up + 1 timed), got {steps}.")
        self.steps = int(steps)
        self.t0 = (time.perf_counter(), time.process_time())
        self.marks: list[tuple[float, float]] = []

    def due(self) -> bool:
        self.marks.append((time.perf_counter(), time.process_time()))
        if len(self.marks) >= self.steps:
            raise ProbeStop
        return False

    def run(self, fn, *args, **kwargs) -> None:
        """Call the training function until the clock stops it; a function that ends first is an error."""
        try:
            fn(*args, **kwargs)
        except ProbeStop:
            return
        raise ConfigError(
            f"the probe ended after {len(self.marks)} of {self.steps} steps: the job is shorter than the probe; "
            "lower the probe's step count."
        )

    def timing(self) -> dict:
        """Setup (to the end of the first step, which also warms caches up) and mean seconds per later step."""
        if len(self.marks) < 2:
            raise ConfigError(f"the probe timed {len(self.marks)} steps; it needs at least 2.")
        n = len(self.marks) - 1
        (w0, c0), (w1, c1), (wn, cn) = self.t0, self.marks[0], self.marks[-1]
        return {
            "steps_done": len(self.marks),
            "setup_s": w1 - w0,
            "s_per_step": (wn - w1) / n,
            "setup_cpu_s": c1 - c0,
            "cpu_s_per_step": (cn - c1) / n,
        }


def timed(fn, *args, **kwargs) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds taken by fn(*args, **kwargs), and its result."""
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return time.perf_counter() - w, time.process_time() - c, out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def cuda_peak_mb(device: str | torch.device) -> float | None:
    """Peak CUDA memory torch allocated on `device` (None off CUDA)."""
    dev = torch.device(device)
    if dev.type != "cuda":
        return None
    return torch.cuda.max_memory_allocated(dev) / 1e6


def finish(fields: dict, rule: str, device, threads: int, data_note: str = "") -> dict:
    """A probe record: the probe's `fields` plus the rule, device, threads and the peak memory so far."""
    return {
        "rule": rule,
        "device": str(device),
        "threads": int(threads),
        **fields,
        "peak_rss_mb": peak_rss_mb(),
        "cuda_peak_mb": cuda_peak_mb(device),
        "data_note": data_note,
        # Other processes slow a probe down: the table reports the machine's load beside the timings.
        "load_1min": os.getloadavg()[0],
        "probe_cpu_s": cpu_seconds(),
    }


def cpu_seconds() -> float:
    """CPU time this process has used (user + system): the probe's cost, less sensitive to load than wall time."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
