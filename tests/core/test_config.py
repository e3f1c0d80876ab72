import copy
import importlib
import re

import pytest
import yaml

from implreg.config import PRESETS, deep_merge, load_schema, resolve, untestable_declarations
from implreg.errors import ConfigError


@pytest.fixture(scope="module")
def raw(repo):
    return yaml.safe_load((repo / "config.yaml").read_text())


def test_every_preset_resolves(raw):
    for preset in PRESETS:
        cfg = resolve({**raw, "preset": preset})
        assert cfg["preset"] == preset
    assert resolve({**raw, "preset": "smoke"})["norms"]["dmf"]["stop_loss"] > resolve(raw)["norms"]["dmf"]["stop_loss"]


def test_step_caps_only_in_the_default_preset(raw):
    """The paper preset must run every figure to the paper's cap: the default's per-figure caps stay out."""
    assert resolve(raw)["norms"]["tc"]["step_caps"], "default preset caps appendix B order 4"
    assert resolve({**raw, "preset": "paper"})["norms"]["tc"]["step_caps"] == {}


def test_default_runs_appendix_b_order4_from_init_1e2_only(raw):
    """The default preset drops the init-1e-3 runs it cannot afford (>5e4-step plateau) up front; paper runs all."""
    assert resolve(raw)["norms"]["tc"]["init_stds_by_experiment"] == {"rank3_order4": [1e-2]}
    assert resolve({**raw, "preset": "paper"})["norms"]["tc"]["init_stds_by_experiment"] == {}


def test_deep_merge_replaces_lists_and_merges_dicts():
    out = deep_merge({"a": {"b": 1, "c": [1, 2]}, "d": 0}, {"a": {"c": [3]}})
    assert out == {"a": {"b": 1, "c": [3]}, "d": 0}


def _schema_properties(node, path=""):
    """Yield (path, schema) for every property declared in the schema, $defs included."""
    for name, sub in node.get("properties", {}).items():
        yield f"{path}.{name}".lstrip("."), sub
        yield from _schema_properties(sub, f"{path}.{name}")
        if isinstance(sub.get("items"), dict):
            yield from _schema_properties(sub["items"], f"{path}.{name}[]")
    for name, sub in node.get("$defs", {}).items():
        yield from _schema_properties(sub, f"$defs.{name}")
        if isinstance(sub.get("items"), dict):
            yield from _schema_properties(sub["items"], f"$defs.{name}[]")


def test_every_schema_key_has_description_and_default():
    missing = [p for p, s in _schema_properties(load_schema()) if "description" not in s or "default" not in s]
    assert not missing, f"schema keys without description/default: {missing}"


@pytest.mark.parametrize(
    "mutate, pattern",
    [
        (lambda c: c.update(preset="huge"), r"preset = 'huge' is not allowed.*smoke"),
        (lambda c: c["norms"]["dmf"].update(stop_los=1e-4), r"unknown key\(s\) 'stop_los' in norms\.dmf"),
        (lambda c: c["norms"]["tc"].update(lr=-0.1), r"norms\.tc\.lr = -0\.1 is out of range; it must be > 0"),
        (lambda c: c["norms"]["tc"].update(repetitions="five"), r"norms\.tc\.repetitions = 'five' has the wrong type"),
        (lambda c: c["norms"]["dmf"].update(dtype="float16"), r"norms\.dmf\.dtype = 'float16' is not allowed"),
        (lambda c: c["norms"]["dmf"]["panels"][0]["runs"][0].update(lr=0), r"panels\.0\.runs\.0\.lr = 0"),
        (lambda c: c["norms"]["tc"]["experiments"][0].update(num_observations=[10**6]), r"exceed the 512 entries"),
        (lambda c: c["presets"]["smoke"]["norms"]["dmf"].update(stop_lss=1), r"(?s)preset 'smoke'.*'stop_lss'"),
        (lambda c: c.update(colour="red"), r"unknown key\(s\) 'colour' in the top level"),
        (lambda c: c["norms"]["tc"].update(step_caps={"rank9": 10}), r"step_caps: \['rank9'\] name no experiment"),
        (lambda c: c["norms"]["tc"].update(step_caps={"rank1_order3": 0}), r"step_caps\.rank1_order3 = 0"),
        (
            lambda c: c["norms"]["tc"].update(init_stds_by_experiment={"rank9": [1e-2]}),
            r"init_stds_by_experiment: \['rank9'\] name no experiment",
        ),
        (
            lambda c: c["norms"]["tc"].update(init_stds_by_experiment={"rank1_order3": [0.5]}),
            r"init_stds_by_experiment\.rank1_order3: \[0\.5\] not in norms\.tc\.init_stds",
        ),
    ],
)
def test_invalid_configs_name_key_and_fix(raw, mutate, pattern):
    cfg = copy.deepcopy(raw)
    mutate(cfg)
    with pytest.raises(ConfigError, match=pattern) as exc:
        resolve(cfg)
    assert "config.yaml" in str(exc.value)


