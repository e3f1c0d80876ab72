"""Preset resolution and validation of config.yaml, with errors that name the key and the fix."""

from __future__ import annotations

import copy
import functools
import importlib
import math
import re
from pathlib import Path

import jsonschema
import yaml

from implreg.claims import is_convergence_id
from implreg.errors import ConfigError
from implreg.registry import PAPERS

PRESETS = ("smoke", "default", "paper")

# Keys renamed since earlier versions, (section..., old key) -> new key: a user file that still sets the old
# key is told the new name. norms.tc.stop_mse: one name per setting, as in every other training section.
RENAMED_KEYS = {
    ("norms", "tc", "stop_mse"): "stop_loss",
    ("htf", "dynamics", "data_seed"): "data_seeds",  # now a list of instances; data_seed: 0 becomes data_seeds: [0]
}
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (plain YAML keeps the last silently)."""


def _construct_mapping(loader, node, deep=False):
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ConfigError(
                f"key {key!r} is given twice in one block (lines {seen[key] + 1} and {key_node.start_mark.line + 1}"
                f"{' of ' + key_node.start_mark.name if key_node.start_mark.name not in ('<unicode string>', '') else ''}"
                "); YAML would silently keep only the last. Merge the two into one."
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_strict(path: str | Path):
    """A YAML file's content; a key given twice (also a whole section: `norms:` twice) is a ConfigError naming the
    file and both lines."""
    path = Path(path)
    with path.open() as fh:
        try:
            return yaml.load(fh, Loader=_StrictLoader)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None


def load_schema(path: str | Path | None = None) -> dict:
    return yaml.safe_load(Path(path or SCHEMA_PATH).read_text())


@functools.lru_cache(maxsize=1)
def _default_schema() -> dict:
    return load_schema()


@functools.lru_cache(maxsize=1)
def _default_validator() -> jsonschema.Validator:
    return _Validator(_default_schema())


def _validator(schema: dict | None) -> jsonschema.Validator:
    """Building a validator dominates the cost of a check, so the default one is built once."""
    if schema is None or schema is _default_schema():
        return _default_validator()
    return _Validator(schema)


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


def _is_nonfinite(x) -> bool:
    return isinstance(x, float) and not math.isfinite(x)


def _type_or_finite(validator, types, instance, schema):
    """The schema's `type`, plus: a number must be finite unless the key's schema says `allow_nonfinite: true`.

    YAML reads `.inf` and `.nan` as floats, which JSON Schema's `number` accepts; a NaN tolerance or an
    infinite stopping threshold silently breaks a run, so every numeric key refuses them by default.
    """
    yield from _BASE_TYPE(validator, types, instance, schema)
    if _is_nonfinite(instance) and not schema.get("allow_nonfinite", False):
        yield jsonschema.ValidationError(f"{instance!r} is not a finite number", validator="finite")


_BASE_TYPE = jsonschema.Draft202012Validator.VALIDATORS["type"]
_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"type": _type_or_finite})

# A number written without a dot before the exponent (1e-3): YAML 1.1 reads it as text.
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _explain(error: jsonschema.ValidationError) -> str:
    """One line: which key, what is wrong, what is allowed."""
    key = _key_path(error)
    v = error.validator
    if v == "finite":
        return (
            f"{key} = {error.instance!r} is not a finite number; give a finite value "
            "(NaN and infinity are refused for every numeric key)"
        )
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        where = key if key != "<top level>" else "the top level"
        path = tuple(str(p) for p in error.absolute_path)
        renamed = [f"{k!r} was renamed to {RENAMED_KEYS[(*path, k)]!r}" for k in extra if (*path, k) in RENAMED_KEYS]
        hint = f"; {', '.join(renamed)}: rename it in your file" if renamed else ""
        return f"unknown key(s) {', '.join(map(repr, extra))} in {where}; allowed keys: {', '.join(allowed)}{hint}"
    if v == "enum":
        return f"{key} = {error.instance!r} is not allowed; choose one of {error.validator_value}"
    if v == "type":
        return f"{key} = {error.instance!r} has the wrong type; expected {error.validator_value}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[v]
        return f"{key} = {error.instance!r} is out of range; it must be {bound} {error.validator_value}"
    if v == "required":
        return f"{key} is missing a required key: {error.message}"
    if v in ("pattern", "minLength") and key.startswith("findings."):
        return (
            f"{key}: a finding's declaration must carry its evidence: the fraction of instances (k/n) on the main "
            "instances and on a hold-out (the word 'hold-out'), the date (YYYY-MM-DD) and a pointer to "
            f"docs/claims.md; missing: {error.validator_value!r}"
        )
    desc = error.schema.get("description", "")
    return f"{key}: {error.message}" + (f" ({desc.strip()})" if desc else "")


def _coerce_numbers(config: dict, validator: jsonschema.Validator) -> None:
    """Turn number-like text where the schema wants a number into that number, in place.

    YAML 1.1 reads `1e-3` (no dot) as the string '1e-3', and `--config a.b=60` passes '60' as text; both are
    meant as numbers. Only text that is a plain decimal or scientific number is converted, and only where the
    schema's type is number or integer (an integer must come out integral); anything else is left for the
    validator to refuse.
    """
    for _ in range(3):  # a converted value can expose a sibling's error only once per level; 3 passes suffice
        changed = False
        for err in validator.iter_errors(config):
            if err.validator != "type" or not isinstance(err.instance, str):
                continue
            types = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
            text = err.instance.strip()
            if not _NUMBER_TEXT.match(text) or not {"number", "integer"} & set(types):
                continue
            value = float(text)
            if "integer" in types and value.is_integer() and "." not in text.split("e")[0].split("E")[0]:
                value = int(value)
            elif "number" not in types:
                continue
            parent = config
            *head, last = list(err.absolute_path)
            for part in head:
                parent = parent[part]
            parent[last] = value
            changed = True
        if not changed:
            return


def _lookup(tree, parts) -> tuple[bool, object]:
    """(found, value) of a dotted key path (ints index lists) in a nested dict."""
    node = tree
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return False, None
    return True, node


def _key_parts(key: str) -> list:
    return [int(p) if p.isdigit() else p for p in key.split(".")] if key and key != "<top level>" else []


def where_set(key: str, preset: str, raw: dict, sources: list[tuple[str, dict]]) -> str:
    """The file (or `--config`) that gave `key` its value under `preset`: user files first, then the preset."""
    parts = _key_parts(key)
    if not parts:
        return "config.yaml"
    for label, layer in reversed(sources):
        if _lookup(layer, parts)[0]:
            return label
    presets = raw.get("presets") if isinstance(raw.get("presets"), dict) else {}
    overrides = presets.get(preset) if isinstance(preset, str) else None
    for n in range(len(parts), 0, -1):  # the deepest key (or parent) the preset sets
        if _lookup(overrides or {}, parts[:n])[0]:
            for label, layer in reversed(sources):
                if _lookup(layer, ["presets", preset, *parts[:n]])[0]:
                    return f"presets.{preset} in {label}"
            return f"presets.{preset} in config.yaml"
    return "config.yaml"


def _problems(config: dict, schema: dict | None) -> list[tuple[str, str]]:
    """(key, message) of every schema and cross-key problem; cross-key checks run even after schema errors."""
    validator = _validator(schema)
    _coerce_numbers(config, validator)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [(_key_path(e), _explain(e)) for e in errors]
    old_style = _old_style_untestable(config)
    if old_style:  # one message naming the new layout instead of a schema error per figure
        problems = [(k, m) for k, m in problems if not k.startswith("untestable_claims")]
        problems.append(("untestable_claims", old_style))
    bad_keys = {k for k, _ in problems}
    try:
        semantic = _semantic_problems(config)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError):
        semantic = []  # a malformed block the schema already reported; its cross-key checks cannot run
    for msg in semantic:
        m = re.match(r"[A-Za-z_][\w.]*", msg)
        key = m.group(0) if m else "<top level>"
        if key not in bad_keys:
            problems.append((key, msg))
    return problems


def validate(config: dict, schema: dict | None = None, context: str = "") -> None:
    """Raise ConfigError listing every problem in `config` (schema and cross-key checks)."""
    problems = [msg for _, msg in _problems(config, schema)]
    if problems:
        head = f"invalid configuration{context}:"
        tail = "Fix config.yaml (or the --config override); keys and ranges: workflow/schemas/config.schema.yaml"
        raise ConfigError("\n  - ".join([head, *problems]) + "\n" + tail)


def _semantic_problems(config: dict) -> list[str]:
    """Checks a JSON schema cannot express: the declarations here, each paper's sections in its wing."""
    problems = _declaration_problems(config)
    for paper in PAPERS:  # by name, as the registry: the core imports no paper
        problems += importlib.import_module(f"implreg.{paper}.config_checks").problems(config)
    return problems


