"""Issue 18, config items: preset vs user file (3), NaN/inf (4), cross-key checks and bounds (8), error
provenance, all problems at once and `1e-3` (9), unconfigured figure values (7). Unit tests on resolve(),
plus dry runs of the snakemake CLI where the defect showed at DAG level."""

import copy

import pytest
import yaml
from dagutil import snakemake

from implreg.config import resolve
from implreg.errors import ConfigError


@pytest.fixture(scope="module")
def raw(repo):
    return yaml.safe_load((repo / "config.yaml").read_text())


def _with(raw, override, preset="smoke"):
    """Snakemake's merge: config.yaml, then the user's file; returns (merged, sources)."""
    from implreg.config import deep_merge

    merged = deep_merge(raw, override)
    merged["preset"] = preset
    return merged, [("my.yaml", override)]


# -- item 3: a user file's value wins over the preset, and says so -------------------------------------------


def test_user_file_wins_over_preset_and_is_reported(raw):
    merged, sources = _with(raw, {"norms": {"tc": {"max_steps": 50}}})
    notes = []
    cfg = resolve(merged, sources=sources, notes=notes)
    assert cfg["norms"]["tc"]["max_steps"] == 50
    assert any("norms.tc.max_steps" in n and "presets.smoke" in n and "my.yaml" in n for n in notes), notes
    # keys the user did not touch still come from the preset
    assert cfg["norms"]["tc"]["repetitions"] == 1


def test_preset_override_in_user_file_still_applies(raw):
    merged, sources = _with(raw, {"presets": {"smoke": {"tf": {"natural": {"epochs": 7}}}}})
    assert resolve(merged, sources=sources)["tf"]["natural"]["epochs"] == 7


