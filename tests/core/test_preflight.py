"""The pre-flight: step timing through the checkpoint hook, predictions and flags, and the smoke pre-flight of
the whole DAG through the CLI (with the paper-only code paths at reduced counts)."""

import csv
import re
import time
from pathlib import Path

import pytest

from implreg.errors import ConfigError
from implreg.preflight.clock import ProbeStop, StepClock, finish, peak_rss_mb
from implreg.preflight.table import flags, job_rows, predicted_seconds, summary_markdown, to_csv
from implreg.smk import _cli_booleans

FIXTURES = Path(__file__).parent / "fixtures"


def _loop(clock, steps, pause):
    """A training loop as the real ones are: one `due()` per step."""
    for _ in range(steps):
        time.sleep(pause)
        clock.due()


def test_step_clock_stops_the_loop_and_times_the_steps_after_the_first():
    clock = StepClock(4)
    clock.run(_loop, clock, 100, 0.02)
    t = clock.timing()
    assert t["steps_done"] == 4
    assert 0.015 < t["s_per_step"] < 0.2
    assert t["setup_s"] >= 0.02
    assert 0 <= t["cpu_s_per_step"] < t["s_per_step"]  # sleeping costs no CPU time


def test_step_clock_never_saves():
    clock = StepClock(3)
    assert clock.load() is None
    clock.save({"x": 1})  # a no-op: no path
    with pytest.raises(ProbeStop):
        for _ in range(3):
            clock.due()


def test_a_job_shorter_than_its_probe_is_an_error_naming_the_fix():
    clock = StepClock(5)
    with pytest.raises(ConfigError, match="lower the probe's step count"):
        clock.run(_loop, clock, 2, 0.0)


def test_a_probe_needs_two_steps():
    with pytest.raises(ConfigError, match="at least 2"):
        StepClock(1)


def _record(s_per_step=1.0, steps_full=600, peak=100.0, setup=5.0):
    return {
        "rule": "train_x",
        "unit": "step",
        "steps_done": 5,
        "s_per_step": s_per_step,
        "setup_s": setup,
        "steps_full": steps_full,
        "count_note": "cap",
        "peak_rss_mb": peak,
        "threads": 1,
    }


def _jobs(runtime, mem_mb=1000, probe="p.json"):
    return [
        {"rule": "train_x", "job": "a", "probe": probe, "request": {"threads": 1, "mem_mb": mem_mb, "runtime": runtime}}
    ]


def test_prediction_is_setup_plus_steps_plus_extra():
    rec = _record(s_per_step=0.5, steps_full=100, setup=2.0) | {"extra_s": 3.0}
    assert predicted_seconds(rec) == pytest.approx(2.0 + 50.0 + 3.0)


def test_a_too_small_runtime_request_is_flagged():
    rec = {"p.json": _record(s_per_step=1.0, steps_full=600)}  # 605 s ~ 10.1 min
    assert "runtime" in job_rows(_jobs(runtime=10), rec, 1e6)[0]["flags"]
    assert job_rows(_jobs(runtime=11), rec, 1e6)[0]["flags"] == ""


def test_the_prediction_uses_cpu_time_over_threads_when_recorded():
    rec = _record(s_per_step=1.0, steps_full=600, setup=5.0) | {"setup_cpu_s": 2.0, "cpu_s_per_step": 0.5, "threads": 2}
    row = job_rows(_jobs(runtime=10), {"p.json": rec}, 1e6)[0]
    assert row["predicted_min"] == pytest.approx((2.0 + 300.0) / 2 / 60)
    assert row["predicted_cpu_h"] == pytest.approx(302.0 / 3600)
    assert row["predicted_wall_min"] == pytest.approx(605.0 / 60) and row["flags"] == ""


def test_memory_beyond_the_request_or_the_machine_is_flagged():
    assert flags(60, 2000, {"runtime": 10, "mem_mb": 1000}, machine_mb=1500) == ["mem_mb", "machine memory"]
    assert flags(60, 900, {"runtime": 10, "mem_mb": 1000}, machine_mb=1500) == []


def test_a_job_naming_an_unmeasured_probe_is_an_error():
    with pytest.raises(ConfigError, match="not measured"):
        job_rows(_jobs(runtime=10, probe="missing.json"), {}, 1e6)


def test_an_incomplete_record_names_what_it_lacks():
    rec = _record()
    del rec["steps_full"]
    with pytest.raises(ConfigError, match="steps_full"):
        predicted_seconds(rec)


def test_tables_hold_every_job():
    rec = {"p.json": _record()}
    jobs = [
        *_jobs(runtime=10),
        {
            "rule": "plot_x",
            "job": "b",
            "probe": None,
            "request": {"threads": 1, "mem_mb": 1, "runtime": 1},
            "note": "n",
        },
    ]
    rows = job_rows(jobs, rec, 1e6)
    assert len(list(csv.DictReader(to_csv(rows).splitlines()))) == 2
    md = summary_markdown(rows, "# t")
    assert "`train_x`" in md and "`plot_x`" in md and "not probed: n" in md
    by_rule = md.split("## By rule", 1)[1].split("## By probe", 1)[0]
    assert "| `train_x` | 1 | 10.1 min |" in by_rule and "| 1 (runtime) |" in by_rule


