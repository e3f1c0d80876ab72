"""A result depends on its code (issue 27, items 2 and 3): a library edit reruns exactly the jobs whose scripts
import it, and a checkpoint is resumed only by the same code."""

import shutil
from types import SimpleNamespace

import pytest
from dagutil import REPO, snakemake_env

from implreg import cli, codehash
from implreg.codehash import lib_code, module_closure


def test_a_training_script_does_not_import_the_claims_and_a_plot_script_does():
    train = module_closure(str(REPO / "scripts/tf/train_tf_dynamics.py"))
    plot = module_closure(str(REPO / "scripts/tf/plot_tf_dynamics.py"))
    assert "implreg/tf/dynamics.py" in train and "implreg/engine.py" in train
    assert "implreg/tf/dynamics_claims.py" not in train and "implreg/tf/dynamics_claims.py" in plot
    assert "implreg/tf/paper_values.yaml" in plot  # data the claims read count as their code
    assert not any("norms/" in f or "htf/" in f for f in plot)  # no other paper's wing


def test_lib_code_changes_with_the_code_it_covers(tmp_path, monkeypatch):
    src = tmp_path / "src"
    shutil.copytree(REPO / "src" / "implreg", src / "implreg")
    monkeypatch.setattr(codehash, "SRC", src)
    script = str(REPO / "scripts/norms/train_dmf.py")
    for fn in (lib_code, module_closure):
        fn.cache_clear()
    before = lib_code(script)
    (src / "implreg/norms/dmf_claims.py").write_text("# edited\n", encoding="utf-8")  # not imported by training
    lib_code.cache_clear()
    assert lib_code(script) == before
    engine = src / "implreg/engine.py"
    text = engine.read_text()
    # a comment and a reworded docstring cannot change a result: no rerun
    engine.write_text(text.replace('"""', '"""Reworded. ', 1) + "\n# edited\n")
    codehash._code_bytes.cache_clear()
    lib_code.cache_clear()
    assert lib_code(script) == before
    engine.write_text(text + "\nEDITED = 1\n")  # code: the training reruns
    codehash._code_bytes.cache_clear()
    lib_code.cache_clear()
    assert lib_code(script) != before
    lib_code.cache_clear()
    module_closure.cache_clear()
    codehash._code_bytes.cache_clear()


def test_a_checkpoint_is_fingerprinted_by_the_code(tmp_path, monkeypatch):
    io = cli.JobIO(
        input=SimpleNamespace(),
        output=SimpleNamespace(out=str(tmp_path / "x.npz")),
        params=SimpleNamespace(a=1, checkpoint={"dir": str(tmp_path / "ck"), "every_s": 60}),
    )
    monkeypatch.setattr(cli, "loaded_code", lambda: "code-A")
    first = io.checkpoint().fingerprint
    monkeypatch.setattr(cli, "loaded_code", lambda: "code-B")
    assert io.checkpoint().fingerprint != first


def _copy_repo(dst):
    for name in ("Snakefile", "config.yaml", "workflow", "scripts", "src", "profiles", "docs", "envs"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, dst / name)


@pytest.mark.dag
def test_a_library_edit_reruns_exactly_the_jobs_that_run_it(tmp_path):
    import subprocess
    import sys

    repo = tmp_path / "repo"
    repo.mkdir()
    _copy_repo(repo)
    env = {**snakemake_env(), "PYTHONPATH": str(repo / "src")}
    target = "figures/norms/dmf_unobserved_entry_depth3.pdf"

    def smk(*args):
        cmd = [sys.executable, "-m", "snakemake", "-s", str(repo / "Snakefile"), "--directory", str(tmp_path / "w"),
               target, "--config", "preset=smoke", *args]  # fmt: skip
        return subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)

    assert smk("--cores", "1").returncode == 0

    def planned():
        out = smk("-n", "--quiet", "rules")
        rows = [ln.split() for ln in out.stdout.splitlines()]
        return {r[0] for r in rows if len(r) == 2 and r[1].isdigit() and r[0] not in ("job", "total")}

    assert planned() == set()
    with (repo / "src/implreg/norms/dmf.py").open("a") as fh:
        fh.write("\n# a comment cannot change a result\n")
    assert planned() == set()
    with (repo / "scripts/norms/plot_dmf_entry.py").open("a") as fh:
        fh.write("\n# a comment in a script neither\n")
    assert planned() == set()
    with (repo / "scripts/norms/plot_dmf_entry.py").open("a") as fh:
        fh.write("\nSCRIPT_EDIT = 1\n")  # Snakemake records no code for script: rules (#2192); lib_code does
    assert planned() == {"plot_dmf_entry"}
    with (repo / "src/implreg/norms/dmf_claims.py").open("a") as fh:
        fh.write("\nCLAIMS_EDIT = 1\n")
    assert planned() == {"plot_dmf_entry"}
    with (repo / "src/implreg/norms/dmf.py").open("a") as fh:
        fh.write("\nENGINE_EDIT = 1\n")
    assert {"train_dmf", "measure_dmf", "solve_dmf_flow", "plot_dmf_entry"} <= planned()


def test_running_from_inside_the_repository_is_refused(tmp_path):
    """Issue 27, item 9: `cd figures && snakemake -s ../Snakefile` would plan every output under figures/figures/."""
    import subprocess
    import sys

    repo = tmp_path / "repo"
    repo.mkdir()
    _copy_repo(repo)
    (repo / "figures").mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "snakemake", "-s", "../Snakefile", "-n", "--config", "preset=smoke"]
    proc = subprocess.run(cmd, cwd=repo / "figures", capture_output=True, text=True, env=snakemake_env(), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "inside the repository" in out and "--directory" in out, out[-2000:]
    assert not (repo / "figures" / "figures").exists()


def test_lib_code_covers_the_script_but_not_where_it_lies(tmp_path):
    """Snakemake records no code for `script:` rules (snakemake/snakemake#2192): the fingerprint holds it."""
    original = REPO / "scripts/norms/plot_tc.py"
    moved, edited = tmp_path / "a" / "plot_tc.py", tmp_path / "b" / "plot_tc.py"
    for path in (moved, edited):
        path.parent.mkdir()
    moved.write_text(original.read_text() + "\n# a comment\n")
    edited.write_text(original.read_text() + "\nEDITED = 1\n")
    codehash._code_bytes.cache_clear()
    assert lib_code(str(moved)) == lib_code(str(original)) != lib_code(str(edited))


def test_only_claims_writers_carry_the_registries_in_their_fingerprint():
    """A registry edit (a figure's row, its `shows` text) reruns the plots that quote it in their claims files'
    made_by, never a training or calibration job (the locality calibration once pulled the registries in through
    implreg.claims, and with them a rerun of every locality training)."""
    for script in sorted((REPO / "scripts").rglob("*.py")):
        if "implreg/registry.py" in module_closure(str(script)):
            assert "write_claims" in script.read_text() or script.parent.name == "core", script
