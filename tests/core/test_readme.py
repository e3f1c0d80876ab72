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
