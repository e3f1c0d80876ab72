"""Glue for scripts/: the same script runs under Snakemake's `script:` or from the shell.

Under Snakemake the global `snakemake` object supplies inputs, outputs, params, threads and log.
From the shell:  python scripts/x.py --input history=a.npz --output csv=b.csv --params '{"depth": 3}'
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

# Parameters a job may receive without listing them: `checkpoint` = {"dir": ..., "every_s": ...}.
OPTIONAL_PARAMS = ("checkpoint",)


@dataclass
class JobIO:
    input: SimpleNamespace
    output: SimpleNamespace
    params: SimpleNamespace
    threads: int = 1
    log: str | None = None
    wildcards: dict = field(default_factory=dict)

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
        job = {k: v for k, v in vars(self.params).items() if k not in OPTIONAL_PARAMS}
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
        return JobIO(
            # An input a rule does not declare (e.g. optional by config) is simply absent.
            input=SimpleNamespace(**{k: smk.input[k] for k in inputs if k in smk.input.keys()}),
            output=SimpleNamespace(**{k: smk.output[k] for k in outputs}),
            params=SimpleNamespace(
                **{k: smk.params[k] for k in params},
                **{k: smk.params[k] for k in OPTIONAL_PARAMS if k in smk.params.keys()},
            ),
            threads=int(smk.threads),
            log=smk.log[0] if len(smk.log) else None,
            wildcards=dict(smk.wildcards.items()),
        )
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_epilog(inputs, outputs, params)
    )
    parser.add_argument("--input", nargs="*", default=[], metavar="NAME=PATH")
    parser.add_argument("--output", nargs="*", default=[], metavar="NAME=PATH")
    parser.add_argument("--params", default="{}", help="JSON object of parameters")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    p = json.loads(args.params)
    missing = [k for k in params if k not in p]
    if missing:
        parser.error(f"--params is missing {missing}")
    return JobIO(_pairs(args.input, "input"), _pairs(args.output, "output"), SimpleNamespace(**p), args.threads)


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
        "edited or damaged (a full disk, an interrupted copy), delete it and rerun snakemake to rebuild it. "
        "Otherwise this is a bug: please report it with this log."
    )


def run(main, io: JobIO) -> None:
    """Run main(io); a ReproError becomes a clean one-paragraph message and exit status 1."""
    import torch

    torch.set_num_threads(max(1, io.threads))
    try:
        with log_to(io.log):
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
