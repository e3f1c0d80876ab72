"""Schema fuzzing: every generated invalid config is refused naming its key; every valid one passes."""

import copy
import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from implreg.config import load_schema, resolve
from implreg.errors import ConfigError

SCHEMA = load_schema()
# keys whose valid values interact through cross-key checks (tensor size vs number of observations)
CROSS_CHECKED = {  # depths and names must be unique; ranks within sizes; reg_batch_size within batch_size
    *("order", "dim", "num_observations", "depth", "name", "target_rank", "target_ranks", "components"),
    *("batch_size", "reg_batch_size", "canvas_width", "distances"),
    *("mf", "cp", "ht"),  # htf.robustness.instances: at most as many as its data_seeds
}


def _deref(node):
    ref = node.get("$ref")
    return SCHEMA["$defs"][ref.split("/")[-1]] if ref else node


def _leaves(cfg, node, path=()):
    """(path, schema) of every scalar value present in `cfg`, following the schema."""
    node = _deref(node)
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            sub = node.get("properties", {}).get(key)
            if sub is not None and key != "presets":
                yield from _leaves(value, sub, (*path, key))
    elif isinstance(cfg, list) and isinstance(node.get("items"), dict):
        for i, value in enumerate(cfg):
            yield from _leaves(value, node["items"], (*path, i))
    elif not isinstance(cfg, list):
        yield path, node


def _base():
    from pathlib import Path

    raw = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yaml").read_text())
    raw["presets"] = {}  # fuzz the base values; presets are covered by test_config
    return raw


BASE = _base()
LEAVES = list(_leaves(BASE, SCHEMA))


def _set(cfg, path, value):
    for key in path[:-1]:
        cfg = cfg[key]
    cfg[path[-1]] = value


def _invalid_values(schema):
    """Values that violate the leaf's schema: wrong type, out of range, or outside the enum."""
    kind = schema.get("type")
    nullable = isinstance(kind, list) and "null" in kind
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    bad = [[1, 2], {"x": 1}] + ([] if nullable else [None])
    if "enum" in schema:
        bad.append("not-an-option")
    if kind in ("number", "integer"):
        bad.append("text")
        for key, delta in (("minimum", -1), ("exclusiveMinimum", 0), ("maximum", 1), ("exclusiveMaximum", 0)):
            if key in schema:
                bad.append(schema[key] + delta * max(1, abs(schema[key])))
        if kind == "integer":
            bad.append(1.5)
    if kind == "string":
        bad.append(3)
    if kind == "boolean":
        bad.append("yes")
    return bad


@st.composite
def invalid_configs(draw):
    path, schema = draw(st.sampled_from(LEAVES))
    value = draw(st.sampled_from(_invalid_values(schema)))
    cfg = copy.deepcopy(BASE)
    _set(cfg, path, value)
    return path, value, cfg


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_configs())
def test_invalid_values_are_refused_naming_the_key(case):
    path, _value, cfg = case
    with pytest.raises(ConfigError) as exc:
        resolve(cfg)
    dotted = ".".join(str(p) for p in path)
    assert dotted in str(exc.value) or (path == ("preset",) and "preset" in str(exc.value)), str(exc.value)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(LEAVES), st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=12))
def test_unknown_keys_are_refused(leaf, name):
    path, _ = leaf
    cfg = copy.deepcopy(BASE)
    parent = cfg
    for key in path[:-1]:
        parent = parent[key]
    if not isinstance(parent, dict) or name in parent:
        return
    parent[name] = 1
    with pytest.raises(ConfigError, match=f"unknown key.*'{name}'"):
        resolve(cfg)


@st.composite
def valid_configs(draw):
    cfg = copy.deepcopy(BASE)
    for path, schema in LEAVES:
        # list elements are skipped: many lists must hold distinct values
        if path[-1] in CROSS_CHECKED or isinstance(path[-1], int) or not draw(st.booleans()):
            continue
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next(k for k in kind if k != "null")
        if "enum" in schema:
            value = draw(st.sampled_from(schema["enum"]))
        elif kind == "boolean":
            value = draw(st.booleans())
        elif kind in ("number", "integer"):
            lo = schema.get("minimum", schema.get("exclusiveMinimum", 0))
            hi = schema.get("maximum", schema.get("exclusiveMaximum", max(lo, 1) * 100))
            if kind == "integer":
                value = draw(st.integers(min_value=math.ceil(lo) + ("exclusiveMinimum" in schema), max_value=int(hi)))
            else:
                value = draw(
                    st.floats(
                        min_value=lo,
                        max_value=hi,
                        exclude_min="exclusiveMinimum" in schema,
                        exclude_max="exclusiveMaximum" in schema,
                        allow_nan=False,
                    )
                )
        else:
            continue
        _set(cfg, path, value)
    return cfg


@settings(max_examples=40, deadline=None)
@given(valid_configs())
def test_valid_configs_pass(cfg):
    assert resolve(cfg)["preset"] == cfg["preset"]
