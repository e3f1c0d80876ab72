"""Atomic writers: a file appears under its final name only once fully written."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from implreg.errors import DataError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None):
    """Yield a temporary path beside `path`; rename onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sfx = suffix if suffix is not None else "".join(path.suffixes)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + sfx, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path, obj) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


_STALE_HINT = "it is corrupt or was written by another version: delete it and rerun snakemake to rebuild it"


def read_json(path):
    try:
        return json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON ({exc}); {_STALE_HINT}.") from None


def write_npz(path, **arrays) -> None:
    # np.savez appends .npz to names without it; the temp name keeps the suffix.
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)


def write_csv(path, rows: list[dict], columns: list[str] | None = None) -> None:
    import csv

    columns = columns or (list(rows[0].keys()) if rows else [])
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _fmt(row.get(k)) for k in columns})


def _fmt(v):
    if isinstance(v, float | np.floating):
        return repr(float(v))
    return v


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"cannot serialise {type(o).__name__} to JSON")


def read_csv_rows(path, allow_empty: bool = False) -> list[dict]:
    """Rows of a CSV written by write_csv, with numbers and booleans converted back.

    A file without rows (unless `allow_empty`) or with ragged rows raises DataError naming it.
    """
    import csv

    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows and not allow_empty:
        raise DataError(f"{path} has no data rows; {_STALE_HINT}.")
    for i, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise DataError(f"{path}: line {i} does not match the header; {_STALE_HINT}.")
    return [{k: _parse(v) for k, v in row.items()} for row in rows]


def _parse(v: str):
    if v in ("True", "False"):
        return v == "True"
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return v
