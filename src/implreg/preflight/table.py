"""The pre-flight table: one row per job of the DAG, its probe's measurements, the predicted runtime of the
full job on this machine, the job's request, and flags where the request or the machine is too small."""

from __future__ import annotations

import csv
import io
import math
import os

from implreg.errors import ConfigError

# A probe record (the JSON a probe job writes) must hold these.
RECORD_KEYS = ("rule", "unit", "steps_done", "s_per_step", "setup_s", "steps_full", "count_note", "peak_rss_mb")
COLUMNS = (
    "target",
    "rule",
    "job",
    "probe",
    "unit",
    "steps_done",
    "s_per_step",
    "cpu_s_per_step",
    "steps_full",
    "predicted_min",
    "predicted_wall_min",
    "predicted_cpu_h",
    "peak_rss_mb",
    "cuda_peak_mb",
    "probe_threads",
    "threads",
    "request_runtime_min",
    "request_mem_mb",
    "flags",
    "note",
)


def machine_memory_mb() -> float:
    """Physical memory of this machine in MB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e6


def predicted_seconds(record: dict) -> float:
    """Wall-clock: setup + s/step x the full job's step count + any extra time the probe measured (evaluations).
    On a machine other jobs share, this grows with their load."""
    missing = [k for k in RECORD_KEYS if k not in record]
    if missing:
        raise ConfigError(f"probe record of {record.get('rule', '?')} lacks {missing}; rerun its probe job.")
    return record["setup_s"] + record["s_per_step"] * record["steps_full"] + record.get("extra_s", 0.0)


def predicted_cpu_seconds(record: dict) -> float | None:
    """CPU time of the full job, from the probe's CPU time per step (None for a record without it)."""
    if "cpu_s_per_step" not in record:
        return None
    return record["setup_cpu_s"] + record["cpu_s_per_step"] * record["steps_full"] + record.get("extra_cpu_s", 0.0)


def predicted_runtime_seconds(record: dict) -> float:
    """The job's runtime on cores of its own: its CPU time over the probe's threads (assumes they scale), or the
    wall-clock prediction where the probe recorded no CPU time."""
    cpu = predicted_cpu_seconds(record)
    return predicted_seconds(record) if cpu is None else cpu / max(1, int(record.get("threads", 1)))


def flags(predicted_s: float | None, peak_mb: float | None, request: dict, machine_mb: float) -> list[str]:
    """What is too small for the job: its runtime or mem_mb request, or this machine's memory."""
    out = []
    if predicted_s is not None and predicted_s / 60 > request["runtime"]:
        out.append("runtime")
    if peak_mb is not None and peak_mb > request["mem_mb"]:
        out.append("mem_mb")
    if peak_mb is not None and peak_mb > machine_mb:
        out.append("machine memory")
    return out


def job_rows(jobs: list[dict], records: dict[str, dict], machine_mb: float) -> list[dict]:
    """One row per job. `jobs`: {rule, job, target (what it is built for), probe (a key of `records`, or None),
    request {threads, mem_mb, runtime}, note}; `records`: probe path -> probe record."""
    rows = []
    for job in jobs:
        req = job["request"]
        row = {c: "" for c in COLUMNS} | {
            "target": job.get("target", ""),
            "rule": job["rule"],
            "job": job["job"],
            "threads": req["threads"],
            "request_runtime_min": req["runtime"],
            "request_mem_mb": req["mem_mb"],
            "note": job.get("note", ""),
        }
        probe = job.get("probe")
        rec = records.get(probe) if probe else None
        if probe and rec is None:
            raise ConfigError(f"job {job['rule']} {job['job']} names probe {probe}, which was not measured.")
        pred = peak = None
        if rec is not None:
            pred = predicted_runtime_seconds(rec)
            cpu = predicted_cpu_seconds(rec)
            peak = rec["peak_rss_mb"]
            cuda = rec.get("cuda_peak_mb")
            row |= {
                "probe": probe,
                "unit": rec["unit"],
                "steps_done": rec["steps_done"],
                "s_per_step": rec["s_per_step"],
                "cpu_s_per_step": rec.get("cpu_s_per_step", ""),
                "steps_full": rec["steps_full"],
                "predicted_min": pred / 60,
                "predicted_wall_min": predicted_seconds(rec) / 60,
                "predicted_cpu_h": "" if cpu is None else cpu / 3600,
                "peak_rss_mb": peak,
                "probe_threads": rec.get("threads", ""),
                "cuda_peak_mb": "" if cuda is None else cuda,
                "note": "; ".join(x for x in (rec["count_note"], rec.get("data_note", ""), row["note"]) if x),
            }
        flag = flags(pred, peak, req, machine_mb) + job.get("flags", [])
        row["flags"] = ", ".join(flag)
        rows.append(row)
    return rows


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _fmt(r[k]) for k in COLUMNS})
    return buf.getvalue()


def _fmt(x) -> str:
    if isinstance(x, float):
        return f"{x:.4g}" if math.isfinite(x) else str(x)
    return str(x)


def _g(x) -> str:
    return "–" if x == "" else f"{x:.3g}"


def _cpu_h(row: dict) -> float:
    """CPU-hours of one job: measured CPU time, else the wall prediction times the probe's threads."""
    if row["predicted_cpu_h"] != "":
        return row["predicted_cpu_h"]
    return row["predicted_wall_min"] * (row["probe_threads"] or 1) / 60


