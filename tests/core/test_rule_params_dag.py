"""Issue 26, item 2: a training job gets its config section's training keys, picked by name, never the whole
section, so changing a plotting-only key reruns the plot and not the training (through the snakemake CLI)."""

import pytest
import yaml
from dagutil import snakemake

TARGET = "figures/tf/cp_dynamics.pdf"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("rule_params")
    snakemake(workdir, TARGET, "--cores", "2", "--config", "preset=smoke")
    return workdir


def _planned(workdir, dynamics: dict) -> set[str]:
    """The rules `snakemake -n` plans for TARGET with tf.dynamics changed by `dynamics`."""
    override = workdir / "override.yaml"
    override.write_text(yaml.safe_dump({"tf": {"dynamics": dynamics}}))
    out = snakemake(
        workdir, TARGET, "-n", "--quiet", "rules", "--config", "preset=smoke", "--configfile", str(override)
    )
    rows = [ln.split() for ln in out.stdout.splitlines()]
    return {r[0] for r in rows if len(r) == 2 and r[1].isdigit() and r[0] not in ("job", "total")}


@pytest.mark.dag
def test_nothing_is_planned_without_a_change(built):
    assert _planned(built, {}) == set()


@pytest.mark.dag
@pytest.mark.parametrize("key, value", [("plot_min_loss", 3.0e-7), ("claim_final_error_factor", 11.0)])
def test_a_plotting_only_key_reruns_only_the_plot(built, key, value):
    assert _planned(built, {key: value}) == {"plot_tf_dynamics"}


@pytest.mark.dag
@pytest.mark.parametrize("key, value", [("lr", 0.011), ("components", 9)])
def test_a_training_key_reruns_the_training(built, key, value):
    assert _planned(built, {key: value}) == {"train_tf_dynamics", "plot_tf_dynamics"}
