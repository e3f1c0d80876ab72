"""The README's commands are the ones CI runs, and its figure table names real targets."""

import re

import yaml


def test_ci_runs_the_readme_test_command(repo):
    readme = (repo / "README.md").read_text()
    ci_cmd = [line for line in (repo / ".ci/run").read_text().splitlines() if line.startswith("python3 -m venv")]
    assert len(ci_cmd) == 1
    assert ci_cmd[0] in readme


def test_figure_table_lists_every_figure_of_the_default_preset(repo):
    from implreg.config import resolve

    cfg = resolve(yaml.safe_load((repo / "config.yaml").read_text()))
    readme = (repo / "README.md").read_text()
    listed = set(re.findall(r"`(figures/[\w/]+\.pdf)`", readme))
    dmf, tc = cfg["norms"]["dmf"], cfg["norms"]["tc"]
    expected = {f"figures/norms/dmf_unobserved_entry_depth{p['depth']}.pdf" for p in dmf["panels"]}
    expected |= {f"figures/norms/dmf_perturbed_unobserved_entry_depth{p['depth']}.pdf" for p in dmf["perturbed_panels"]}
    expected |= {"figures/norms/dmf_norms_rank.pdf"} | {f"figures/norms/tc_{e['name']}.pdf" for e in tc["experiments"]}
    expected |= {"figures/tf/cp_dynamics.pdf", "figures/tf/tensor_rank_natural_data.pdf"}
    assert expected <= listed, f"missing from README: {sorted(expected - listed)}"


def test_cpu_requirements_resolve_to_the_pinned_torch_from_the_cpu_index(repo):
    """The CPU route can only be installed with network access to PyTorch's index; what can be checked offline is
    that the file adds that index beside PyPI, keeps the main pin, and that pip's rules pick the +cpu wheel:
    torch==2.13.0 admits 2.13.0+cpu (a local version) and a local version sorts above the plain one."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    lines = [ln.strip() for ln in (repo / "envs/requirements-cpu.txt").read_text().splitlines()]
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert "-r requirements.txt" in lines
    pins = [ln for ln in (repo / "envs/requirements.txt").read_text().splitlines() if ln.startswith("torch")]
    assert pins == ["torch==2.13.0"], pins
    spec = SpecifierSet(pins[0][len("torch") :])
    assert spec.contains("2.13.0+cpu")
    assert Version("2.13.0+cpu") > Version("2.13.0")
    assert "requirements-cpu.txt" in (repo / "README.md").read_text()


def test_the_cpu_dev_requirements_are_the_dev_ones_on_the_cpu_torch(repo):
    """envs/requirements-dev-cpu.txt: the test tools of requirements-dev.txt over the CPU route (issue 28)."""

    def pins(name):
        lines = [ln.strip() for ln in (repo / "envs" / name).read_text().splitlines()]
        return [ln for ln in lines if ln and not ln.startswith("#")]

    dev, cpu = pins("requirements-dev.txt"), pins("requirements-dev-cpu.txt")
    assert dev[0] == "-r requirements.txt" and cpu[0] == "-r requirements-cpu.txt"
    assert dev[1:] == cpu[1:]


def test_config_points_at_docs_that_exist_not_at_readme_sections(repo):
    """Issue 28 item 5: config.yaml pointed five times at README sections that no longer existed."""
    import re

    for name in ("config.yaml", "workflow/schemas/config.schema.yaml"):
        text = (repo / name).read_text()
        assert "README" not in text, f"{name} points at the README; point at docs/ (the README is a user's page)"
        for doc in set(re.findall(r"docs/[\w./-]+\.(?:md|yaml)", text)):
            assert (repo / doc).is_file(), f"{name} points at {doc}, which does not exist"