@pytest.mark.dag
def test_cli_user_file_overrides_preset_with_a_note(tmp_path):
    (tmp_path / "my.yaml").write_text("norms: {tc: {max_steps: 50}}\n")
    proc = snakemake(
        tmp_path, "-n", "results/norms/tc/rank1_order3/init0.01/runs.npz", "--config", "preset=smoke",
        "--configfile", str(tmp_path / "my.yaml"),
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert "norms.tc.max_steps = 50" in out and "presets.smoke" in out


# -- item 4: NaN and inf refused for every numeric key --------------------------------------------------------


@pytest.mark.parametrize(
    "override, key",
    [
        ({"norms": {"tc": {"stop_loss": float("inf")}}}, "norms.tc.stop_loss"),
        ({"htf": {"dynamics": {"stop_loss": float("nan")}}}, "htf.dynamics.stop_loss"),
        ({"norms": {"dmf": {"stop_loss": float("nan")}}}, "norms.dmf.stop_loss"),
        ({"tf": {"natural": {"init_mean": float("-inf")}}}, "tf.natural.init_mean"),  # no range in its schema
        ({"checkpoint_every_s": float("nan")}, "checkpoint_every_s"),
        ({"htf": {"locality": {"train": {"weight_decay": float("inf")}}}}, "htf.locality.train.weight_decay"),
    ],
)
def test_non_finite_numbers_are_refused(raw, override, key):
    merged, sources = _with(raw, override, preset="default")
    with pytest.raises(ConfigError, match="not a finite number") as exc:
        resolve(merged, sources=sources)
    assert key in str(exc.value) and "my.yaml" in str(exc.value)


@pytest.mark.dag
def test_cli_inf_stop_loss_is_refused_naming_key_and_file(tmp_path):
    (tmp_path / "inf.yaml").write_text("norms: {tc: {stop_loss: .inf}}\n")
    proc = snakemake(
        tmp_path, "-n", "--config", "preset=smoke", "--configfile", str(tmp_path / "inf.yaml"), check=False
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "norms.tc.stop_loss" in out and "finite" in out and "inf.yaml" in out


# -- item 8: contradictory or runaway values ------------------------------------------------------------------

_EXP = {"name": "x", "order": 3, "dim": 8, "target_seed": 0, "num_observations": [10], "claim_rank_from": 1}
_EXP |= {"claim_error_from": 1, "claim_error_factor": 1, "claim_init_ordering": True}


@pytest.mark.parametrize(
    "override, pattern",
    [
        ({"tf": {"dynamics": {"target_rank": 30, "components": 25}}}, r"tf\.dynamics\.target_rank = 30 exceeds"),
        ({"htf": {"dynamics": {"ht": {"target_ranks": [9, 2]}}}}, r"htf\.dynamics\.ht\.target_ranks\.0 = 9 exceeds 3"),
        ({"htf": {"dynamics": {"mf": {"target_rank": 17}}}}, r"htf\.dynamics\.mf\.target_rank = 17 exceeds mf\.dim"),
        ({"htf": {"dynamics": {"cp": {"target_rank": 40}}}}, r"htf\.dynamics\.cp\.target_rank = 40 exceeds"),
        (
            {"htf": {"locality": {"pathfinder": {"n_train": 10**9}}}},
            r"pathfinder\.n_train = 1000000000 is out of range",
        ),
        ({"tf": {"natural": {"n_train": 70000}}}, r"tf\.natural\.n_train = 70000 is out of range"),
        ({"htf": {"locality": {"is_same": {"distances": [0, 200]}}}}, r"\[200\] do not fit"),
        ({"htf": {"locality": {"pathfinder": {"reg_batch_size": 64}}}}, r"reg_batch_size = 64 exceeds"),
        ({"norms": {"tc": {"experiments": [{**_EXP, "target_rank": 100}]}}}, r"target_rank = 100 exceeds 64"),
    ],
)
def test_cross_key_problems_are_refused(raw, override, pattern):
    merged, sources = _with(raw, override)
    with pytest.raises(ConfigError, match=pattern):
        resolve(merged, sources=sources)


@pytest.mark.dag
def test_cli_mf_rank_above_matrix_size_is_refused_before_any_job(tmp_path):
    (tmp_path / "mf.yaml").write_text("htf: {dynamics: {mf: {target_rank: 100}}}\n")
    proc = snakemake(tmp_path, "-n", "--config", "preset=smoke", "--configfile", str(tmp_path / "mf.yaml"), check=False)
    assert proc.returncode != 0
    assert "htf.dynamics.mf.target_rank = 100 exceeds mf.dim" in proc.stdout + proc.stderr


# -- item 9: the file that holds the mistake, every problem at once, 1e-3 ------------------------------------


def test_error_names_the_configfile_not_config_yaml(raw):
    merged, sources = _with(raw, {"norms": {"tc": {"lr": -1.0}}})
    with pytest.raises(ConfigError) as exc:
        resolve(merged, sources=sources)
    line = next(x for x in str(exc.value).splitlines() if "norms.tc.lr" in x)
    assert "[set in my.yaml]" in line


def test_error_in_a_preset_names_the_preset(raw):
    cfg = copy.deepcopy(raw)
    cfg["presets"]["paper"]["norms"]["tc"]["max_steps"] = -3
    with pytest.raises(ConfigError) as exc:
        resolve(cfg)
    line = next(x for x in str(exc.value).splitlines() if "max_steps" in x)
    assert "presets.paper in config.yaml" in line and "(preset 'paper')" in line


def test_all_problems_are_listed_at_once(raw):
    # a schema error in the base, a cross-key error and an error only in another preset: one message
    merged, sources = _with(
        raw,
        {
            "norms": {"dmf": {"log_every": 0}},
            "tf": {"dynamics": {"init_seeds": [0]}},
            "presets": {"paper": {"htf": {"locality": {"model": {"width": 0}}}}},
        },
    )
    with pytest.raises(ConfigError) as exc:
        resolve(merged, sources=sources)
    text = str(exc.value)
    assert "norms.dmf.log_every" in text and "tf.dynamics.init_seeds" in text and "model.width" in text


def test_exponent_without_dot_is_read_as_a_number(raw):
    override = yaml.safe_load("norms: {tc: {lr: 1e-3, max_steps: 2e3}}")
    assert override["norms"]["tc"]["lr"] == "1e-3"  # what YAML 1.1 gives
    merged, sources = _with(raw, override)
    cfg = resolve(merged, sources=sources)
    assert cfg["norms"]["tc"]["lr"] == pytest.approx(1e-3) and isinstance(cfg["norms"]["tc"]["lr"], float)
    assert cfg["norms"]["tc"]["max_steps"] == 2000 and isinstance(cfg["norms"]["tc"]["max_steps"], int)


def test_text_that_is_not_a_number_is_still_refused(raw):
    merged, sources = _with(raw, {"norms": {"tc": {"lr": "fast"}, "dmf": {"max_steps": "2.5e3"}}})
    with pytest.raises(ConfigError) as exc:
        resolve(merged, sources=sources)
    assert "norms.tc.lr = 'fast' has the wrong type" in str(exc.value)
    assert "norms.dmf.max_steps" in str(exc.value)  # 2500.0 written with a dot is no integer


# -- item 7: a figure for an unconfigured value ---------------------------------------------------------------


@pytest.mark.dag
@pytest.mark.parametrize(
    "target, listed",
    [
        ("figures/norms/dmf_unobserved_entry_depth5.pdf", "dmf_unobserved_entry_depth4.pdf"),
        ("figures/norms/tc_rank9_order3.pdf", "tc_rank3_order4.pdf"),
    ],
)
def test_unconfigured_figure_lists_the_configured_ones(tmp_path, target, listed):
    proc = snakemake(tmp_path, "-n", target, "--config", "preset=smoke", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "is not a figure of this configuration" in out and listed in out
    assert "KeyError" not in out and "InputFunctionException" not in out


def test_a_key_or_a_section_given_twice_in_a_configfile_is_refused_naming_file_and_lines(tmp_path):
    """Issue 27, item 5: YAML keeps the last of two equal keys silently; a --configfile must not."""
    from implreg.config import load_yaml_strict
    from implreg.errors import ConfigError

    twice = tmp_path / "twice.yaml"
    twice.write_text("preset: smoke\nnorms:\n  dmf:\n    log_every: 10\n    log_every: 20\n")
    with pytest.raises(ConfigError, match=r"twice\.yaml: key 'log_every' is given twice in one block \(lines 4 and 5"):
        load_yaml_strict(twice)
    section = tmp_path / "section.yaml"
    section.write_text("norms:\n  dmf: {log_every: 10}\ntf: {}\nnorms:\n  tc: {repetitions: 2}\n")
    with pytest.raises(ConfigError, match=r"key 'norms' is given twice .*lines 1 and 4"):
        load_yaml_strict(section)
    ok = tmp_path / "ok.yaml"
    ok.write_text("norms:\n  dmf: {log_every: 10}\n  tc: {log_every: 10}\n")
    assert load_yaml_strict(ok)["norms"]["tc"] == {"log_every": 10}


@pytest.mark.dag
def test_a_configfile_with_a_key_twice_stops_the_run_before_any_job(tmp_path):
    from dagutil import snakemake

    f = tmp_path / "twice.yaml"
    f.write_text("norms:\n  dmf: {log_every: 10}\nnorms:\n  tc: {repetitions: 2}\n")
    proc = snakemake(tmp_path, "-n", "--configfile", str(f), "--config", "preset=smoke", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "key 'norms' is given twice" in out and "twice.yaml" in out, out[-2000:]