def _old_style_untestable(config: dict) -> str | None:
    """The layout before grouping by reason ({figure id: {claim id: why}}): say how to convert it."""
    declared = config.get("untestable_claims")
    figures = sorted(k for k in declared or {} if isinstance(k, str) and "/" in k) if isinstance(declared, dict) else []
    if not figures:
        return None
    return (
        f"untestable_claims: {figures[0]!r} is a figure id, but untestable claims are now grouped by reason: "
        "{reason id: {why: text, claims: {figure id: [claim ids]}}}; move each claim under a reason (docs/claims.md, "
        '"Declared untestable, by reason", has every reason of config.yaml)'
    )


def _declared_untestable(config: dict):
    """(reason id, figure id, claim id, why) of every claim in config's groups by reason."""
    for reason, group in (config.get("untestable_claims") or {}).items():
        for figure, claim_ids in ((group or {}).get("claims") or {}).items():
            for cid in claim_ids or []:
                yield reason, figure, cid, group.get("why")


def untestable_declarations(config: dict) -> dict[str, dict[str, str]]:
    """The preset's untestable claims as {figure id: {claim id: why}}, from config's groups by reason
    (`untestable_claims: {reason id: {why, claims: {figure id: [claim ids]}}}`; the long account of each reason
    is in docs/claims.md under its id)."""
    out: dict[str, dict[str, str]] = {}
    for _, figure, cid, why in _declared_untestable(config):
        out.setdefault(figure, {})[cid] = why
    return out


