"""Where a report's numbers come from: commit, config hash, package versions, CPU."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the checkout: src/implreg/report/provenance.py


def imported_distributions(folders=None) -> list[str]:
    """Every installed distribution the pipeline's code imports (src/implreg and scripts/, read with ast), with
    the distributions those require directly (e.g. numba's llvmlite), and snakemake, which runs the jobs.
    Derived from the code, so a new import shows up without editing a list."""
    import ast
    import sys

    folders = folders or [ROOT / "src" / "implreg", ROOT / "scripts"]
    tops = set()
    for folder in folders:
        for path in Path(folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    tops |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    tops.add(node.module.split(".")[0])
    tops -= set(sys.stdlib_module_names) | {"implreg", "snakemake"}
    by_module = metadata.packages_distributions()
    dists = {d for t in tops for d in by_module.get(t, [])} | {"snakemake"}
    for d in list(dists):
        for req in metadata.requires(d) or []:
            if "extra ==" not in req:
                name = req.split(";")[0].split("[")[0].split("(")[0]
                name = name.split("<")[0].split(">")[0].split("=")[0].split("!")[0].split("~")[0].strip()
                if name and d != "snakemake":
                    dists.add(name)
    canonical = {}
    for d in dists:  # one entry per project, whatever the spelling (Jinja2, jinja2; PyYAML)
        canonical.setdefault(d.lower().replace("_", "-"), d)
    return sorted(canonical.values(), key=str.lower)


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


def package_versions(names=None) -> dict:
    out = {}
    for name in names if names is not None else imported_distributions():
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


def provenance(preset: str, cfg_hash: str, repo: str | Path | None = None) -> dict:
    """Provenance of a run (``cfg_hash``: `config_hash` of its result settings); `repo` defaults to the checkout
    this library is imported from (the workflow's)."""
    return {
        "commit": git_commit(repo or ROOT),
        "config_hash": cfg_hash,
        "preset": preset,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "packages": package_versions(),
    }
