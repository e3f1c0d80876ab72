"""Resumable training: periodic atomic checkpoints, and a clean stop on SIGTERM / SIGINT.

A training loop owns a :class:`Checkpoint` and, once per iteration (or epoch), asks ``due()``; when it is,
the loop hands its complete state to ``save()``. ``due()`` is also true as soon as SIGTERM or SIGINT
arrives (a cluster's time limit, ``kill``, Ctrl-C); the loop then saves and calls ``stop()``, which exits
with the usual 128 + signal status. SIGKILL cannot be caught: a rerun resumes from the last periodic save.

A checkpoint carries a fingerprint of everything that defines the job (its parameters and the content of
its inputs): a checkpoint written under another configuration is ignored, never resumed. The file is
removed once the job's outputs are written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from implreg.io import atomic_path, stale_temps

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def fingerprint(params: Any, input_paths: list[str | os.PathLike] = ()) -> str:
    """SHA-256 of the job's parameters (as sorted JSON) and the bytes of its input files."""
    h = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    for path in input_paths:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _to_storable(obj: Any) -> Any:
    """numpy arrays -> tensors, so the file loads with torch's safe ``weights_only`` unpickler."""
    if isinstance(obj, np.ndarray):
        return {"__ndarray__": torch.from_numpy(np.ascontiguousarray(obj))}
    if isinstance(obj, dict):
        return {k: _to_storable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_to_storable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _from_storable(obj: Any) -> Any:
    if isinstance(obj, dict):
        if set(obj) == {"__ndarray__"}:
            return obj["__ndarray__"].numpy()
        return {k: _from_storable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_from_storable(v) for v in obj]
    return obj


class Checkpoint:
    """One job's checkpoint file. ``path=None`` disables it (every method becomes a no-op)."""

    def __init__(
        self,
        path: str | os.PathLike | None,
        fingerprint: str = "",
        every_s: float = 120.0,
        root: str | os.PathLike | None = None,
    ):
        self.path = Path(path) if path is not None else None
        self.root = Path(root) if root is not None else None  # empty folders up to here go with the file
        self.fingerprint = fingerprint
        self.every_s = float(every_s)
        self._last_save = time.monotonic()
        self._signal: int | None = None
        self._old_handlers: dict[int, Any] = {}

    # -- signals -------------------------------------------------------------------------------------
    def __enter__(self) -> Checkpoint:
        if self.path is not None and threading.current_thread() is threading.main_thread():
            for sig in _STOP_SIGNALS:
                self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        self._old_handlers.clear()

    def _on_signal(self, signum, _frame) -> None:
        if self._signal is not None:  # a second signal: give up at once
            raise SystemExit(128 + signum)
        self._signal = signum

    # -- state ---------------------------------------------------------------------------------------
    def load(self) -> dict | None:
        """The saved state, or None (no file, or one written for a different job configuration)."""
        if self.path is None or not self.path.exists():
            return None
        try:
            blob = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # a truncated file cannot be half-resumed: start over, say why
            print(f"checkpoint {self.path} is unreadable ({exc}); starting from scratch", file=sys.stderr)
            return None
        if blob.get("fingerprint") != self.fingerprint:
            print(f"checkpoint {self.path} belongs to another configuration; starting from scratch", file=sys.stderr)
            return None
        print(f"resuming from checkpoint {self.path}", file=sys.stderr)
        return _from_storable(blob["state"])

    def due(self) -> bool:
        """Save now: a stop signal arrived or `every_s` passed since the last save (False when disabled)."""
        if self.path is None:
            return False
        return self._signal is not None or time.monotonic() - self._last_save >= self.every_s

    def save(self, state: dict) -> None:
        """Write the state atomically (the last good checkpoint stays until this one is complete). A full disk
        raises WriteError naming the file, and leaves no empty folder behind."""
        if self.path is None:
            return
        try:
            with atomic_path(self.path, suffix=".pt") as tmp:
                torch.save({"fingerprint": self.fingerprint, "state": _to_storable(state)}, tmp)
        except BaseException:
            self._prune_empty_folders()
            raise
        self._last_save = time.monotonic()

    def stop_if_signalled(self) -> None:
        """After a save: exit 128 + signal if SIGTERM/SIGINT asked the job to stop."""
        if self._signal is not None:
            name = signal.Signals(self._signal).name
            print(f"{name}: checkpoint saved to {self.path}; rerun the same target to resume", file=sys.stderr)
            raise SystemExit(128 + self._signal)

    def remove(self) -> None:
        """Delete the checkpoint and the folders it leaves empty, up to and including `root`."""
        if self.path is None:
            return
        for path in [self.path, *stale_temps(self.path)]:  # and the temp file of a save killed mid-way
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self._prune_empty_folders()

    def _prune_empty_folders(self) -> None:
        if self.path is None or self.root is None:
            return
        root = self.root.resolve()
        folder = self.path.parent.resolve()
        while folder == root or root in folder.parents:
            try:
                folder.rmdir()  # only succeeds when empty (another job's checkpoint keeps it)
            except OSError:
                break
            if folder == root:
                break
            folder = folder.parent


def disabled() -> Checkpoint:
    return Checkpoint(None)
