"""Preset resolution and validation of config.yaml, with errors that name the key and the fix."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import jsonschema
import numpy as np
import yaml

from implreg.errors import ConfigError

PRESETS = ("smoke", "default", "paper")
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


def load_schema(path: str | Path | None = None) -> dict:
    return yaml.safe_load(Path(path or SCHEMA_PATH).read_text())


@functools.lru_cache(maxsize=1)
def _default_schema() -> dict:
    return load_schema()


@functools.lru_cache(maxsize=1)
def _default_validator() -> jsonschema.Validator:
    return jsonschema.Draft202012Validator(_default_schema())


def _validator(schema: dict | None) -> jsonschema.Validator:
    """Building a validator dominates the cost of a check, so the default one is built once."""
    if schema is None or schema is _default_schema():
        return _default_validator()
    return jsonschema.Draft202012Validator(schema)


def deep_merge(base: dict, override: dict) -> dict:
    """Return base with override merged in: dicts merge recursively, everything else replaces."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "<top level>"


def _explain(error: jsonschema.ValidationError) -> str:
    """One line: which key, what is wrong, what is allowed."""
    key = _key_path(error)
    v = error.validator
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        where = key if key != "<top level>" else "the top level"
        return f"unknown key(s) {', '.join(map(repr, extra))} in {where}; allowed keys: {', '.join(allowed)}"
    if v == "enum":
        return f"{key} = {error.instance!r} is not allowed; choose one of {error.validator_value}"
    if v == "type":
        return f"{key} = {error.instance!r} has the wrong type; expected {error.validator_value}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[v]
        return f"{key} = {error.instance!r} is out of range; it must be {bound} {error.validator_value}"
    if v == "required":
        return f"{key} is missing a required key: {error.message}"
    desc = error.schema.get("description", "")
    return f"{key}: {error.message}" + (f" ({desc.strip()})" if desc else "")


def validate(config: dict, schema: dict | None = None, context: str = "") -> None:
    """Raise ConfigError listing every problem in `config` (schema and cross-key checks)."""
    validator = _validator(schema)
    problems = [_explain(e) for e in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))]
    if not problems:
        problems = _semantic_problems(config)
    if problems:
        head = f"invalid configuration{context}:"
        tail = "Fix config.yaml (or the --config override); keys and ranges: workflow/schemas/config.schema.yaml"
        raise ConfigError("\n  - ".join([head, *problems]) + "\n" + tail)


def _semantic_problems(config: dict) -> list[str]:
    """Checks a JSON schema cannot express."""
    problems = []
    for key in ("panels", "perturbed_panels"):
        depths = [p["depth"] for p in config["norms"]["dmf"][key]]
        if len(set(depths)) != len(depths):
            problems.append(f"norms.dmf.{key}: depths must be unique, got {depths}")
    tc = config["norms"]["tc"]
    names = [e["name"] for e in tc["experiments"]]
    if len(set(names)) != len(names):
        problems.append(f"norms.tc.experiments: names must be unique, got {names}")
    unknown_caps = sorted(set(tc.get("step_caps", {})) - set(names))
    if unknown_caps:
        problems.append(f"norms.tc.step_caps: {unknown_caps} name no experiment; experiments are {names}")
    for i, exp in enumerate(tc["experiments"]):
        size = exp["dim"] ** exp["order"]
        too_many = [n for n in exp["num_observations"] if n > size]
        if too_many:
            problems.append(
                f"norms.tc.experiments.{i}.num_observations: {too_many} exceed the {size} entries of a "
                f"{exp['dim']}^{exp['order']} tensor"
            )
    dyn = config.get("tf", {}).get("dynamics")
    if dyn and len(dyn["init_seeds"]) != len(dyn["init_stds"]):
        problems.append(
            f"tf.dynamics.init_seeds has {len(dyn['init_seeds'])} entries but init_stds has "
            f"{len(dyn['init_stds'])}; give one seed per init std"
        )
    if dyn and dyn["task"] == "completion" and dyn["num_samples"] > int(np.prod(dyn["shape"])):
        problems.append(
            f"tf.dynamics.num_samples = {dyn['num_samples']} exceeds the {int(np.prod(dyn['shape']))} "
            "entries of the tensor"
        )
    problems += _htf_problems(config.get("htf", {}).get("dynamics"))
    return problems


def _htf_problems(dyn: dict | None) -> list[str]:
    """htf.dynamics: observations within each tensor, one HT width/rank per tree level, modes within the order."""
    if not dyn:
        return []
    problems = []
    for model in ("mf", "cp", "ht"):
        spec = dyn[model]
        size = spec["dim"] ** (2 if model == "mf" else spec["order"])
        if spec["num_samples"] > size:
            problems.append(f"htf.dynamics.{model}.num_samples = {spec['num_samples']} exceeds the {size} entries")
    ht = dyn["ht"]
    levels = int(np.log2(ht["order"]))
    for key in ("widths", "target_ranks"):
        if len(ht[key]) != levels:
            problems.append(f"htf.dynamics.ht.{key} needs {levels} entries (one per tree level of order {ht['order']})")
    node, n = dyn["appendix_node"], len(dyn["appendix_node"])
    if n & (n - 1) or node != list(range(node[0], node[0] + n)) or (node[0] - 1) % n or n >= ht["order"]:
        problems.append(f"htf.dynamics.appendix_node: {node} is not an inner node below the root, e.g. [1, 2]")
    for key, modes in [
        ("appendix_node", dyn["appendix_node"]),
        *(("matricizations", m) for m in dyn["matricizations"]),
    ]:
        if max(modes) > ht["order"] or len(set(modes)) != len(modes):
            problems.append(f"htf.dynamics.{key}: {modes} must be distinct modes in 1..{ht['order']}")
    return problems


def resolve(raw: dict, schema: dict | None = None) -> dict:
    """Merge the chosen preset into the base config and validate the result.

    Every preset is validated (not only the chosen one), so a typo in a preset that is not in use
    today is still reported.
    """
    schema = schema or _default_schema()
    preset = raw.get("preset", "default")
    if preset not in PRESETS:
        raise ConfigError(
            f"preset = {preset!r} is not allowed; choose one of {list(PRESETS)} "
            "in config.yaml or on the command line (e.g. snakemake --config preset=smoke)"
        )
    presets = raw.get("presets") or {}
    if not isinstance(presets, dict):
        raise ConfigError("presets must be a mapping of preset name to overrides; fix config.yaml")
    unknown = sorted(set(presets) - set(PRESETS))
    if unknown:
        raise ConfigError(f"presets: unknown preset(s) {unknown} in config.yaml; allowed: {list(PRESETS)}")
    resolved = None
    for name in [preset, *(p for p in PRESETS if p != preset)]:
        merged = deep_merge(raw, presets.get(name) or {})
        merged["preset"] = name
        validate(merged, schema, context=f" (preset {name!r})")
        if name == preset:
            resolved = merged
    return resolved
