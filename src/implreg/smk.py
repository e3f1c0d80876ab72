"""Helpers the Snakemake rules call (workflow/rules/*.smk), kept here so the rules stay thin and testable.

- the config: resolved with the user's --configfile/--config values over the preset, errors naming the file;
- wildcard values that are not configured: an error listing what is (not a bare KeyError);
- dataset paths: fake smoke data and real data never share a folder;
- run-only knobs (checkpoint interval): passed to jobs through the environment, never through `params:`,
  so changing them reruns nothing (Snakemake reruns a job whose params change).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import yaml

from implreg.config import load_yaml_strict, resolve
from implreg.errors import ConfigError

CHECKPOINT_DIR = "results/checkpoints"
ENV_CHECKPOINT_EVERY_S = "IMPLREG_CHECKPOINT_EVERY_S"
ENV_CHECKPOINT_DIR = "IMPLREG_CHECKPOINT_DIR"

# The four IDX files of MNIST and Fashion-MNIST (same names for both; always stored gzipped).
IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def _label(path) -> str:
    path = Path(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def config_sources(config_settings) -> list[tuple[str, dict]]:
    """The user's own config layers in the order Snakemake applies them: each --configfile, then --config."""
    sources = []
    for path in getattr(config_settings, "configfiles", None) or []:
        try:
            data = load_yaml_strict(path) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"--configfile {path} cannot be read ({exc}); fix or remove it") from None
        if not isinstance(data, dict):
            raise ConfigError(f"--configfile {path} must hold a mapping of keys to values, not {type(data).__name__}")
        sources.append((_label(path), data))
    overrides = _cli_booleans(dict(getattr(config_settings, "config", None) or {}))
    if overrides:
        sources.append(("--config", overrides))
    return sources


def resolve_workflow_config(config: dict, config_settings=None, stream=None) -> dict:
    """Resolve Snakemake's merged `config`; user files win over the preset, and each such win is printed."""
    notes: list[str] = []
    load_yaml_strict(Path(__file__).resolve().parents[2] / "config.yaml")  # a key twice in the user's config.yaml
    cfg = resolve(_cli_booleans(dict(config)), sources=config_sources(config_settings), notes=notes)
    for note in notes:
        print(f"implreg config note: {note}", file=stream or sys.stderr)
    return cfg


# Flat switches given on the command line (`--config claims_must_pass=false`): Snakemake passes lowercase words on
# as strings. Every top-level boolean key of the schema takes YAML 1.1's boolean words, whatever their case.
YAML_BOOLEANS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _cli_boolean_keys() -> list[str]:
    from implreg.config import _default_schema

    props = _default_schema().get("properties", {})
    return sorted(k for k, v in props.items() if isinstance(v, dict) and v.get("type") == "boolean")


def _cli_booleans(config: dict) -> dict:
    for key in _cli_boolean_keys():
        value = config.get(key)
        if isinstance(value, str) and value.strip().lower() in YAML_BOOLEANS:
            config[key] = YAML_BOOLEANS[value.strip().lower()]
    return config


# Config keys that cannot change results (they reach the jobs through the environment, set_run_env).
RUN_ONLY_KEYS = ("checkpoint_every_s",)


def result_config_hash(cfg: dict) -> str:
    """The report's config hash, over what can change results: a run-only knob (checkpoint interval) or a
    restated default changes nothing, so it reruns nothing (the whole config as a parameter did)."""
    from implreg.report.provenance import config_hash

    return config_hash({k: v for k, v in cfg.items() if k not in RUN_ONLY_KEYS})


def set_run_env(cfg: dict) -> None:
    """Knobs that cannot change results reach the jobs through the environment (inherited by every job)."""
    os.environ[ENV_CHECKPOINT_EVERY_S] = repr(float(cfg["checkpoint_every_s"]))
    os.environ[ENV_CHECKPOINT_DIR] = CHECKPOINT_DIR


def configured(mapping: dict, value, what: str, key: str, target: str = ""):
    """mapping[value]; an unconfigured value stops the DAG with the configured ones and the fix.

    `what` names the wildcard (e.g. "depth"), `key` the config key listing the values, `target` the file
    pattern asked for (so the message says which file cannot be built).
    """
    for candidate in (value, _as_number(value)):
        if candidate is not None and candidate in mapping:
            return mapping[candidate]
    allowed = ", ".join(str(k) for k in mapping)
    asked = f" ({target})" if target else ""
    raise ConfigError(
        f"{what} {value!r}{asked} is not configured: {key} has {what}s [{allowed}]. Ask for one of those, "
        f"or add {value!r} to {key} in config.yaml or a --configfile."
    )


def _as_number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None


def data_dir(source: str, dataset: str) -> str:
    """Folder of one dataset's IDX files: fake smoke data and real data never share a path."""
    kind = "fake" if source == "fake" else "real"
    return f"results/data/{kind}/{dataset}"


def data_manifest(source: str, dataset: str) -> str:
    return f"{data_dir(source, dataset)}/manifest.json"


def check_figure_targets(targets, figures) -> None:
    """Stop before the DAG is built when a requested figure is not one this configuration draws.

    A figure for an unconfigured value (``dmf_unobserved_entry_depth5.pdf`` with depths 2-4, ``tc_rank9_order3``)
    would otherwise fail deep inside an input function; this names the configured figures of the same kind.
    Only paths under figures/ of a kind this pipeline draws are checked (others: Snakemake's MissingRuleException).
    """
    known = set()
    for fig in figures:
        stem = fig[: -len(".pdf")]
        known |= {fig, f"{stem}.png", f"{stem}.claims.json"}
    for target in targets or ():
        target = str(target)
        if not target.startswith("figures/") or target in known:
            continue
        if not target.endswith((".pdf", ".png", ".claims.json")):
            continue
        folder, name = target.rsplit("/", 1)
        prefix = _kind_prefix(name)
        same_kind = [f for f in figures if f.startswith(f"{folder}/{prefix}")] if prefix else []
        if not same_kind:
            continue  # not a figure kind of this pipeline at all: Snakemake says "No rule to produce"
        raise ConfigError(
            f"{target} is not a figure of this configuration. Configured figures of this kind: {same_kind}. "
            "Ask for one of those, or add the missing value to its list in config.yaml or a --configfile "
            "(see the README's Figures table)."
        )