def test_each_target_gets_its_jobs_cost_and_a_floor_on_its_wall_time():
    """Issue 30: the robustness targets' cost beside the figures'. 605 s per probed job at 1 thread."""
    rec = {"p.json": _record(s_per_step=1.0, steps_full=600, setup=5.0)}
    jobs = [
        {**_jobs(runtime=60)[0], "target": "figures"},
        *({**_jobs(runtime=60)[0], "job": f"r{i}", "target": "tf robustness"} for i in range(4)),
        {"rule": "plot_x", "job": "b", "probe": None, "target": "figures", "request": _jobs(1)[0]["request"]},
    ]
    md = summary_markdown(job_rows(jobs, rec, 1e6), "# t", cores=2)
    by_target = md.split("## By target", 1)[1].split("## By rule", 1)[0]
    assert "| figures | 2 | 1 | 10.1 min | 0.17 | 10.1 min |" in by_target  # one job: its own time
    assert "| tf robustness | 4 | 4 | 10.1 min | 0.67 | 20.2 min |" in by_target  # 4 jobs on 2 cores
    assert "predicted wall on 2 cores" in by_target


def test_finish_adds_peak_memory():
    rec = finish({"unit": "step"}, "train_x", "cpu", 1)
    assert rec["peak_rss_mb"] >= 1.0 and rec["cuda_peak_mb"] is None
    assert peak_rss_mb() >= rec["peak_rss_mb"]


def test_lowercase_true_on_the_command_line_is_a_boolean():
    assert _cli_booleans({"preflight": "true"})["preflight"] is True
    assert _cli_booleans({"preflight": "False"})["preflight"] is False
    assert _cli_booleans({"preflight": "maybe"})["preflight"] == "maybe"  # the schema then names the problem
    # Every top-level boolean of the schema takes YAML's words, in any case (issue 28: claims_must_pass=false).
    assert _cli_booleans({"claims_must_pass": "false"})["claims_must_pass"] is False
    assert _cli_booleans({"claims_must_pass": "No", "preflight": "on"}) == {
        "claims_must_pass": False,
        "preflight": True,
    }


# ------------------------------------------------------------------------------------------- the whole DAG


def _job_counts(dry_run_stdout: str) -> dict[str, int]:
    """Per-rule job counts from `snakemake -n`'s first "Job stats" table."""
    block = dry_run_stdout.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", block, re.M)}


@pytest.fixture(scope="module")
def smoke_preflight(tmp_path_factory):
    from dagutil import snakemake

    workdir = tmp_path_factory.mktemp("preflight")
    args = ["--config", "preset=smoke", "preflight=true", "--configfile", str(FIXTURES / "preflight_paper_paths.yaml")]
    snakemake(workdir, "--cores", "2", *args)
    return workdir, args


def _rows(workdir):
    with open(workdir / "results/preflight/smoke/table.csv") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.dag
def test_preflight_table_lists_every_job_of_the_dag(smoke_preflight):
    from dagutil import snakemake

    workdir, args = smoke_preflight
    # the figures' DAG and the robustness targets (on at smoke; sized even where `all` leaves them out)
    real = [a for a in args if a != "preflight=true"]
    dag = _job_counts(snakemake(workdir, "-n", "--forceall", "all", "robustness", *real).stdout)
    dag.pop("all"), dag.pop("robustness")
    rows = _rows(workdir)
    table: dict[str, int] = {}
    for r in rows:
        table[r["rule"]] = table.get(r["rule"], 0) + 1
    assert table == dag
    # each robustness training job is probed and counted under its own paper's target, never under the figures
    by_target = {r["target"] for r in rows if r["rule"].endswith("_robustness") and r["rule"].startswith("train_")}
    assert by_target == {"norms robustness", "tf robustness", "htf robustness"}
    assert all(r["probe"] for r in rows if r["rule"].startswith("train_"))
    md = (workdir / "results/preflight/smoke/table.md").read_text()
    assert "| tf robustness |" in md.split("## By target", 1)[1].split("## By rule", 1)[0]


@pytest.mark.dag
def test_preflight_makes_no_real_output(smoke_preflight):
    workdir, _ = smoke_preflight
    assert not (workdir / "figures").exists()
    assert {p.name for p in (workdir / "results").iterdir()} == {"preflight"}


@pytest.mark.dag
def test_preflight_runs_the_paper_only_code_paths(smoke_preflight):
    workdir, _ = smoke_preflight
    rows = [r for r in _rows(workdir) if r["rule"].startswith("train_locality")]
    assert {r["rule"] for r in rows} == {"train_locality", "train_locality_resnet34"}
    units = {r["unit"] for r in rows}
    assert any("resnet34 width 64" in u for u in units) and any("resnet18 width 64" in u for u in units)
    assert any("input [1, 150, 150]" in u for u in units) and any("input [3, 224, 224]" in u for u in units)
    assert any("IGC" in u for u in units)
    notes = " ".join(r["note"] for r in rows)
    assert "synthetic tensors of CIFAR-10 shape" in notes and "from a 300-px window" in notes
    for r in rows:
        assert float(r["s_per_step"]) > 0 and float(r["peak_rss_mb"]) > 0


@pytest.mark.dag
def test_a_too_small_runtime_request_is_flagged_in_the_table(smoke_preflight):
    from dagutil import snakemake

    workdir, args = smoke_preflight
    before = [r for r in _rows(workdir) if r["rule"] == "train_tc"]
    assert before and not any("runtime" in r["flags"] for r in before)
    snakemake(workdir, "--cores", "1", *args, "--set-resources", "train_tc:runtime=0")
    after = _rows(workdir)
    assert all("runtime" in r["flags"] for r in after if r["rule"] == "train_tc")
    assert not any("runtime" in r["flags"] for r in after if r["rule"] == "train_dmf")
