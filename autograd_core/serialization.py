"""``save`` and ``load``: tensors, arrays and nested containers to a file and back, without pickle.

Loading a pickle can run arbitrary code, so this format holds only data. A saved file is a
zip archive (stored, not compressed) holding

* ``manifest.json``: the format name and version, the library version, and the saved object
  as JSON, where each array is replaced by a reference to its member;
* ``arrays/<n>.npy``: one numpy ``.npy`` file per array, written and read by
  ``numpy.lib.format`` with ``allow_pickle=False``.

In the manifest, ``None``, bools, ints, strings, finite floats and lists are plain JSON; every
other value is a JSON object with a ``"$type"``::

    {"$type": "dict", "items": [[key, value], ...]}        key order kept; "ordered": true
                                                           for an OrderedDict
    {"$type": "tuple", "items": [...]}
    {"$type": "float", "value": "nan" | "inf" | "-inf"}
    {"$type": "tensor", "array": "arrays/0.npy", "requires_grad": true}
    {"$type": "ndarray", "array": "arrays/1.npy"}
    {"$type": "numpy_scalar", "array": "arrays/2.npy"}     np.float32(1.5) and the like

A Tensor (or array) that appears twice is stored once and loaded back as one object, so tied
weights stay tied. ``load`` checks everything it reads and raises ``ValueError`` naming the
file and the problem for anything that is not such an archive (a pickle, a ``torch.save``
file, a truncated or corrupted file, a bad manifest, an array of Python objects).
"""

from __future__ import annotations

import collections
import json
import math
import os
import secrets
import struct
import zipfile
import zlib
from typing import Any

import numpy as np

from .tensor import Tensor, _check_device

__all__ = ["load", "save"]

FORMAT_NAME = "autograd_core"
FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
# What reading a damaged archive can raise (zipfile reports some damage as RuntimeError or
# NotImplementedError: an "encrypted" flag, an unknown compression method).
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    MemoryError,
)


# -- save ------------------------------------------------------------------------------------------
class _Encoder:
    """Turns an object into JSON-ready data, collecting its arrays (each stored once)."""

    def __init__(self) -> None:
        self.arrays: list[tuple[str, np.ndarray]] = []
        self._seen: dict[int, tuple[Any, str]] = {}  # id(obj) -> (obj, member name)
        self._open: set[int] = set()  # ids of the containers being encoded (cycle check)

    def _store(self, obj: Any, arr: np.ndarray, where: str) -> str:
        hit = self._seen.get(id(obj))
        if hit is not None:
            return hit[1]
        if arr.dtype.hasobject:
            raise TypeError(
                f"save(): {where} is an array of dtype {arr.dtype} (Python objects); only "
                f"numeric, bool and string arrays can be saved without pickle"
            )
        name = f"arrays/{len(self.arrays)}.npy"
        self.arrays.append((name, arr))
        self._seen[id(obj)] = (obj, name)  # keep obj alive so that its id stays unique
        return name

    def encode(self, obj: Any, where: str) -> Any:
        if obj is None or isinstance(obj, bool | str):
            return obj
        if isinstance(obj, Tensor):
            name = self._store(obj, obj.data, where)
            return {"$type": "tensor", "array": name, "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            return {"$type": "ndarray", "array": self._store(obj, obj, where)}
        if isinstance(obj, np.generic):  # before float: np.float64 is a float subclass
            return {"$type": "numpy_scalar", "array": self._store(obj, np.asarray(obj), where)}
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            if math.isfinite(obj):
                return float(obj)
            return {"$type": "float", "value": repr(float(obj))}
        if isinstance(obj, dict | list | tuple):
            if id(obj) in self._open:
                raise ValueError(f"save(): {where} contains itself; cannot save a cycle")
            self._open.add(id(obj))
            try:
                return self._container(obj, where)
            finally:
                self._open.discard(id(obj))
        hint = ""
        if hasattr(obj, "state_dict"):
            hint = " (save its state_dict() instead, and load it back with load_state_dict())"
        raise TypeError(
            f"save(): cannot save {where} of type {type(obj).__name__}{hint}; supported are "
            f"Tensors, numpy arrays and scalars, numbers, strings, bools, None, and dicts, "
            f"lists and tuples of them"
        )

    def _container(self, obj: dict | list | tuple, where: str) -> Any:
        if isinstance(obj, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {
                "$type": "tuple",
                "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)],
            }
        items = [
            [self.encode_key(k, where), self.encode(v, f"{where}[{k!r}]")] for k, v in obj.items()
        ]
        out: dict[str, Any] = {"$type": "dict", "items": items}
        if isinstance(obj, collections.OrderedDict):
            out["ordered"] = True
        return out

    def encode_key(self, key: Any, where: str) -> Any:
        if isinstance(key, Tensor | np.ndarray | dict | list):
            raise TypeError(
                f"save(): {where} has a key of type {type(key).__name__}; dict keys must be "
                f"strings, numbers, bools, None or tuples of them"
            )
        return self.encode(key, f"{where} key")


def save(obj: Any, f: str | os.PathLike) -> None:
    """Save ``obj`` (Tensors, numpy arrays, numbers, strings, bools, None, and dicts, lists and
    tuples of them, nested) to the file ``f``, exactly that path, without pickle.

    The write is atomic: the data goes to a temporary file in the same folder, is flushed to
    disk, and only then replaces ``f``; if anything fails, ``f`` is left as it was.
    ``model.state_dict()`` and ``optimizer.state_dict()`` can be saved as they are.
    """
    path = _path(f, "save")
    enc = _Encoder()
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "library_version": _library_version(),
        "root": enc.encode(obj, "obj"),
    }
    text = json.dumps(manifest, allow_nan=False, ensure_ascii=False)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)[:200]}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never reuse a file; mode 0o666 lets the umask decide, as for a plain open().
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                zf.writestr(_member(_MANIFEST), text.encode("utf-8"))
                for name, arr in enc.arrays:
                    with zf.open(_member(name), "w", force_zip64=arr.nbytes > 2**30) as member:
                        np.lib.format.write_array(member, arr, allow_pickle=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _member(name: str) -> zipfile.ZipInfo:
    """A member with a fixed date, so that saving the same object twice gives the same bytes."""
    return zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); harmless to skip where unsupported."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _library_version() -> str:
    from . import __version__

    return __version__


