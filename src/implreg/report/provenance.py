"""Where a report's numbers come from: commit, config hash, package versions, CPU."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("torch", "numpy", "numba", "matplotlib", "snakemake", "jinja2", "pandas", "seaborn", "jsonschema")


def config_hash(cfg: dict) -> str:
    """sha256 (first 16 hex digits) of the resolved config as canonical JSON."""
    text = json.dumps(cfg, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def git_commit(repo: str | Path) -> str:
    """HEAD of the repository holding the workflow, with '+ local changes' if its tracked files differ."""
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return head + (" + local changes" if dirty else "")


def package_versions(names=PACKAGES) -> dict:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def cpu_model() -> str:
    """The CPU's model name, its widest vector extension (AVX-512 or AVX2 kernels round differently), its cores."""
    model, flags = None, set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model is None:
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    vec = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (model or platform.processor() or "unknown CPU") + (f", {vec}" if vec else "") + f", {cores} cores"


def provenance(cfg: dict, repo: str | Path | None = None) -> dict:
    """Provenance of a run; `repo` defaults to the checkout this library is imported from (the workflow's)."""
    return {
        "commit": git_commit(repo or Path(__file__).resolve().parents[3]),
        "config_hash": config_hash(cfg),
        "preset": cfg.get("preset", "?"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "packages": package_versions(),
    }
