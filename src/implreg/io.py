"""Atomic writers: a file appears under its final name only once fully written."""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from implreg.errors import DataError, WriteError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None):
    """Yield a temporary path beside `path`; rename onto `path` only if the block succeeds.

    A write that fails for want of space (or permission) raises WriteError naming `path` and the fix, whatever
    the writer (numpy's OSError, torch's "inline_container" RuntimeError). Temp files of `path` that an earlier,
    killed writer left behind go once `path` is written.
    """
    path = Path(path)
    sfx = suffix if suffix is not None else "".join(path.suffixes)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + sfx, dir=path.parent)
        os.close(fd)
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        if _write_failure(exc):
            raise WriteError(_write_failure_message(path, exc)) from None
        raise
    for stale in stale_temps(path):
        with contextlib.suppress(OSError):
            stale.unlink()


def stale_temps(path: str | os.PathLike) -> list[Path]:
    """Temp files of `path` (``.<name>.<random>.tmp<suffix>``) left by a writer that was killed mid-way."""
    path = Path(path)
    return sorted(path.parent.glob(f".{glob.escape(path.name)}.*.tmp*")) if path.parent.is_dir() else []


_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES}


def _write_failure(exc: BaseException) -> bool:
    """A write that failed for want of space or permission (not a bug in the writer)."""
    if isinstance(exc, OSError):
        return exc.errno in _FULL_ERRNOS
    # torch.save on a full disk: "[enforce fail at inline_container.cc:...] . unexpected pos ..." or
    # "PytorchStreamWriter failed writing file ...".
    return isinstance(exc, RuntimeError) and ("inline_container" in str(exc) or "PytorchStreamWriter" in str(exc))


def _write_failure_message(path: Path, exc: BaseException) -> str:
    import shutil

    folder = path.parent if path.parent.is_dir() else Path(".")
    try:
        free = f"{shutil.disk_usage(folder).free / 2**20:,.1f} MB free there"
    except OSError:
        free = "free space unknown"
    why = (
        exc.strerror
        if isinstance(exc, OSError) and exc.strerror
        else f"torch's writer failed, as on a full disk: {exc}"
    )
    return (
        f"cannot write {path} ({why}; {free}). Free space on the disk that holds {folder} (or make the folder "
        "writable) and rerun snakemake: the job starts over, or resumes from its last checkpoint."
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path, obj) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


def rebuild_hint(path) -> str:
    """How to rebuild one damaged intermediate file and everything made from it. A plain rerun after deleting it
    is not enough once the outputs made from it exist: Snakemake answers "Nothing to be done" (a missing
    intermediate file is not a reason to rebuild); named as a target it is rebuilt, and then what uses it."""
    return (
        f"delete it and rerun snakemake with it as the first target (`snakemake {path} <your targets>`), which "
        "rebuilds it and everything made from it"
    )


def unreadable(path, why: str) -> DataError:
    """The error for an intermediate file that cannot be used: names the file, what is wrong and the fix."""
    return DataError(f"{path} {why}; it is corrupt or was written by another version: {rebuild_hint(path)}.")


class Record(dict):
    """A dict read from a file: a missing key raises DataError naming the file and the fix (not KeyError)."""

    def __init__(self, path, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.path = str(path)

    def __missing__(self, key):
        raise unreadable(self.path, f"has no {key!r} entry (it holds {sorted(map(str, self))})")

    def __reduce__(self):  # pickles/copies as a plain dict
        return (dict, (dict(self),))


class NpzRecord(Record):
    """The arrays of an .npz file, read eagerly; usable where `np.load` was (``with``, ``.files``)."""

    @property
    def files(self) -> list[str]:
        return list(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


def read_json(path):
    """Parsed JSON; objects are Records (a missing key names the file). Unreadable files raise DataError."""
    try:
        return json.loads(Path(path).read_text(), object_hook=lambda d: Record(path, d))
    except json.JSONDecodeError as exc:
        raise unreadable(path, f"is not valid JSON ({exc})") from None
    except UnicodeDecodeError as exc:
        raise unreadable(path, f"is not text ({exc})") from None
    except IsADirectoryError:
        raise unreadable(path, "is a folder, not a JSON file") from None


def read_npz(path, keys: tuple[str, ...] = ()) -> NpzRecord:
    """Every array of an .npz file (read at once), checking `keys` are there; a damaged file raises DataError.

    A truncated or overwritten file (BadZipFile), a damaged member (zlib/CRC errors) or a missing array all
    name the file and say to delete it and rerun, instead of a bare traceback.
    """
    import zipfile
    import zlib

    try:
        with np.load(path, allow_pickle=False) as z:
            out = NpzRecord(path, {k: z[k] for k in z.files})
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, KeyError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise DataError(f"{path} does not exist; rerun snakemake to build it.") from None
        raise unreadable(path, f"is not a readable .npz archive ({type(exc).__name__}: {exc})") from None
    missing = [k for k in keys if k not in out]
    if missing:
        raise unreadable(path, f"lacks the array(s) {missing} (it holds {sorted(out)})")
    return out


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


def read_csv_rows(path, allow_empty: bool = False, numeric: tuple[str, ...] = ()) -> list[dict]:
    """Rows of a CSV written by write_csv, with numbers and booleans converted back.

    A file without rows (unless `allow_empty`), with ragged rows, or with a non-number in a numeric column (the
    `numeric` ones, and any holding a number: write_csv never mixes numbers and text in a column) raises
    DataError naming it. (Majority voting let a damaged two-row file through to a raw ValueError.)
    """
    import csv

    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise unreadable(path, f"is not a CSV table ({exc})") from None
    if not rows and not allow_empty:
        raise unreadable(path, "has no data rows")
    for i, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise unreadable(path, f"line {i} does not match the header")
    parsed = [{k: _parse(v) for k, v in row.items()} for row in rows]
    # A column is numeric when most of its filled cells are numbers; then every filled cell must be one.
    for col in parsed[0] if parsed else []:
        filled = [(i, r[col]) for i, r in enumerate(parsed, start=2) if r[col] != ""]
        numbers = [v for _, v in filled if _is_number(v)]
        if col in numeric or numbers:
            bad = [(i, v) for i, v in filled if not _is_number(v)]
            if bad:
                i, v = bad[0]
                raise unreadable(path, f"has {v!r} in the numeric column {col!r} at line {i}")
    return [Record(f"{path} (line {i})", row) for i, row in enumerate(parsed, start=2)]


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _parse(v: str):
    if v in ("True", "False"):
        return v == "True"
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return v
