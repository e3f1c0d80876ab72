"""Glue for scripts/: the same script runs under Snakemake's `script:` or from the shell.

Under Snakemake the global `snakemake` object supplies inputs, outputs, params, threads and log.
From the shell:  python scripts/x.py --input history=a.npz --output csv=b.csv --params '{"depth": 3}'

Threads: a job computes with ``params.compute_threads`` (a result setting: float rounding in torch's and BLAS's
reductions depends on the thread count), 1 without it, never with the count Snakemake schedules it on
(``--cores`` and ``--set-threads`` change that one, and it must not change a number). Snakemake's count is
``JobIO.cores``, for work whose results do not depend on it (worker processes).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from implreg.checkpoint import Checkpoint, fingerprint
from implreg.codehash import loaded_code
from implreg.errors import ReproError
from implreg.io import rebuild_hint

# Parameters a job may receive without listing them: `checkpoint` = {"dir": ..., "every_s": ...}; `compute_threads`
# (the threads torch and BLAS compute with: a result setting, so it is part of the checkpoint's fingerprint).
OPTIONAL_PARAMS = ("checkpoint", "compute_threads")


@dataclass
class JobIO:
    input: SimpleNamespace
    output: SimpleNamespace
    params: SimpleNamespace
    threads: int = 1  # the threads the job computes with (a result setting: params.compute_threads)
    log: str | None = None
    wildcards: dict = field(default_factory=dict)
    cores: int = 1  # the threads Snakemake scheduled the job on (--cores/--set-threads): never shapes a number

    def checkpoint(self) -> Checkpoint:
        """This job's checkpoint: ``<dir>/<first output>.ckpt.pt``, fingerprinted by params, inputs and code.

        Under Snakemake the interval and folder come from the environment (IMPLREG_CHECKPOINT_EVERY_S, set
        from `checkpoint_every_s` by the workflow), not from ``params:``: they cannot change results, so
        changing them must not rerun the job. A standalone run may pass a ``checkpoint`` parameter instead;
        without either (or with an interval of 0) checkpoints are off.
        """
        spec = getattr(self.params, "checkpoint", None) or checkpoint_spec_from_env()
        if not spec or float(spec.get("every_s", 0)) <= 0:
            return Checkpoint(None)
        first_output = Path(next(iter(vars(self.output).values())))
        rel = first_output.relative_to(first_output.anchor) if first_output.is_absolute() else first_output
        job = {k: v for k, v in vars(self.params).items() if k != "checkpoint"}
        inputs = [p for v in vars(self.input).values() for p in paths(v)]
        # The code too: a checkpoint written by other code (the script or any library module it loaded) is not
        # resumed; the job starts over.
        job["__code__"] = loaded_code()
        return Checkpoint(
            Path(spec["dir"]) / f"{rel}.ckpt.pt", fingerprint(job, inputs), float(spec["every_s"]), root=spec["dir"]
        )


def checkpoint_spec_from_env() -> dict | None:
    """{"dir", "every_s"} from IMPLREG_CHECKPOINT_DIR / IMPLREG_CHECKPOINT_EVERY_S, or None when unset."""
    every = os.environ.get("IMPLREG_CHECKPOINT_EVERY_S")
    if every is None:
        return None
    try:
        every_s = float(every)
    except ValueError:
        raise ReproError(f"IMPLREG_CHECKPOINT_EVERY_S = {every!r} is not a number of seconds") from None
    return {"dir": os.environ.get("IMPLREG_CHECKPOINT_DIR", "results/checkpoints"), "every_s": every_s}


def _pairs(items: list[str], what: str) -> SimpleNamespace:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"--{what} expects name=path, got {item!r}")
        k, v = item.split("=", 1)
        out[k] = v
    return SimpleNamespace(**out)


def job_io(doc: str, inputs: dict[str, str], outputs: dict[str, str], params: dict[str, str]) -> JobIO:
    """Return the job's inputs/outputs/params from Snakemake if present, else parse the command line."""
    smk = sys.modules["__main__"].__dict__.get("snakemake")
    if smk is not None:
        compute = smk.params["compute_threads"] if "compute_threads" in smk.params.keys() else 1
        return JobIO(
            # An input a rule does not declare (e.g. optional by config) is simply absent.
            input=SimpleNamespace(**{k: smk.input[k] for k in inputs if k in smk.input.keys()}),
            output=SimpleNamespace(**{k: smk.output[k] for k in outputs}),
            params=SimpleNamespace(
                **{k: smk.params[k] for k in params},
                **{k: smk.params[k] for k in OPTIONAL_PARAMS if k in smk.params.keys()},
            ),
            threads=int(compute),
            log=smk.log[0] if len(smk.log) else None,
            wildcards=dict(smk.wildcards.items()),
            cores=int(smk.threads),
        )
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_epilog(inputs, outputs, params)
    )
    parser.add_argument("--input", nargs="*", default=[], metavar="NAME=PATH")
    parser.add_argument("--output", nargs="*", default=[], metavar="NAME=PATH")
    parser.add_argument("--params", default="{}", help="JSON object of parameters")
    parser.add_argument("--threads", type=int, default=None, help="compute threads (default: compute_threads or 1)")
    args = parser.parse_args()
    p = json.loads(args.params)
    missing = [k for k in params if k not in p]
    if missing:
        parser.error(f"--params is missing {missing}")
    threads = args.threads if args.threads is not None else int(p.get("compute_threads", 1))
    return JobIO(
        _pairs(args.input, "input"), _pairs(args.output, "output"), SimpleNamespace(**p), threads, cores=threads
    )


