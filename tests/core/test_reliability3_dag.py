"""Issue 27 through the snakemake CLI: results do not depend on Snakemake's thread count (1); a preset never
overwrites another's outputs nor takes them as current (4); sizes the machine cannot hold stop before any job (6)."""

import pytest
from dagutil import snakemake

LOC = "results/htf/locality/pathfinder/s3/lam0/seed0/metrics.json"


@pytest.mark.dag
def test_thread_count_changes_no_result(tmp_path):
    """Item 1: --set-threads and --cores schedule only; compute_threads is a result setting (reruns, recorded)."""
    smoke = ("--config", "preset=smoke")
    snakemake(tmp_path, LOC, "--cores", "2", *smoke)
    first = (tmp_path / LOC).read_bytes()
    for cores in ("2", "1"):  # Snakemake scales the 2 threads down to 1 under --cores 1
        snakemake(tmp_path, LOC, "--cores", cores, "--forcerun", "train_locality", "--set-threads",
                  "train_locality=2", *smoke)  # fmt: skip
        assert (tmp_path / LOC).read_bytes() == first, f"--set-threads train_locality=2 --cores {cores}"
    dry = snakemake(tmp_path, LOC, "-n", *smoke, "compute_threads=2")
    assert "rule train_locality:" in dry.stdout and "Params have changed" in dry.stdout, dry.stdout[-2000:]
    runs = []
    for cores in ("2", "1"):
        snakemake(tmp_path, LOC, "--cores", cores, "--forcerun", "train_locality", *smoke, "compute_threads=2")
        runs.append((tmp_path / LOC).read_bytes())
    assert runs[0] == runs[1], "compute_threads=2 under --cores 2 and --cores 1"
    assert b'"threads": 2' in runs[0] and b'"threads": 1' in first


def _snapshot(workdir) -> dict[str, tuple[bytes, int]]:
    """Every output file under results/ and figures/: bytes and modification time."""
    out = {}
    for top in ("results", "figures"):
        for path in sorted((workdir / top).rglob("*")):
            if path.is_file():
                out[str(path.relative_to(workdir))] = (path.read_bytes(), path.stat().st_mtime_ns)
    return out


TC_DEFAULT = ("results/norms/tc/rank1_order3/target.npz", "results/norms/tc/rank1_order3/linear.csv")
TC_FIGURE = "figures/norms/tc_rank1_order3.pdf"


@pytest.mark.dag
def test_a_smoke_run_never_changes_a_default_file(tmp_path):
    """Item 4: a smoke run in a folder holding a default build stops before any job, naming both presets and
    the fix; with Snakemake's metadata gone too."""
    import shutil

    snakemake(tmp_path, *TC_DEFAULT, "--cores", "1", "--config", "preset=default")
    assert (tmp_path / "results/.preset").read_text().strip() == "default"
    before = _snapshot(tmp_path)
    for metadata in ("kept", "removed"):
        if metadata == "removed":
            shutil.rmtree(tmp_path / ".snakemake")
        for extra in ((), ("--forceall",)):
            proc = snakemake(tmp_path, TC_FIGURE, "--cores", "1", *extra, "--config", "preset=smoke", check=False)
            text = proc.stdout + proc.stderr
            assert proc.returncode != 0, text[-2000:]
            assert "holds the outputs of preset 'default' (results/.preset)" in text and "--directory" in text
            assert _snapshot(tmp_path) == before, f"a smoke run changed a default file ({metadata} metadata)"
    # the default preset itself still works in its folder; the pre-flight (its own folder) runs anywhere
    snakemake(tmp_path, TC_FIGURE, "-n", "--config", "preset=default")
    snakemake(tmp_path, "-n", "--config", "preset=smoke", "preflight=true")


@pytest.mark.dag
def test_another_presets_file_never_passes_as_current(tmp_path):
    """Item 4: after `rm -rf .snakemake`, a default run in a smoke-built folder used to answer "Nothing to be
    done" while the claims file said smoke; a folder built before the marker is recognised by its claims files."""
    import shutil

    target = "figures/norms/dmf_unobserved_entry_depth2.claims.json"
    snakemake(tmp_path, target, "--cores", "2", "--config", "preset=smoke")
    shutil.rmtree(tmp_path / ".snakemake")
    for marker in ("kept", "removed (a build from before the marker)"):
        if marker != "kept":
            (tmp_path / "results/.preset").unlink()
        proc = snakemake(tmp_path, target, "-n", "--config", "preset=default", check=False)
        text = proc.stdout + proc.stderr
        assert proc.returncode != 0 and "Nothing to be done" not in text, f"marker {marker}: {text[-2000:]}"
        source = "results/.preset" if marker == "kept" else target
        assert f"holds the outputs of preset 'smoke' ({source})" in text, text[-2000:]