def _untestable_twice(config: dict) -> list[str]:
    """A claim listed under two reasons: which reason the claims file gives would be an accident of order."""
    reasons: dict[tuple[str, str], list[str]] = {}
    for reason, figure, cid, _ in _declared_untestable(config):
        reasons.setdefault((figure, cid), []).append(reason)
    return [
        f"untestable_claims: {figure} {cid} is declared under {len(names)} reasons ({', '.join(names)}); keep one"
        for (figure, cid), names in sorted(reasons.items())
        if len(names) > 1
    ]


def _declaration_problems(config: dict) -> list[str]:
    """untestable_claims / findings: no convergence claim (every preset tests it), no claim declared twice."""
    problems = _untestable_twice(config)
    declared = {"untestable_claims": untestable_declarations(config), "findings": config.get("findings") or {}}
    for kind, by_figure in declared.items():
        for figure, claims in sorted(by_figure.items()):
            for cid in sorted(claims or {}):
                if is_convergence_id(cid):
                    what = "untestable" if kind == "untestable_claims" else "a finding"
                    problems.append(
                        f"{kind}: {figure} {cid}: a convergence claim cannot be declared {what} (every preset must "
                        f"test and pass it); remove it from {kind}"
                    )
    for figure, claims in sorted(declared["findings"].items()):
        both = sorted(set(claims or {}) & set(declared["untestable_claims"].get(figure) or {}))
        if both:
            problems.append(
                f"findings.{figure}: {both} also declared in untestable_claims; a finding is tested (and fails): "
                "keep one declaration"
            )
    return problems