def test_a_renamed_key_names_its_new_name(raw):
    """norms.tc.stop_mse became stop_loss (one name per setting, as the other papers' sections): a user file
    that still sets the old key is told the new one, with the file it came from."""
    with pytest.raises(ConfigError, match=r"'stop_mse' was renamed to 'stop_loss'.*\[set in my\.yaml\]"):
        resolve(raw, sources=[("my.yaml", {"norms": {"tc": {"stop_mse": 1e-6}}})])


def test_htf_data_seed_became_a_list_of_instances(raw):
    with pytest.raises(ConfigError, match=r"'data_seed' was renamed to 'data_seeds'"):
        resolve(raw, sources=[("my.yaml", {"htf": {"dynamics": {"data_seed": 3}}})])


def test_htf_matricizations_must_include_the_root_split(raw):
    """The HT dynamics claims count the root split's singular values: a config that stops logging it is refused
    before any training, with the fix."""
    bad = copy.deepcopy(raw)
    bad["htf"]["dynamics"]["matricizations"] = [[1, 3]]
    with pytest.raises(ConfigError, match=r"must include the root split \[1, 2\]"):
        resolve(bad)


def test_the_dmf_holdout_changes_only_the_depth2_run_seeds(raw, repo):
    """docs/holdout/dmf_depth2_seeds_10-13.yaml: the depth-2 runs get unused seeds, everything else as configured."""
    layer = yaml.safe_load((repo / "docs/holdout/dmf_depth2_seeds_10-13.yaml").read_text())
    cfg, base = resolve(raw, sources=[("holdout.yaml", layer)]), resolve(raw)
    for key in ("panels", "perturbed_panels"):
        new, old = cfg["norms"]["dmf"][key], base["norms"]["dmf"][key]
        for a, b in zip(new, old, strict=True):
            strip = [{**r, "seed": None} for r in a["runs"]], [{**r, "seed": None} for r in b["runs"]]
            assert a["depth"] == b["depth"] and strip[0] == strip[1]
            seeds = {r["seed"] for r in a["runs"]}
            assert seeds.isdisjoint({r["seed"] for r in b["runs"]}) if a["depth"] == 2 else a == b
    assert {**cfg["norms"]["dmf"], "panels": None, "perturbed_panels": None} == {
        **base["norms"]["dmf"],
        "panels": None,
        "perturbed_panels": None,
    }
    assert {**cfg, "norms": None} == {**base, "norms": None}


@pytest.mark.parametrize(
    "name, paper, block",
    [("htf_dynamics_seeds_4-7.yaml", "htf", "dynamics"), ("tf_dynamics_seeds_4-7.yaml", "tf", "dynamics")],
)
def test_the_holdout_files_are_valid_overrides(raw, repo, name, paper, block):
    """docs/holdout's overrides resolve under the default preset and change only the instances."""
    layer = yaml.safe_load((repo / "docs/holdout" / name).read_text())
    cfg, base = resolve(raw, sources=[("holdout.yaml", layer)]), resolve(raw)
    assert cfg[paper][block]["data_seeds"] == [4, 5, 6, 7] and base[paper][block]["data_seeds"] == [0, 1, 2, 3]
    assert {**cfg[paper][block], "data_seeds": None} == {**base[paper][block], "data_seeds": None}
    assert {**cfg, paper: None} == {**base, paper: None}


def test_schema_defaults_are_config_yamls_values(repo):
    """Issue 26 item 4: a schema default that disagrees with config.yaml misleads whoever reads the schema. Lists
    of records (panels, experiments) default to [] there: config.yaml supplies them."""
    schema = yaml.safe_load((repo / "workflow/schemas/config.schema.yaml").read_text())
    cfg = yaml.safe_load((repo / "config.yaml").read_text())
    bad = []

    def walk(sch, c, path):
        for key, sub in sch.get("properties", {}).items():
            if key == "presets" or not isinstance(c, dict) or key not in c:
                continue
            items = sub.get("items", {})
            records = sub.get("type") == "array" and (items.get("type") == "object" or "$ref" in items)
            if "default" in sub and sub.get("type") != "object" and not records and sub["default"] != c[key]:
                bad.append(f"{path}{key}: schema {sub['default']!r}, config.yaml {c[key]!r}")
            if sub.get("type") == "object":
                walk(sub, c[key], f"{path}{key}.")

    walk(schema, cfg, "")
    assert not bad, bad


