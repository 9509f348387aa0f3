"""The IDX file format of MNIST and Fashion-MNIST: read it, check it, write it.

An IDX file is a header and then the values, all big-endian::

    bytes 0-1   0x00 0x00
    byte  2     data type code: 0x08 unsigned byte, 0x09 signed byte, 0x0B int16,
                0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    then        d sizes, 4-byte unsigned ints each
    then        the values, row-major (size_0 * ... * size_{d-1} of them)

So the MNIST image files start with the magic number 0x00000803 (unsigned bytes, 3 dimensions:
count, rows, columns) and the label files with 0x00000801. Files may be gzipped (detected from
their first bytes, not their name). Every check is strict: a wrong header or a file that is
shorter or longer than its header says raises :class:`IDXError` naming the file.
"""

from __future__ import annotations

import gzip
import os
import zlib
from functools import lru_cache

import numpy as np

__all__ = ["IDXError", "read_idx", "read_idx_images", "read_idx_labels", "write_idx"]

# type code -> (big-endian numpy dtype, name)
_CODES = {
    0x08: (">u1", "unsigned byte"),
    0x09: (">i1", "signed byte"),
    0x0B: (">i2", "int16"),
    0x0C: (">i4", "int32"),
    0x0D: (">f4", "float32"),
    0x0E: (">f8", "float64"),
}
_CODE_OF = {np.dtype(dt).newbyteorder("="): code for code, (dt, _) in _CODES.items()}

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


class IDXError(ValueError):
    """An IDX file that is corrupt, truncated, or not the kind of file expected."""


def _describe(magic: int) -> str:
    code, ndim = (magic >> 8) & 0xFF, magic & 0xFF
    name = _CODES[code][1] if code in _CODES else "unknown type"
    return f"0x{magic:08X} (type code 0x{code:02X} = {name}, {ndim} dimensions)"


def _file_bytes(path: str) -> tuple[bytes, bool]:
    """The file's bytes, gunzipped when they are gzip data; and whether they were."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        return raw, False
    try:
        return gzip.decompress(raw), True
    except (EOFError, OSError, zlib.error) as e:
        raise IDXError(
            f"{path}: the gzip data is truncated or corrupt ({e}); download the file again"
        ) from None


def _parse(raw: bytes, path: str, gz: bool, magic: int | None) -> np.ndarray:
    """The array in IDX bytes ``raw``; ``magic``, when given, is the header expected."""
    where = f"{path}{' (after gunzip)' if gz else ''}"
    if len(raw) < 4:
        raise IDXError(f"{where}: expected at least 4 bytes (the IDX magic number), got {len(raw)}")
    found = int.from_bytes(raw[:4], "big")
    if raw[0] != 0 or raw[1] != 0:
        raise IDXError(
            f"{path}: not an IDX file: its magic number 0x{found:08X} should start with two "
            "zero bytes"
        )
    if magic is not None and found != magic:
        raise IDXError(
            f"{path}: expected the magic number {_describe(magic)}, got {_describe(found)}"
        )
    code, ndim = raw[2], raw[3]
    if code not in _CODES:
        raise IDXError(f"{path}: unknown IDX data type code 0x{code:02X} in the magic number")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(
            f"{where}: truncated header: expected {header} bytes for {ndim} dimension sizes, "
            f"got {len(raw)}"
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_CODES[code][0])
    count = int(np.prod(shape, dtype=np.int64))
    expected = header + count * dtype.itemsize
    if len(raw) != expected:
        what = (
            "truncated" if len(raw) < expected else f"{len(raw) - expected} extra bytes at the end"
        )
        raise IDXError(
            f"{where}: expected {expected} bytes ({header}-byte header + {count} values of "
            f"{dtype.itemsize} byte(s) for shape {shape}), got {len(raw)}: {what}"
        )
    arr = np.frombuffer(raw, dtype, count=count, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))  # a native-order copy that owns its memory


@lru_cache(maxsize=16)
def _read_cached(path: str, magic: int | None, mtime_ns: int, size: int) -> np.ndarray:
    raw, gz = _file_bytes(path)
    arr = _parse(raw, path, gz, magic)
    arr.flags.writeable = False  # the cached copy is shared; callers get their own copies
    return arr


def _read(path: str | os.PathLike, magic: int | None) -> np.ndarray:
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_idx(): no such file: {path}")
    st = os.stat(path)
    return _read_cached(os.path.abspath(path), magic, st.st_mtime_ns, st.st_size).copy()


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in an IDX file (raw or gzipped), with its stored dtype and shape.

    Parsed files are cached in-process (keyed on path, size and modification time).
    """
    return _read(path, None)


def read_idx_images(path: str | os.PathLike) -> np.ndarray:
    """An MNIST-style image file: magic 0x00000803, a uint8 array of shape (N, rows, cols)."""
    return _read(path, IMAGES_MAGIC)


def read_idx_labels(path: str | os.PathLike) -> np.ndarray:
    """An MNIST-style label file: magic 0x00000801, a uint8 array of shape (N,)."""
    return _read(path, LABELS_MAGIC)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file; gzipped when ``path`` ends with ``.gz``.

    The dtype must be one IDX can hold: uint8, int8, int16, int32, float32 or float64
    (MNIST images and labels are uint8: ``write_idx(p, labels.astype(np.uint8))``).
    """
    arr = np.asarray(array)
    code = _CODE_OF.get(arr.dtype.newbyteorder("="))
    if code is None or arr.dtype.kind == "b":
        raise TypeError(
            f"write_idx(): IDX holds uint8, int8, int16, int32, float32 or float64 values, got "
            f"{arr.dtype} (cast first, e.g. array.astype(np.uint8))"
        )
    if not 1 <= arr.ndim <= 255:
        raise ValueError(f"write_idx(): IDX needs 1 to 255 dimensions, got {arr.ndim}")
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, ">u4").tobytes()
    data = header + np.ascontiguousarray(arr, dtype=_CODES[code][0]).tobytes()
    path = os.fspath(path)
    if path.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)
