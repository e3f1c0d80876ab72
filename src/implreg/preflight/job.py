"""One pre-flight probe, whatever the rule: the real job's params and the params of the jobs that make its
inputs go to the rule's probe function (its paper's table, :class:`implreg.preflight.probes.Probe`), which runs a few steps
of the job's own training function at its full size; the answer becomes a probe record
(:func:`implreg.preflight.clock.finish`)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from implreg.device import resolve_device
from implreg.preflight.clock import finish


@dataclass
class ProbeJob:
    """What a probe function gets: the job it stands for, and how long and on what to run."""

    rule: str
    params: SimpleNamespace  # the real job's params (compute_threads = the probe's threads)
    sources: dict[str, dict]  # input name -> params of the job that makes that input (no file is made)
    steps: int
    threads: int  # the threads it computes with
    cores: int  # the threads Snakemake scheduled it on (worker processes)
    device: Any = "cpu"
    note: str = ""  # what data the probe ran on; a probe function may set it


def job_device(params: dict) -> str:
    """The job's device: its `device` param, or its `train` dict's (cpu for jobs that have neither)."""
    train = params.get("train")
    return params.get("device") or (train.get("device") if isinstance(train, dict) else None) or "cpu"


def run_probe(function: str, rule: str, params: dict, sources: dict, steps: int, threads: int, cores: int) -> dict:
    """Call the probe `function` (dotted path) on the job and return its probe record."""
    module, _, name = function.rpartition(".")
    probe = getattr(importlib.import_module(module), name)
    device = resolve_device(job_device(params))
    job = ProbeJob(rule, SimpleNamespace(**params), sources, int(steps), int(threads), int(cores), device)
    fields = probe(job)
    return finish(fields, rule, job.device, job.threads, job.note)