def _hours(minutes) -> str:
    if minutes == "":
        return "–"
    return f"{minutes:.1f} min" if minutes < 90 else f"{minutes / 60:.1f} h"


def by_target_markdown(rows: list[dict], cores: int) -> str:
    """One line per target (the figures, each robustness target): its jobs, how many were probed, the slowest
    one's prediction and the CPU-hours of its probed jobs; what that target adds on this machine."""
    targets: dict[str, list[dict]] = {}
    for r in rows:
        targets.setdefault(r["target"] or "figures", []).append(r)
    lines = [
        f"| target | jobs | probed | slowest job, predicted | probed jobs, CPU-h | predicted wall on {cores} cores |",
        "|---|---|---|---|---|---|",
    ]
    for target, rs in targets.items():
        probed = [x for x in rs if x["probe"]]
        slow = max((x["predicted_min"] for x in probed), default="")
        cpu_h = sum(_cpu_h(x) for x in probed)
        # the work split evenly over the cores, but never below the slowest single job
        floor = max(cpu_h * 60 / cores, slow) if probed else ""
        lines.append(f"| {target} | {len(rs)} | {len(probed)} | {_hours(slow)} | {cpu_h:,.2f} | {_hours(floor)} |")
    return "\n".join(lines) + "\n"


def by_rule_markdown(rows: list[dict]) -> str:
    """One line per rule: jobs, the slowest job's prediction, the CPU-hours of all its jobs (prediction x the
    probe's threads), the largest peak memory, its request and how many jobs are flagged."""
    rules: dict[str, list[dict]] = {}
    for r in rows:
        rules.setdefault(r["rule"], []).append(r)
    lines = [
        "| rule | jobs | slowest job, predicted | all jobs, CPU-h | peak RSS (MB) | request: threads / mem_mb / "
        "runtime | flagged |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule, rs in rules.items():
        r0 = rs[0]
        req = f"{r0['threads']} / {r0['request_mem_mb']} / {_hours(r0['request_runtime_min'])}"
        bad = [r for r in rs if r["flags"]]
        why = sorted({f for r in bad for f in r["flags"].split(", ")})
        flagged = f"{len(bad)} ({', '.join(why)})" if bad else "0"
        if not rs[0]["probe"]:
            lines.append(f"| `{rule}` | {len(rs)} | not probed | | | {req} | {flagged} |")
            continue
        slow = max(x["predicted_min"] for x in rs)
        cpu_h = sum(_cpu_h(x) for x in rs)
        peak = max(x["peak_rss_mb"] for x in rs)
        lines.append(f"| `{rule}` | {len(rs)} | {_hours(slow)} | {cpu_h:,.1f} | {peak:,.0f} | {req} | {flagged} |")
    return "\n".join(lines) + "\n"


def summary_markdown(rows: list[dict], header: str, cores: int | None = None) -> str:
    """The table grouped by probe (jobs of one probe share its numbers): rule, jobs, measured s/step, predicted
    time per job and in all, peak memory, request, flags. Jobs without a probe: one line per rule. Before it, one
    line per target (`cores`: this machine's, by default)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["rule"], r["probe"] or "", r["flags"]), []).append(r)
    lines = [
        header,
        "",
        "## By target",
        "",
        "Robustness targets are sized whether or not `robustness` puts them in `all`; a job two targets share is "
        "counted under the first. Wall time = the probed work over the cores, or the slowest job if longer. Jobs "
        "that stop at a loss are predicted at their step cap: an upper bound, often far above what they take.",
        "",
        by_target_markdown(rows, cores or os.cpu_count() or 1),
        "## By rule",
        "",
        by_rule_markdown(rows),
        "## By probe",
        "",
        "| rule | jobs | probe (steps done × unit) | s/unit (wall; CPU) | units per job | predicted per job (wall "
        "under the load) | all jobs, CPU-h | peak RSS MB | request: threads / mem_mb / runtime | flags |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (rule, probe, flag), rs in groups.items():
        r = rs[0]
        req = f"{r['threads']} / {r['request_mem_mb']} / {_hours(r['request_runtime_min'])}"
        if not probe:
            lines.append(f"| `{rule}` | {len(rs)} | not probed: {r['note']} | | | | | | {req} | {flag} |")
            continue
        cpu_h = sum(_cpu_h(x) for x in rs)
        peak = f"{r['peak_rss_mb']:.0f}" + (f" (CUDA {r['cuda_peak_mb']:.0f})" if r["cuda_peak_mb"] != "" else "")
        lines.append(
            f"| `{rule}` | {len(rs)} | `{probe}` ({r['steps_done']} × {r['unit']}) | {r['s_per_step']:.3g}; "
            f"{_g(r['cpu_s_per_step'])} | {r['steps_full']:.4g} | {_hours(r['predicted_min'])} "
            f"({_hours(r['predicted_wall_min'])}) | {cpu_h:.2f} | {peak} | {req} | "
            f"{flag or 'ok'} |"
        )
    notes = sorted({(r["probe"], r["note"]) for r in rows if r["probe"]})
    lines += ["", "Notes per probe (what a unit is, how the full count is reached, which data):", ""]
    lines += [f"- `{p}`: {n}" for p, n in notes]
    return "\n".join(lines) + "\n"
