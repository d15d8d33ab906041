"""``dyngrad.save`` and ``dyngrad.load``: checkpoints that never execute code when loaded.

The file is a zip archive (entries stored uncompressed) holding:

* ``dyngrad/manifest.json``: a magic marker, the format version, the object's structure as tagged
  JSON, and for every array entry its dtype and shape;
* ``dyngrad/data/<n>.npy``: one little-endian ``.npy`` array per stored tensor / NumPy array, read
  back with ``allow_pickle=False``.

There is no pickle anywhere, so ``load`` cannot run code whatever the file holds: a torch ``.pt``
file, a zip with a pickle payload, or a damaged file is refused with a ``SerializationError``
naming the file and the problem, and nothing is returned half-loaded. Each entry is checked
against the zip's CRC-32 while it is read.

What can be stored: nested ``dict`` / ``OrderedDict`` (keys: str, int, float, bool, None or tuples
of those) / ``list`` / ``tuple`` of tensors (a ``Parameter`` is stored as a tensor and loads as a
plain tensor, with its ``requires_grad`` flag, which is what state_dicts hold), NumPy arrays and
scalars, ``int``, ``float``, ``bool``, ``str``, ``bytes``, ``None``, dyngrad dtypes, devices and
``Size``. Tensors that are the same view of the same memory are stored once and load as tensors
sharing one array; partly overlapping views (``t`` and ``t[0]``) are stored separately and load as
independent tensors.

Saving to a path is atomic: the archive is written to a temporary file in the same directory,
flushed, fsync'ed and moved over the target with ``os.replace``, so an error or crash mid-save
leaves any previous file intact.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict
from typing import IO, Any

from . import dtypes
from ._numpy import np
from .device import device as _device
from .tensor import Size, Tensor, _wrap

__all__ = ["save", "load", "SerializationError"]

MAGIC = "dyngrad.save"
FORMAT_VERSION = 1
_MANIFEST = "dyngrad/manifest.json"
_DATA_DIR = "dyngrad/data/"
# NumPy dtypes an array entry may have (no object, void or datetime dtypes: nothing that needs pickle)
_ARRAY_DTYPES = frozenset(
    np.dtype(n) for n in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                          "float16", "float32", "float64", "complex64", "complex128")
)


class SerializationError(RuntimeError):
    """A file that ``dyngrad.load`` refuses: damaged, truncated, foreign or of an unknown version."""


# --- saving -------------------------------------------------------------------------------------


def _path_str(path: list) -> str:
    return "".join(f"[{p!r}]" for p in path) or "<root>"


class _Encoder:
    """Turns an object into tagged JSON plus a list of arrays to store."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.entries: list[dict] = []
        self._by_view: dict[tuple, int] = {}
        self._keep_alive: list = []  # keeps saved objects alive so memory addresses stay unique

    def _array_ref(self, arr: np.ndarray, path: list) -> int:
        if arr.dtype.newbyteorder("=") not in _ARRAY_DTYPES:
            raise TypeError(f"save: can't store an array of dtype {arr.dtype} at {_path_str(path)}")
        key = (arr.__array_interface__["data"][0], arr.shape, arr.strides, arr.dtype.str)
        index = self._by_view.get(key)
        if index is None or arr.size == 0:
            index = len(self.arrays)
            self._by_view[key] = index
            self.arrays.append(arr)
            self._keep_alive.append(arr)
            self.entries.append({"name": f"{_DATA_DIR}{index}.npy", "dtype": arr.dtype.name, "shape": list(arr.shape)})
        return index

    def encode(self, obj: Any, path: list) -> Any:
        # exact type checks first: bool is an int, OrderedDict a dict, Size a tuple
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int) and type(obj) is int:
            return obj
        if type(obj) is float:
            return obj if math.isfinite(obj) else {"$t": "float", "v": repr(obj)}
        if isinstance(obj, Tensor):
            ref = self._array_ref(obj._data, path)
            return {"$t": "tensor", "ref": ref, "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            return {"$t": "ndarray", "ref": self._array_ref(obj, path)}
        if isinstance(obj, np.generic):
            return {"$t": "npscalar", "ref": self._array_ref(np.asarray(obj), path)}
        if isinstance(obj, bytes):
            return {"$t": "bytes", "v": base64.b64encode(obj).decode("ascii")}
        if isinstance(obj, dtypes.dtype):
            return {"$t": "dtype", "v": obj.name}
        if isinstance(obj, _device):
            return {"$t": "device", "v": str(obj)}
        if isinstance(obj, Size):
            return {"$t": "size", "v": [int(s) for s in obj]}
        if type(obj) is list:
            return [self.encode(v, path + [i]) for i, v in enumerate(obj)]
        if type(obj) is tuple:
            return {"$t": "tuple", "v": [self.encode(v, path + [i]) for i, v in enumerate(obj)]}
        if type(obj) in (dict, OrderedDict):
            keys = [self._key(k, path) for k in obj]
            values = [self.encode(v, path + [k]) for k, v in obj.items()]
            out = {"$t": "odict" if type(obj) is OrderedDict else "dict", "k": keys, "v": values}
            # Module.state_dict() keeps per-module versions in an attribute, as PyTorch does
            metadata = getattr(obj, "_metadata", None)
            if metadata is not None:
                out["meta"] = self.encode(metadata, path + ["_metadata"])
            return out
        hint = " (save its state_dict() instead)" if callable(getattr(obj, "state_dict", None)) else ""
        raise TypeError(f"save: can't store object of type {type(obj).__name__} at {_path_str(path)}{hint}")

    def _key(self, key: Any, path: list) -> Any:
        if key is None or type(key) in (str, int, bool, float):
            return self.encode(key, path)
        if type(key) is tuple:
            return {"$t": "tuple", "v": [self._key(k, path) for k in key]}
        raise TypeError(f"save: can't store a dict key of type {type(key).__name__} ({key!r}) at {_path_str(path)}")


def _little_endian(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and np.little_endian is False):
        return arr.astype(arr.dtype.newbyteorder("<"))
    return arr


def _write_archive(fileobj: IO[bytes], manifest: dict, arrays: list[np.ndarray]) -> None:
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.comment = f"{MAGIC} v{FORMAT_VERSION}".encode()
        zf.writestr(_MANIFEST, json.dumps(manifest, allow_nan=False, separators=(",", ":")))
        for entry, arr in zip(manifest["arrays"], arrays):
            with zf.open(entry["name"], "w", force_zip64=arr.nbytes > (1 << 30)) as out:
                np.lib.format.write_array(out, _little_endian(arr), allow_pickle=False)


def save(obj: Any, f, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (state_dicts and other nested containers of tensors) to a path or binary file.

    Writes to a path atomically (temporary file + fsync + ``os.replace``). Raises ``TypeError``
    naming the type and its place in ``obj`` for anything that can't be stored."""
    if pickle_module is not None:
        raise ValueError("save: dyngrad's format never uses pickle; pickle_module must be None")
    encoder = _Encoder()
    root = encoder.encode(obj, [])  # every TypeError is raised here, before any file is touched
    manifest = {"magic": MAGIC, "format_version": FORMAT_VERSION, "root": root, "arrays": encoder.entries}
    if hasattr(f, "write"):
        _write_archive(f, manifest, encoder.arrays)
        if hasattr(f, "flush"):
            f.flush()
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            _write_archive(out, manifest, encoder.arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


def _fsync_dir(directory: str) -> None:
    """Make the rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- loading ------------------------------------------------------------------------------------


def _check_map_location(map_location: Any) -> None:
    """PyTorch's forms are accepted; everything loads on the CPU, the only device."""
    if map_location is None or callable(map_location):
        return
    if isinstance(map_location, (str, _device)):
        _device(map_location)
    elif isinstance(map_location, dict):
        for src, dst in map_location.items():
            if not isinstance(src, str) or not isinstance(dst, (str, _device)):
                raise TypeError(f"load: map_location dict must map location strings to devices, got {src!r}: {dst!r}")
            _device(dst)
    else:
        raise TypeError(
            f"load: map_location must be None, a string, a device, a dict or a callable, got {type(map_location).__name__}"
        )


def _describe_foreign(head: bytes, names: list[str] | None) -> str:
    if names is not None:
        if any(n.endswith("data.pkl") for n in names):
            return "it is a PyTorch torch.save archive (pickle-based); dyngrad.load never unpickles"
        return "it is a zip file without a dyngrad manifest (not saved by dyngrad.save)"
    if head[:1] == b"\x80" or head[:2] in (b"(d", b"(l", b"}q", b"]q"):
        return "it looks like a pickle file (e.g. a legacy torch.save .pt); dyngrad.load never unpickles"
    if head[:6] == b"\x93NUMPY":
        return "it is a NumPy .npy file, not a dyngrad.save archive (use numpy.load)"
    if not head:
        return "the file is empty"
    return "it is not a zip archive (not saved by dyngrad.save, or truncated)"


class _Decoder:
    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays
        self._tensors: dict[tuple, Tensor] = {}

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict) or "$t" not in node:
            raise ValueError(f"malformed node {str(node)[:80]}")
        tag = node["$t"]
        if tag == "tensor":
            ref, requires_grad = self._ref(node), bool(node.get("requires_grad", False))
            # one Tensor per stored view: the same tensor saved twice loads as one tensor
            key = (ref, requires_grad)
            t = self._tensors.get(key)
            if t is None:
                arr = self.arrays[ref]
                if arr.dtype not in dtypes._FROM_NP:
                    raise ValueError(f"tensor entry {ref} has dtype {arr.dtype}, which dyngrad tensors can't hold")
                t = _wrap(arr)
                if requires_grad:
                    t.requires_grad_(True)
                self._tensors[key] = t
            return t
        if tag == "ndarray":
            return self.arrays[self._ref(node)]
        if tag == "npscalar":
            return self.arrays[self._ref(node)][()]
        if tag == "float":
            if node["v"] not in ("nan", "inf", "-inf"):
                raise ValueError(f"bad float {node['v']!r}")
            return float(node["v"])
        if tag == "bytes":
            return base64.b64decode(node["v"], validate=True)
        if tag == "dtype":
            return dtypes._by_name(node["v"])
        if tag == "device":
            return _device(node["v"])
        if tag == "size":
            return Size(int(v) for v in node["v"])
        if tag == "tuple":
            return tuple(self.decode(v) for v in node["v"])
        if tag in ("dict", "odict"):
            keys, values = node["k"], node["v"]
            if len(keys) != len(values):
                raise ValueError("dict with different numbers of keys and values")
            out = OrderedDict() if tag == "odict" else {}
            for k, v in zip(keys, values):
                out[self.decode(k)] = self.decode(v)
            if "meta" in node:
                if tag != "odict":
                    raise ValueError("metadata on a plain dict")
                out._metadata = self.decode(node["meta"])
            return out
        raise ValueError(f"unknown node type {tag!r}")

    def _ref(self, node: dict) -> int:
        ref = node["ref"]
        if type(ref) is not int or not 0 <= ref < len(self.arrays):
            raise ValueError(f"array reference {ref!r} out of range")
        return ref


def _read_entry(zf: zipfile.ZipFile, entry: dict) -> np.ndarray:
    name = entry["name"]
    with zf.open(name) as stream:
        version = np.lib.format.read_magic(stream)
        if version not in ((1, 0), (2, 0), (3, 0)):
            raise ValueError(f"entry {name}: unsupported .npy version {version}")
        header = (np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0)
        shape, fortran_order, dtype = header(stream)
        if dtype.newbyteorder("=") not in _ARRAY_DTYPES or dtype.name != entry["dtype"] or list(shape) != entry["shape"]:
            raise ValueError(
                f"entry {name} holds {dtype} {list(shape)} but the manifest says {entry['dtype']} {entry['shape']}"
            )
        count = math.prod(shape)
        raw = stream.read(count * dtype.itemsize)
        if len(raw) != count * dtype.itemsize:
            raise ValueError(f"entry {name} is shorter than its header says")
        if stream.read(1):  # also reaches the end of the entry, where zipfile checks the CRC-32
            raise ValueError(f"entry {name} has trailing bytes")
    arr = np.frombuffer(raw, dtype=dtype).copy()  # a writable array of its own
    arr = arr.reshape(shape[::-1]).transpose() if fortran_order else arr.reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=False)


def _load_archive(zf: zipfile.ZipFile, name: str) -> Any:
    names = zf.namelist()
    if _MANIFEST not in names:
        raise SerializationError(f"load: can't load {name}: {_describe_foreign(b'PK', names)}")
    try:
        manifest = json.loads(zf.read(_MANIFEST).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise SerializationError(f"load: can't load {name}: its manifest is not valid JSON ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("magic") != MAGIC:
        raise SerializationError(f"load: can't load {name}: the manifest lacks dyngrad's magic marker")
    version = manifest.get("format_version")
    if type(version) is not int or version > FORMAT_VERSION or version < 1:
        raise SerializationError(
            f"load: can't load {name}: format version {version!r} is not supported (this dyngrad reads "
            f"versions 1 to {FORMAT_VERSION}; a newer dyngrad wrote it?)"
        )
    if zf.comment != f"{MAGIC} v{version}".encode():
        raise SerializationError(f"load: can't load {name}: the end of the archive is damaged (truncated file?)")
    try:
        entries = manifest["arrays"]
        expected = {_MANIFEST} | {e["name"] for e in entries}
        if [e["name"] for e in entries] != [f"{_DATA_DIR}{i}.npy" for i in range(len(entries))]:
            raise ValueError("array entries are not numbered in order")
        extra = sorted(set(names) - expected)
        if extra:
            raise ValueError(f"unexpected entries {extra[:5]} (dyngrad never writes those; refusing the file)")
        missing = sorted(expected - set(names))
        if missing:
            raise ValueError(f"missing entries {missing[:5]}")
        if len(names) != len(set(names)):
            raise ValueError("duplicate entry names")
        arrays = [_read_entry(zf, e) for e in entries]
        return _Decoder(arrays).decode(manifest["root"])
    except zipfile.BadZipFile as e:
        raise SerializationError(f"load: can't load {name}: corrupt data ({e})") from None
    except (ValueError, KeyError, TypeError, AttributeError, OSError, EOFError, RecursionError) as e:
        raise SerializationError(f"load: can't load {name}: {type(e).__name__}: {e}") from None


def load(f, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool | None = True,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Load an object saved by ``dyngrad.save`` from a path or binary file.

    Never executes code: there is no pickle in the format, so ``weights_only`` is always in effect.
    ``map_location`` is checked (PyTorch's forms) and otherwise ignored: everything is on the CPU."""
    if pickle_module is not None:
        raise ValueError("load: dyngrad's format never uses pickle; pickle_module must be None")
    _check_map_location(map_location)
    if hasattr(f, "read"):
        name = getattr(f, "name", None)
        name = repr(name) if isinstance(name, str) else f"<{type(f).__name__}>"
        return _load_file(f, name)
    path = os.fspath(f)
    with open(path, "rb") as fh:
        return _load_file(fh, repr(path))


def _load_file(fh: IO[bytes], name: str) -> Any:
    start = fh.tell() if fh.seekable() else 0
    if not fh.seekable():
        fh = io.BytesIO(fh.read())
    head = fh.read(8)
    fh.seek(start)
    if head[:2] != b"PK":
        raise SerializationError(f"load: can't load {name}: {_describe_foreign(head, None)}")
    try:
        zf = zipfile.ZipFile(fh, "r")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise SerializationError(
            f"load: can't load {name}: not a readable zip archive, probably truncated or corrupt ({e})"
        ) from None
    with zf:
        return _load_archive(zf, name)