def _reasons(raw) -> dict[str, set[str]]:
    """Every untestable reason id of config.yaml -> the presets that declare it."""
    out: dict[str, set[str]] = {}
    for preset in PRESETS:
        for reason in resolve({**raw, "preset": preset})["untestable_claims"]:
            out.setdefault(reason, set()).add(preset)
    return out


def test_each_untestable_reason_has_its_account_in_docs_claims(raw, repo):
    """Issue 26 item 4: config declares a reason once with a short why; docs/claims.md keeps its full account."""
    text = (repo / "docs" / "claims.md").read_text()
    section = text.split("## Declared untestable, by reason", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^### ([a-z0-9_]+)$", section, flags=re.M))
    assert documented == set(_reasons(raw))
    for reason, presets in _reasons(raw).items():
        account = section.split(f"### {reason}\n", 1)[1].split("\n### ", 1)[0]
        for preset in presets:  # the account says where the reason is declared
            assert f"`{preset}`" in account or account.startswith("Every preset"), (reason, preset)


def test_untestable_declarations_expand_groups_by_figure(raw):
    cfg = resolve({**raw, "preset": "smoke"})
    declared = untestable_declarations(cfg)
    why = cfg["untestable_claims"]["locality_noise"]["why"]
    assert declared["htf/locality_pathfinder_resnet34"]["baseline_drops_to_chance"] == why
    # a reason of the base config keeps its why where a preset only adds claims to it
    base_why = raw["untestable_claims"]["depth2_flow_unresolved"]["why"]
    assert declared["norms/dmf_perturbed_unobserved_entry_depth2"]["eps0p1_gd_follows_flow"] == base_why
    assert "eps0p01_gd_follows_flow" not in declared["norms/dmf_perturbed_unobserved_entry_depth2"]


def test_a_claim_under_two_reasons_is_refused(raw):
    bad = copy.deepcopy(raw)
    bad["untestable_claims"]["again"] = {
        "why": "a second reason for the same claim",
        "claims": {"norms/dmf_unobserved_entry_depth2": ["flow_resolved"]},
    }
    with pytest.raises(
        ConfigError, match=r"flow_resolved is declared under 2 reasons \(depth2_flow_unresolved, again\)"
    ):
        resolve(bad)


def test_the_old_per_figure_layout_is_told_the_new_one(raw):
    bad = copy.deepcopy(raw)
    bad["untestable_claims"] = {"norms/dmf_unobserved_entry_depth2": {"flow_resolved": "an old-style declaration"}}
    with pytest.raises(ConfigError, match=r"grouped by reason: \{reason id: \{why: text, claims"):
        resolve(bad)


@pytest.mark.parametrize("paper", ["norms", "tf", "htf"])
def test_each_paper_checks_its_own_config_sections(raw, paper):
    """Issue 26 item 4: the cross-key checks live in each wing (implreg.<paper>.config_checks)."""
    checks = importlib.import_module(f"implreg.{paper}.config_checks")
    for preset in PRESETS:
        assert checks.problems(resolve({**raw, "preset": preset})) == []
    section = {"norms": "norms", "tf": "tf", "htf": "htf"}[paper]
    cfg = resolve(raw)
    assert checks.problems({k: v for k, v in cfg.items() if k != section}) == []


def _robustness_instances(cfg):
    """Instances per statement of each robustness target: {target: n}."""
    rob = cfg["norms"]["robustness"], cfg["tf"]["robustness"], cfg["htf"]["robustness"]
    return {
        "norms tc (targets)": len(rob[0]["tc"]["target_seeds"]),
        "norms dmf (seeds per grid cell)": len(rob[0]["dmf"]["seeds"]),
        "tf (data seeds per observation count)": len(rob[1]["data_seeds"]),
        **{f"htf {m}": n for m, n in rob[2]["instances"].items()},
    }


def test_robustness_sample_sizes_per_preset(raw):
    """The robustness brief's sizes: n >= 32 at paper everywhere, n >= 16 at default where affordable (htf's HT
    runs on 8 there, by cost: docs/robustness.md), and the smoke preset small enough for CI."""
    paper = _robustness_instances(resolve({**raw, "preset": "paper"}))
    default = _robustness_instances(resolve({**raw, "preset": "default"}))
    smoke = _robustness_instances(resolve({**raw, "preset": "smoke"}))
    assert {k: n for k, n in paper.items() if n < 32} == {}
    assert {k: n for k, n in default.items() if n < 16} == {"htf ht": 8}
    assert max(smoke.values()) <= 4
