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
