"""Preset resolution and validation of config.yaml, with errors that name the key and the fix."""

from __future__ import annotations

import copy
import functools
import math
import re
from pathlib import Path

import jsonschema
import numpy as np
import yaml

from implreg.claims import is_convergence_id
from implreg.errors import ConfigError

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
    by_exp = tc.get("init_stds_by_experiment", {})
    unknown = sorted(set(by_exp) - set(names))
    if unknown:
        problems.append(f"norms.tc.init_stds_by_experiment: {unknown} name no experiment; experiments are {names}")
    for name, stds in sorted(by_exp.items()):
        extra = [s for s in stds if s not in tc["init_stds"]]
        if extra:
            problems.append(
                f"norms.tc.init_stds_by_experiment.{name}: {extra} not in norms.tc.init_stds {tc['init_stds']} "
                "(list a subset: run seeds derive from the position in init_stds)"
            )
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
    if dyn:
        components = dyn["components"] if dyn["components"] is not None else _default_components(dyn["shape"])
        if dyn["target_rank"] > components:
            problems.append(
                f"tf.dynamics.target_rank = {dyn['target_rank']} exceeds components = {components} (the model's "
                "CP components R): the model could not express the ground truth; lower target_rank or raise components"
            )
    for i, exp in enumerate(tc["experiments"]):
        most = _default_components([exp["dim"]] * exp["order"])
        if exp["target_rank"] > most:
            problems.append(
                f"norms.tc.experiments.{i}.target_rank = {exp['target_rank']} exceeds {most}, the largest CP rank "
                f"the CP-rank estimate considers for a {exp['dim']}^{exp['order']} tensor"
            )
    problems += _declaration_problems(config)
    problems += _htf_problems(config.get("htf", {}).get("dynamics"))
    problems += _htf_robustness_problems(config.get("htf", {}))
    problems += _locality_problems(config.get("htf", {}).get("locality"))
    return problems


def _declaration_problems(config: dict) -> list[str]:
    """untestable_claims / findings: no convergence claim (every preset tests it), no claim declared twice."""
    problems = []
    declared = {kind: config.get(kind) or {} for kind in ("untestable_claims", "findings")}
    for kind, by_figure in declared.items():
        for figure, claims in sorted(by_figure.items()):
            for cid in sorted(claims or {}):
                if is_convergence_id(cid):
                    what = "untestable" if kind == "untestable_claims" else "a finding"
                    problems.append(
                        f"{kind}.{figure}.{cid}: a convergence claim cannot be declared {what} (every preset must "
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


def _default_components(shape) -> int:
    """Product of all mode sizes but the largest (the CP components that can express any such tensor)."""
    dims = sorted(int(d) for d in shape)
    return int(np.prod(dims[:-1], dtype=np.int64)) if len(dims) > 1 else 1


def _locality_problems(loc: dict | None) -> list[str]:
    """htf.locality: the images fit on the canvas, the IGC sub-batch fits in a batch."""
    if not loc:
        return []
    problems = []
    same = loc.get("is_same", {})
    width = same.get("canvas_width", 224)
    too_far = [d for d in same.get("distances", []) if 64 + d > width]
    if too_far:
        problems.append(
            f"htf.locality.is_same.distances: {too_far} do not fit two 32-px images on a canvas_width of {width} "
            f"(need canvas_width >= 64 + d); lower them or raise canvas_width"
        )
    batch = loc.get("train", {}).get("batch_size", 64)
    for task in ("is_same", "pathfinder"):
        k = loc.get(task, {}).get("reg_batch_size", 0)
        if k > batch:
            problems.append(
                f"htf.locality.{task}.reg_batch_size = {k} exceeds htf.locality.train.batch_size = {batch}; "
                "use at most the batch size (0 = the whole batch)"
            )
    return problems


def _htf_robustness_problems(htf: dict) -> list[str]:
    """htf.robustness: each model's instances are among data_seeds, none of which is one of the figures' own."""
    rob, dyn = htf.get("robustness"), htf.get("dynamics") or {}
    if not rob:
        return []
    problems = []
    seeds = list(rob["data_seeds"])
    for model, n in rob["instances"].items():
        if n > len(seeds):
            problems.append(
                f"htf.robustness.instances.{model} = {n} exceeds the {len(seeds)} data_seeds: add data seeds to "
                f"htf.robustness.data_seeds or lower instances.{model}"
            )
    shared = sorted(set(seeds) & set(dyn.get("data_seeds") or []))
    if shared:
        problems.append(
            f"htf.robustness.data_seeds: {shared} are also the figures' instances (htf.dynamics.data_seeds): the "
            "robustness instances must be new ones (e.g. 100 and up)"
        )
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
    mf, cp = dyn["mf"], dyn["cp"]
    if mf["target_rank"] > mf["dim"]:
        problems.append(
            f"htf.dynamics.mf.target_rank = {mf['target_rank']} exceeds mf.dim = {mf['dim']} (a dim x dim matrix "
            "has rank at most dim)"
        )
    cp_components = cp["components"] if cp["components"] is not None else cp["dim"] ** (cp["order"] - 1)
    if cp["target_rank"] > cp_components:
        problems.append(
            f"htf.dynamics.cp.target_rank = {cp['target_rank']} exceeds cp.components = {cp_components}: the model "
            "could not express the ground truth"
        )
    ht = dyn["ht"]
    levels = int(np.log2(ht["order"]))
    if len(ht["target_ranks"]) == levels:
        for lev, rank in enumerate(ht["target_ranks"]):
            modes = 2**lev  # a level-l node spans 2^l modes; its rank is bounded by both sides' sizes
            most = min(ht["dim"] ** modes, ht["dim"] ** (ht["order"] - modes))
            if lev > 0:
                most = min(most, ht["target_ranks"][lev - 1] ** 2)
            if rank > most:
                problems.append(
                    f"htf.dynamics.ht.target_ranks.{lev} = {rank} exceeds {most}, the largest rank a node of "
                    f"{modes} mode(s) of size {ht['dim']} can have at that level; lower it"
                )
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
    root = list(range(1, ht["order"] // 2 + 1))  # the HT claims read the root split's matricization
    if sorted(root) not in [sorted(m) for m in dyn["matricizations"]]:
        problems.append(
            f"htf.dynamics.matricizations: must include the root split {root} (the HT dynamics claims count its "
            f"singular values); add {root}"
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
