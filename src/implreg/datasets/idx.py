"""Vectorised reader/writer for the IDX format of MNIST-style datasets (raw or gzip-compressed).

Format (big-endian): two zero bytes, one dtype code byte, one byte holding the number of dimensions, then one
uint32 per dimension, then the data in C order. The whole file is read at once and parsed with numpy, so the
47 MB MNIST training images load in well under a second (the original walked them with a batch-size-1
DataLoader). Anything that does not add up (bad magic, unknown dtype, too few or too many bytes, a broken
gzip stream) raises :class:`DataError` naming the file and telling the user to delete it and fetch it again.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from implreg.errors import DataError
from implreg.io import atomic_path

# IDX dtype codes → big-endian numpy dtypes.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}

REFETCH_HINT = (
    "Delete it and rerun snakemake with it as the first target (`snakemake <that file> <your targets>`): a copy "
    "under results/data/ is then fetched again by the data step, and what was made from it rebuilt (a file in "
    "your own data_dir: replace it with a good copy, or delete it to let the step download it)."
)


def corrupt(path: str | os.PathLike, why: str) -> DataError:
    """The error for a file that exists but cannot be trusted; says how to fix it."""
    return DataError(f"dataset file {Path(path)} is truncated or corrupt: {why}. {REFETCH_HINT}")


def read_bytes(path: str | os.PathLike) -> bytes:
    """File contents, gunzipped when the name ends in .gz (a broken gzip stream raises DataError)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise DataError(f"dataset file {path} does not exist.") from exc
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise corrupt(path, f"gzip stream cannot be decompressed ({exc})") from exc


def parse_idx(data: bytes, path: str | os.PathLike = "<bytes>") -> np.ndarray:
    """Decode IDX bytes into a native-endian numpy array; `path` only names the source in errors."""
    if len(data) < 4:
        raise corrupt(path, f"only {len(data)} bytes, shorter than the 4-byte IDX header")
    if data[0] != 0 or data[1] != 0:
        raise corrupt(path, f"bad magic number {data[:4].hex()} (an IDX file starts with two zero bytes)")
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        raise corrupt(path, f"unknown IDX dtype code 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise corrupt(path, f"header announces {ndim} dimensions but the file has only {len(data)} bytes")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise corrupt(path, f"header says shape {dims} ({expected} bytes in all) but the file has {len(data)} bytes")
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)  # writable, native byte order


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (``.gz`` or raw)."""
    return parse_idx(read_bytes(path), path)


def encode_idx(array: np.ndarray) -> bytes:
    """IDX bytes for `array` (used by tests to fabricate small datasets)."""
    arr = np.asarray(array)
    native = arr.dtype.newbyteorder("=")
    if native not in _CODES:
        raise DataError(f"dtype {arr.dtype} has no IDX code; use one of uint8, int8, int16, int32, float32, float64.")
    code = _CODES[native]
    dims = np.asarray(arr.shape, dtype=">u4").tobytes()
    body = np.ascontiguousarray(arr, dtype=IDX_DTYPES[code]).tobytes()
    return bytes([0, 0, code, arr.ndim]) + dims + body


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write `array` as IDX, gzip-compressed when the name ends in .gz (atomic)."""
    data = encode_idx(array)
    if Path(path).suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