TOO_BIG = {  # the issue's sizes: each job used to fail hours in, allocating 16 GB with "Otherwise this is a bug"
    "htf.dynamics.cp": {"htf": {"dynamics": {"cp": {"order": 8, "dim": 1000}}}},
    "tf.dynamics.shape": {"tf": {"dynamics": {"shape": [100] * 8}}},
    "htf.dynamics.ht": {
        "htf": {
            "dynamics": {
                "ht": {"order": 8, "widths": [4096] * 3, "target_ranks": [3] * 3},
                "matricizations": [[1, 2, 3, 4], [1, 2]],
            }
        }
    },
    # norms TC: 200 runs of a 32^4 completion at once (58 GB); locality: a batch or a data set too large
    "norms.tc.experiments.0": {
        "norms": {
            "tc": {
                "instance": "seeded",
                "repetitions": 100,
                "experiments": [
                    {
                        **{"name": "rank3_order4", "order": 4, "dim": 32, "target_rank": 3, "target_seed": 1},
                        **{"num_observations": [1000, 2000], "claim_rank_from": 1000, "claim_error_from": 1000},
                        **{"claim_error_factor": 10, "claim_init_ordering": False},
                    }
                ],
            }
        }
    },
    "htf.locality.train.batch_size (or model.width, the inputs' size)": {
        "htf": {"locality": {"train": {"batch_size": 20000}}}
    },
    "htf.locality.pathfinder.n_train / n_test": {
        "htf": {"locality": {"pathfinder": {"geometry": "paper", "n_train": 100000, "n_test": 100000}}}
    },
}


@pytest.mark.dag
@pytest.mark.parametrize("key", list(TOO_BIG))
def test_sizes_the_machine_cannot_hold_stop_before_any_job(tmp_path, key):
    """Item 6: a lower bound of the job's memory, from the shapes, against its rule's mem_mb, at parse time."""
    import yaml

    configfile = tmp_path / "big.yaml"
    configfile.write_text(yaml.safe_dump(TOO_BIG[key]))
    proc = snakemake(tmp_path, "-n", "--configfile", str(configfile), check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"{key} (" in text and "needs at least" in text and "mem_mb" in text, text[-2000:]
    assert f"Make {key} smaller" in text
    assert not (tmp_path / "results").exists()


@pytest.mark.dag
def test_the_memory_check_reads_set_resources(tmp_path):
    proc = snakemake(tmp_path, "-n", "--set-resources", "train_htf_dynamics:mem_mb=5", check=False)
    assert proc.returncode != 0 and "than the 5 MB the rule requests" in proc.stdout + proc.stderr


@pytest.mark.dag
def test_the_advice_for_a_damaged_short_csv_rebuilds_it_and_the_figure(tmp_path):
    """Item 7: text in a short CSV is named with its file (no raw ValueError), and the advice works also where a
    plain rerun after deleting the file answers "Nothing to be done" (the figure made from it exists)."""
    smoke = ("--cores", "2", "--config", "preset=smoke")
    linear = "results/norms/tc/rank1_order3/linear.csv"
    snakemake(tmp_path, TC_FIGURE, *smoke)
    path = tmp_path / linear
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1], *(ln.rsplit(",", 2)[0] + ",abc,1" for ln in lines[2:])]) + "\n")
    proc = snakemake(tmp_path, TC_FIGURE, *smoke, check=False)
    log = (tmp_path / "logs/plot_tc/rank1_order3.log").read_text()
    assert proc.returncode != 0 and "'abc' in the numeric column 'error'" in log, log[-2000:]
    assert "ValueError" not in log and f"snakemake {linear} <your targets>" in log
    path.unlink()
    snakemake(tmp_path, linear, TC_FIGURE, *smoke)  # the advice, word for word
    assert (tmp_path / TC_FIGURE).is_file()
    path.unlink()  # the figure exists now: a plain rerun keeps it, the advice rebuilds both
    assert "Nothing to be done" in snakemake(tmp_path, TC_FIGURE, "-n", *smoke[2:]).stdout
    dry = snakemake(tmp_path, linear, TC_FIGURE, "-n", *smoke[2:]).stdout
    assert "rule measure_tc_linear:" in dry and "rule plot_tc:" in dry