def _number_text(value):
    """`3e3` / '60' (number-like text, as YAML 1.1 and --config pass them) as the number they mean; else as is."""
    if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    return value


def user_layer(sources: list[tuple[str, dict]]) -> dict:
    """The user's own values (--configfile files, then --config), without their `presets` block."""
    out: dict = {}
    for _label, layer in sources:
        out = deep_merge(out, {k: v for k, v in (layer or {}).items() if k != "presets"})
    return out


def _leaves(tree, parts=()):
    if isinstance(tree, dict) and tree:
        for k, v in tree.items():
            yield from _leaves(v, (*parts, k))
    else:
        yield parts, tree


def preset_conflicts(raw: dict, preset: str, sources: list[tuple[str, dict]]) -> list[str]:
    """One note per value a user file sets that the preset would also set (differently); the user's value wins."""
    notes = []
    overrides = (raw.get("presets") or {}).get(preset) or {}
    for label, layer in sources:
        for parts, value in _leaves({k: v for k, v in (layer or {}).items() if k not in ("presets", "preset")}):
            if not parts:
                continue
            found, preset_value = _lookup(overrides, list(parts))
            value = _number_text(value)  # `3e3` (text to YAML 1.1) is the number 3000, as the validator reads it
            if found and preset_value != value:
                key = ".".join(map(str, parts))
                notes.append(
                    f"{key} = {value!r} from {label} is used; presets.{preset} would set it to {preset_value!r} "
                    "(values in a --configfile or --config override the preset's)"
                )
    return notes


def resolve(
    raw: dict, schema: dict | None = None, sources: list[tuple[str, dict]] | None = None, notes: list | None = None
) -> dict:
    """Merge the chosen preset into the base config, then the user's own values, and validate the result.

    Precedence, lowest first: config.yaml, ``presets.<preset>``, then `sources` (the --configfile files in
    order, then --config; each a (label, dict) pair): a value the user wrote in their own file always wins
    over a preset, and each such override is reported in `notes`. Every preset is validated (not only the
    chosen one), so a typo in a preset that is not in use today is still reported, and all problems of all
    presets are listed at once, each with the file that set the offending value.
    """
    schema = schema or _default_schema()
    sources = list(sources or [])
    preset = raw.get("preset", "default")
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ConfigError(
            f"preset = {preset!r} is not allowed; choose one of {list(PRESETS)} "
            f"in {where_set('preset', preset, raw, sources)} or on the command line (e.g. --config preset=smoke)"
        )
    presets = raw.get("presets") or {}
    if not isinstance(presets, dict):
        raise ConfigError("presets must be a mapping of preset name to overrides; fix config.yaml")
    unknown = sorted(set(presets) - set(PRESETS))
    if unknown:
        raise ConfigError(f"presets: unknown preset(s) {unknown} in config.yaml; allowed: {list(PRESETS)}")
    user = user_layer(sources)
    resolved, found = None, {}
    for name in [preset, *(p for p in PRESETS if p != preset)]:
        merged = deep_merge(deep_merge(raw, presets.get(name) or {}), user)
        merged["preset"] = name
        problems = _problems(merged, schema)
        finite = {k for k, m in problems if "is not a finite number" in m}
        for key, msg in problems:
            if key in finite and "is not a finite number" not in msg:
                continue  # NaN also fails every range check; one line is enough
            found.setdefault((msg, where_set(key, name, raw, sources)), []).append(name)
        if name == preset:
            resolved = merged
    if found:
        lines = [
            ("" if len(names) == len(PRESETS) else f"(preset {', '.join(map(repr, names))}) ")
            + f"{msg} [set in {where}]"
            for (msg, where), names in found.items()
        ]
        head = "invalid configuration:"
        tail = (
            "Fix each value in the file named in brackets (config.yaml, a --configfile, or --config); keys and "
            "ranges: workflow/schemas/config.schema.yaml"
        )
        raise ConfigError("\n  - ".join([head, *lines]) + "\n" + tail)
    if notes is not None:
        notes.extend(preset_conflicts(raw, preset, sources))
    return resolved