def requested_targets(workflow) -> list[str]:
    """The targets on the command line: Snakemake 9 sets its DAG settings only after parsing the Snakefile,
    so the command line is read (check_figure_targets uses the paths under figures/, the build verdict those and
    the report's)."""
    settings = getattr(workflow, "dag_settings", None)
    if settings is not None and getattr(settings, "targets", None):
        return [str(t) for t in settings.targets]
    return [a for a in sys.argv[1:] if a.startswith(("figures/", "report/", "results/"))]


def _kind_prefix(name: str) -> str:
    """`dmf_unobserved_entry_depth5.pdf` -> `dmf_unobserved_entry_depth`; `tc_rank9_order3.pdf` -> `tc_rank`."""
    stem = name.split(".", maxsplit=1)[0]
    for i, ch in enumerate(stem):
        if ch.isdigit():
            return stem[:i]
    return stem


def data_files(source: str, dataset: str) -> list[str]:
    return [f"{data_dir(source, dataset)}/{name}" for name in IDX_FILES]


def check_findings_figures(findings, figures) -> None:
    """A finding declared for a figure this configuration does not build would be silently ignored: refuse it."""
    built = {f[len("figures/") : -len(".pdf")] for f in figures}
    unbuilt = sorted(set(findings or {}) - built)
    if unbuilt:
        raise ConfigError(
            f"findings names figure(s) {unbuilt}, which this configuration does not build (its figures: "
            f"{sorted(built)}); fix the figure id in config.yaml (findings or presets.<preset>.findings) or your "
            "--configfile."
        )


# The preset whose outputs a working folder holds (issue 27, item 4). Output paths do not name the preset, so a
# `smoke` run in a folder built by `default` would overwrite its figures and results, and (with Snakemake's
# metadata gone) a `default` run would take smoke files for current. One folder holds one preset's outputs.
PRESET_MARKER = "results/.preset"


def folder_presets(workdir: str | Path = ".") -> list[tuple[str, str]]:
    """(preset, the file that says so) of the outputs in `workdir`: the marker, then each claims file under
    figures/ (builds from before the marker have only those)."""
    root = Path(workdir)
    found = []
    marker = root / PRESET_MARKER
    if marker.is_file():
        found.append((marker.read_text().strip(), PRESET_MARKER))
    for path in sorted(root.glob("figures/*/*.claims.json")):
        try:
            preset = json.loads(path.read_text()).get("preset")
        except (OSError, ValueError, AttributeError):
            continue  # a damaged claims file is its own job's business; it is rebuilt
        if isinstance(preset, str):
            found.append((preset, str(path.relative_to(root))))
    return found


def check_folder_preset(preset: str, workdir: str | Path = ".") -> None:
    """Refuse to run `preset` in a folder that holds another preset's outputs, naming the preset, the file and
    the fixes (another folder, or moving the other build away)."""
    for other, source in folder_presets(workdir):
        if other != preset:
            raise ConfigError(
                f"this folder ({Path(workdir).resolve()}) holds the outputs of preset {other!r} ({source}); a "
                f"{preset!r} run here would overwrite them, or take them for its own (output paths do not name "
                f"the preset). Run preset {preset!r} in another folder (`snakemake --directory <another folder> "
                f"...`, or another clone), or pass --config preset={other} to work on this folder's build. To "
                f"discard the {other!r} build here, move results/, figures/ and report/ away first."
            )


def mark_folder_preset(preset: str, workdir: str | Path = ".") -> None:
    """Record which preset this folder's outputs are (before any job runs)."""
    marker = Path(workdir) / PRESET_MARKER
    if not marker.is_file() or marker.read_text().strip() != preset:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(preset + "\n")


def machine_mem_mb() -> int | None:
    """This machine's physical memory in MB (None where the OS does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(rule: str, key: str, setting: str, need: tuple[int, str], mem_mb: int, preset: str) -> None:
    """Refuse, before any job runs, a size whose job needs more memory than its rule requests (issue 27, item 6).

    `need` is (bytes at the least, what dominates) from the wing's estimator: a lower bound, so a refusal is
    always right; the job would otherwise fail allocating, hours in, with a bare torch error.
    """
    need_bytes, what = need
    need_mb = -(-int(need_bytes) // 2**20)
    if need_mb <= mem_mb:
        return
    machine = machine_mem_mb()
    fix = f"Make {key} smaller in config.yaml or your --configfile"
    if machine is not None and need_mb > machine:
        fix += f" (this machine has {_size(machine)})"
    else:
        fix += f", or, where a machine holds it, raise the request: --set-resources {rule}:mem_mb={2 * need_mb}"
    raise ConfigError(
        f"{key} ({setting}) needs at least {_size(need_mb)} of memory in {rule} (for {what}), more than the "
        f"{_size(mem_mb)} the rule requests at preset {preset!r} (its mem_mb). {fix}."
    )


def _size(mb: float) -> str:
    """800 MB, 24 GB, 1.53e+16 GB."""
    return f"{mb:,.0f} MB" if mb < 10_240 else f"{mb / 1024:,.0f} GB" if mb < 1024**3 else f"{mb / 1024:.3g} GB"