def paths(value) -> list[str]:
    """A named input holding several files: a Snakemake list, or comma-separated on the command line."""
    return value.split(",") if isinstance(value, str) else [str(v) for v in value]


def _epilog(inputs, outputs, params) -> str:
    lines = ["inputs:"] + [f"  {k}: {v}" for k, v in inputs.items()]
    lines += ["outputs:"] + [f"  {k}: {v}" for k, v in outputs.items()]
    lines += ["params (JSON keys):"] + [f"  {k}: {v}" for k, v in params.items()]
    lines += ['  checkpoint (optional): {"dir": DIR, "every_s": SECONDS} to make a training job resumable']
    return "\n".join(lines)


@contextlib.contextmanager
def log_to(path: str | None):
    """Send stderr (progress lines, warnings) to the job's log file."""
    if not path:
        yield
        return
    with open(path, "a") as fh, contextlib.redirect_stderr(fh):
        yield


def _unexpected(exc: Exception, io: JobIO) -> str:
    """A last line under an unexpected traceback: the job's input files, and what to do if one is damaged."""
    inputs = [p for v in vars(io.input).values() for p in paths(v)]
    return (
        f"ERROR: {type(exc).__name__}: {exc}. This job read {inputs or 'no input files'}; if one of them was "
        f"edited or damaged (a full disk, an interrupted copy), {rebuild_hint('<that file>')}. "
        "Otherwise this is a bug: please report it with this log."
    )


def fix_threads(n: int) -> None:
    """Compute with `n` threads in torch and in every BLAS / OpenMP library, loaded now or later.

    Snakemake exports OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, ... = the job's *scheduled* threads; those would make
    numpy's and scipy's BLAS reduce in another order under `--cores 1` than under `--cores 2` (measured: a dot
    product of 2e6 entries and a 400 x 3000 x 300 matmul change bits). Libraries already loaded are limited
    through threadpoolctl, later ones read the variables.
    """
    import torch
    from threadpoolctl import threadpool_limits

    n = max(1, int(n))
    for var in THREAD_ENV_VARS:
        os.environ[var] = str(n)
    torch.set_num_threads(n)
    threadpool_limits(limits=n)


THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def run(main, io: JobIO) -> None:
    """Run main(io); a ReproError becomes a clean one-paragraph message and exit status 1."""
    fix_threads(io.threads)
    try:
        with log_to(io.log):
            if io.cores != io.threads:
                print(
                    f"note: this job computes with {io.threads} thread(s) (compute_threads, a result setting); "
                    f"Snakemake scheduled it on {io.cores} (--cores / --set-threads schedule, they change no number)",
                    file=sys.stderr,
                )
            try:
                main(io)
            except Exception as exc:
                if not isinstance(exc, ReproError):
                    traceback.print_exc()  # into the job log too, not only the console
                    print(_unexpected(exc, io), file=sys.stderr)
                raise
    except ReproError as exc:
        msg = f"ERROR: {exc}"
        print(msg, file=sys.stderr)
        if io.log:
            with open(io.log, "a") as fh:
                print(msg, file=fh)
        raise SystemExit(1) from None