def _path(f: Any, fn: str) -> str:
    if not isinstance(f, str | os.PathLike):
        raise TypeError(
            f"{fn}(): expected a file path (str or os.PathLike), got {type(f).__name__}"
        )
    return os.fspath(f)


# -- load ------------------------------------------------------------------------------------------
class _Decoder:
    """Rebuilds the object from the manifest, reading each array member once."""

    def __init__(self, zf: zipfile.ZipFile, path: str) -> None:
        self.zf = zf
        self.path = path
        self.names = set(zf.namelist())
        self.cache: dict[tuple, Any] = {}  # (kind, member) -> the object, for shared arrays

    def fail(self, what: str) -> ValueError:
        return ValueError(f"load(): {self.path!r} is not a valid autograd_core file: {what}")

    def array(self, name: Any) -> np.ndarray:
        if not isinstance(name, str) or name not in self.names:
            raise self.fail(f"the manifest refers to a missing array member {name!r}")
        info = self.zf.getinfo(name)
        try:
            self._check_header(info)
            with self.zf.open(info) as member:
                arr = np.lib.format.read_array(member, allow_pickle=False)
                if member.read(1):
                    raise ValueError("extra bytes after the array data")
        except Exception as e:  # numpy's header parser raises ValueError, SyntaxError, ...
            raise self.fail(f"array member {name!r} cannot be read ({e})") from e
        if arr.dtype.hasobject:  # read_array already refuses these; keep the promise here too
            raise self.fail(f"array member {name!r} holds Python objects")
        return arr if arr.flags.writeable else arr.copy()

    def _check_header(self, info: zipfile.ZipInfo) -> None:
        """Compare the size the .npy header announces with the member's size before any
        memory is allocated for it (a forged header could ask for terabytes)."""
        fmt = np.lib.format
        with self.zf.open(info) as member:
            version = fmt.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = fmt.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = fmt.read_array_header_2_0(member)
            else:
                return  # (3, 0): read_array checks it
            data_bytes = info.file_size - member.tell()
        if dtype.hasobject:
            raise ValueError(f"dtype {dtype} holds Python objects, which need pickle")
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > data_bytes:
            raise ValueError(
                f"its header announces {nbytes} bytes of {dtype} {shape} but the member has "
                f"only {data_bytes} bytes of data (truncated?)"
            )

    def decode(self, node: Any, depth: int = 0) -> Any:
        if depth > 500:
            raise self.fail("the manifest is nested too deeply")
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if isinstance(node, list):
            return [self.decode(v, depth + 1) for v in node]
        if not isinstance(node, dict) or not isinstance(node.get("$type"), str):
            raise self.fail(f"unexpected entry in the manifest: {str(node)[:80]}")
        kind = node["$type"]
        if kind in ("tensor", "ndarray", "numpy_scalar"):
            name = node.get("array")
            key = (kind, name)
            if key not in self.cache:
                self.cache[key] = self._leaf(kind, node, name)
            return self.cache[key]
        items = node.get("items")
        if kind in ("dict", "tuple") and not isinstance(items, list):
            raise self.fail(f"a {kind} entry has no list of items")
        if kind == "tuple":
            return tuple(self.decode(v, depth + 1) for v in items)
        if kind == "dict":
            out = collections.OrderedDict() if node.get("ordered") else {}
            for pair in items:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise self.fail("a dict item is not a [key, value] pair")
                k = self.decode(pair[0], depth + 1)
                try:
                    out[k] = self.decode(pair[1], depth + 1)
                except TypeError as e:
                    raise self.fail(f"a dict key is not hashable ({e})") from e
            return out
        if kind == "float":
            value = node.get("value")
            if value not in ("nan", "inf", "-inf"):
                raise self.fail(f"bad float value {value!r}")
            return float(value)
        raise self.fail(f"unknown entry type {kind!r}")

    def _leaf(self, kind: str, node: dict, name: Any) -> Any:
        arr = self.array(name)
        if kind == "ndarray":
            return arr
        if kind == "numpy_scalar":
            if arr.ndim != 0:
                raise self.fail(f"numpy scalar {name!r} has shape {arr.shape}")
            return arr[()]
        rg = node.get("requires_grad", False)
        if not isinstance(rg, bool) or (rg and arr.dtype.kind != "f"):
            raise self.fail(f"tensor {name!r} has a bad requires_grad ({rg!r}, {arr.dtype})")
        return Tensor._make(arr, rg, None)


