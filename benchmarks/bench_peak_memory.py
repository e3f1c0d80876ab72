"""Peak memory (max RSS) of the default preset's largest jobs, measured by Snakemake's `benchmark:` directive.

Runs, in a scratch directory and at the default preset's sizes, the jobs that hold the most data:
the natural-data fit (all of MNIST, every (R, class) model of one variant), the order-4 tensor-completion
training and its CP-rank measurement, and the tf dynamics run (10^4 tensor, R = 1000). Step counts are cut
(memory does not grow with steps: histories are logged at chosen iterations only). Writes
benchmarks/out/peak_memory.json and exits 1 if any job exceeds the limit (default 4 GiB).
Usage: python benchmarks/bench_peak_memory.py [--data-dir ../shared/data] [--limit-mb 4096]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
TARGETS = [
    "results/tf/natural/mnist/original/metrics.json",
    "results/norms/tc/rank1_order4/init0.001/metrics.csv",
    "results/tf/dynamics/data0/history.npz",
]
# Cut step counts only: every size (data, models, tensors, ranks) stays the default preset's.
SHORT = {"norms": {"tc": {"max_steps": 300}}, "tf": {"dynamics": {"max_steps": 300}, "natural": {"epochs": 2}}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--limit-mb", type=float, default=4096.0)
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "out" / "peak_memory.json"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        overrides = {"preset": "default", "presets": {"default": SHORT}}
        overrides["tf"] = {"natural": {"data_dir": str(Path(args.data_dir).resolve()), "download": False}}
        (work / "override.yaml").write_text(yaml.safe_dump(overrides))
        cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work)]
        cmd += [*TARGETS, "--cores", "2", "--configfile", str(work / "override.yaml")]
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"snakemake failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        jobs = {}
        for tsv in sorted((work / "benchmarks" / "out").rglob("*.tsv")):
            with open(tsv) as fh:
                row = next(csv.DictReader(fh, delimiter="\t"))
            jobs[str(tsv.relative_to(work / "benchmarks" / "out").with_suffix(""))] = float(row["max_rss"])

    largest = max(jobs, key=jobs.get)
    report = {"limit_mb": args.limit_mb, "max_rss_mb": jobs, "largest_job": largest, "largest_mb": jobs[largest]}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    for name, mb in sorted(jobs.items(), key=lambda kv: -kv[1]):
        print(f"{mb:9.1f} MB  {name}")
    if jobs[largest] > args.limit_mb:
        sys.exit(f"{largest} peaked at {jobs[largest]:.0f} MB > {args.limit_mb:.0f} MB")
    print(f"largest: {largest} at {jobs[largest]:.0f} MB (limit {args.limit_mb:.0f} MB)")


if __name__ == "__main__":
    main()