def load(f: str | os.PathLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Load what :func:`save` wrote: Tensors come back as Tensors (``requires_grad`` kept),
    arrays as arrays, numbers as numbers, dicts in their saved key order.

    Nothing in the file is ever executed. ``map_location`` and ``weights_only`` are accepted
    for code written for ``torch.load``: everything is on the CPU, and only data is loaded.

    Raises:
        ValueError: the file is not an autograd_core save file, or is damaged; the message
            names the file and what is wrong.
    """
    path = _path(f, "load")
    if isinstance(map_location, str):
        _check_device(map_location)
    with open(path, "rb") as fh:
        head = fh.read(4)
        _refuse_foreign(head, path)
        try:
            zf = zipfile.ZipFile(fh)
        except _READ_ERRORS as e:
            raise ValueError(
                f"load(): {path!r} is not a valid autograd_core file: the zip archive is "
                f"truncated or corrupted ({e})"
            ) from e
        with zf:
            dec = _Decoder(zf, path)
            manifest = _read_manifest(zf, dec)
            return dec.decode(manifest["root"])


def _refuse_foreign(head: bytes, path: str) -> None:
    if head[:1] == b"\x80":
        raise ValueError(
            f"load(): {path!r} looks like a pickle file (pickle.dump or an old torch.save); "
            f"autograd_core.load never unpickles, because unpickling can run arbitrary code. "
            f"Convert it where you trust it: load it there and save it with "
            f"autograd_core.save."
        )
    if head[:2] != b"PK":
        raise ValueError(
            f"load(): {path!r} is not an autograd_core file (it is not a zip archive; it "
            f"starts with {head!r})"
        )


def _read_manifest(zf: zipfile.ZipFile, dec: _Decoder) -> dict:
    if _MANIFEST not in dec.names:
        torch_like = any(n.endswith("data.pkl") for n in dec.names)
        what = (
            "it looks like a torch.save archive, which holds a pickle; save the tensors with "
            "autograd_core.save instead"
            if torch_like
            else f"it has no {_MANIFEST}"
        )
        raise dec.fail(what)
    try:
        manifest = json.loads(zf.read(_MANIFEST).decode("utf-8"))
    except _READ_ERRORS as e:
        raise dec.fail(f"{_MANIFEST} cannot be read ({e})") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise dec.fail(f"{_MANIFEST} does not name the {FORMAT_NAME!r} format")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise dec.fail(f"{_MANIFEST} has no format_version")
    if version > FORMAT_VERSION:
        raise dec.fail(
            f"it uses format version {version} (written by autograd_core "
            f"{manifest.get('library_version')}); this version reads up to {FORMAT_VERSION}: "
            f"upgrade autograd_core"
        )
    if "root" not in manifest:
        raise dec.fail(f"{_MANIFEST} has no root object")
    return manifest
