"""Image datasets with torchvision's names, arguments, file layout and attributes.

``MNIST``, ``FashionMNIST``, ``KMNIST`` read the IDX files under ``root/<ClassName>/raw/`` (each
file as is or gzipped, ``.gz``); ``CIFAR10`` / ``CIFAR100`` read the python batches under
``root/cifar-10-batches-py/`` / ``root/cifar-100-python/``. Files that are present are used without
any network access; ``download=True`` fetches the missing or damaged ones from the datasets' usual
mirrors, checks their MD5 and writes them atomically.

``dataset[i]`` returns ``(img, target)`` with ``img`` what torchvision gives before transforms: a
PIL Image when Pillow is installed, otherwise (Pillow is not a dependency of dyngrad) a NumPy
uint8 array, HxW for the MNIST family and HxWxC for CIFAR. Every transform in
``dyngrad.vision.transforms`` accepts both.

Batch fast path: when the transform is batch-capable (``ToTensor``, ``Normalize`` and ``Compose``
of those) and there is no ``target_transform``, ``dataset._dyngrad_batch_fetch`` is True and
``dataset.__getitems__(indices)`` returns the collated batch ``(images, targets)`` (a float tensor
N x C x H x W and an int64 tensor N) computed on the whole batch at once, with the values the
per-sample path gives. Otherwise ``__getitems__`` returns the list of samples (PyTorch's protocol).
"""

from __future__ import annotations

import gzip
import hashlib
import operator
import os
import pickle
import struct
import tarfile
from collections.abc import Callable, Sequence
from typing import Any

from .._numpy import np
from ..tensor import Tensor, _wrap
from . import _download

try:  # Pillow is optional
    from PIL import Image
except ImportError:  # pragma: no cover - depends on the environment
    Image = None

try:  # the base class once dyngrad.utils.data exists
    from ..utils.data import Dataset as _DatasetBase
except ImportError:  # pragma: no cover
    _DatasetBase = object

__all__ = ["VisionDataset", "MNIST", "FashionMNIST", "KMNIST", "CIFAR10", "CIFAR100", "read_idx"]


def _is_batch_capable(transform: Any) -> bool:
    return transform is not None and callable(getattr(transform, "batch", None)) and \
        getattr(transform, "batch_capable", True)


class VisionDataset(_DatasetBase):
    """Base of the image datasets: root, transforms, torchvision's repr and the batch fast path."""

    _repr_indent = 4

    def __init__(self, root: str | os.PathLike, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        self.transform = transform
        self.target_transform = target_transform

    # --- samples ---------------------------------------------------------------------------
    def _raw(self, index: int) -> tuple[np.ndarray, int]:
        raise NotImplementedError

    def _raw_batch(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def __getitem__(self, index) -> tuple[Any, Any]:
        """``(img, target)``: img a PIL Image (NumPy uint8 array without Pillow), then transformed."""
        index = operator.index(index) if not isinstance(index, Tensor) else int(index.item())
        img, target = self._raw(index)
        if Image is not None:
            img = Image.fromarray(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    @property
    def _dyngrad_batch_fetch(self) -> bool:
        """Whether ``__getitems__`` returns a collated batch (see the module's docstring)."""
        return self.target_transform is None and _is_batch_capable(self.transform)

    def __getitems__(self, indices: Sequence[int]):
        """The batch fast path: ``(images, targets)`` tensors when ``_dyngrad_batch_fetch``,
        else the list of samples ``[self[i] for i in indices]``."""
        if not self._dyngrad_batch_fetch:
            return [self[i] for i in indices]
        idx = np.asarray(indices._data if isinstance(indices, Tensor) else indices, dtype=np.int64).reshape(-1)
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)][0]
            raise IndexError(f"index {bad} is out of bounds for {type(self).__name__} of size {n}")
        images, targets = self._raw_batch(idx)
        # a list, like default_collate's result for (image, target) samples
        return [self.transform.batch(images), _wrap(targets.astype(np.int64))]

    # --- repr ------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def _transforms_repr(self) -> str:
        body = ["StandardTransform"]
        for head, t in (("Transform: ", self.transform), ("Target transform: ", self.target_transform)):
            if t is not None:
                lines = repr(t).splitlines()
                body += [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]
        return "\n".join(body)

    def __repr__(self) -> str:
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transform is not None or self.target_transform is not None:
            body.append(self._transforms_repr())
        return "\n".join([f"Dataset {type(self).__name__}"] + [" " * self._repr_indent + line for line in body])


# --- IDX files (MNIST family) -------------------------------------------------------------------

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (as is, or gzipped when the name ends in ``.gz``) into a NumPy array."""
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                raw = fh.read()
        else:
            with open(path, "rb") as fh:
                raw = fh.read()
    except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"can't read IDX file {path}: {e}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    start = 4 + 4 * ndim
    if len(raw) < start:
        raise ValueError(f"IDX file {path} is truncated inside its header")
    dims = struct.unpack(f">{ndim}I", raw[4:start])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - start != expected:
        raise ValueError(
            f"IDX file {path} has {len(raw) - start} data bytes but its header {list(dims)} says {expected}"
            + (" (truncated?)" if len(raw) - start < expected else "")
        )
    return np.frombuffer(raw, dtype, offset=start).reshape(dims).astype(dtype.newbyteorder("="))


class MNIST(VisionDataset):
    """`MNIST` handwritten digits: ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]``.

    ``.data`` is a uint8 tensor N x 28 x 28, ``.targets`` an int64 tensor N (torchvision's)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    # SHA-256 of the uncompressed files: re-compressed copies (other MD5) are still recognised
    raw_sha256 = {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    }
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        names = [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]
        paths = [self._find(n) for n in names]
        missing = [n for n, p in zip(names, paths) if p is None]
        if missing:
            raise RuntimeError(
                f"Dataset not found: {type(self).__name__} needs {', '.join(missing)} (as is or gzipped, "
                f"with a .gz suffix) in the folder {self.raw_folder}. Put the files there, or use "
                "download=True to fetch them."
            )
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"{paths[0]}: expected uint8 images N x H x W, got {images.dtype} {list(images.shape)}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(
                f"{paths[1]}: expected {len(images)} labels (one per image), got shape {list(labels.shape)}"
            )
        self.data = _wrap(np.ascontiguousarray(images))
        self.targets = _wrap(labels.astype(np.int64))

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def _find(self, name: str) -> str | None:
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _resource_ok(self, gz_name: str, md5: str) -> bool:
        raw_name = gz_name.removesuffix(".gz")
        if os.path.isfile(os.path.join(self.raw_folder, raw_name)):
            return True  # an extracted file, as torchvision leaves them
        gz_path = os.path.join(self.raw_folder, gz_name)
        if not os.path.isfile(gz_path):
            return False
        if _download.md5_of(gz_path) == md5:
            return True
        sha = self.raw_sha256.get(raw_name) if type(self) is MNIST else None
        if sha is None:
            return False
        try:
            with gzip.open(gz_path, "rb") as fh:
                return hashlib.sha256(fh.read()).hexdigest() == sha
        except (OSError, EOFError):
            return False

    def download(self) -> None:
        """Fetch the files that are missing or damaged (MD5-checked, atomic writes)."""
        for name, md5 in self.resources:
            if not self._resource_ok(name, md5):
                _download.fetch([m + name for m in self.mirrors], os.path.join(self.raw_folder, name), md5)

    def __len__(self) -> int:
        return len(self.data._data)

    def _raw(self, index: int) -> tuple[np.ndarray, int]:
        return self.data._data[index], int(self.targets._data[index])

    def _raw_batch(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.data._data[indices], self.targets._data[indices]

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """`Fashion-MNIST` (Zalando): same layout as MNIST under ``root/FashionMNIST/raw/``."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """`Kuzushiji-MNIST`: same layout as MNIST under ``root/KMNIST/raw/``."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


# --- CIFAR --------------------------------------------------------------------------------------


class RefusedPickleError(pickle.UnpicklingError):
    """A CIFAR file names something other than the containers and NumPy arrays it should hold."""


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise RefusedPickleError(f"refusing _codecs.encode({type(text).__name__}, {encoding!r})")
    return text.encode("latin1")


def _numpy_reconstructors() -> dict[tuple[str, str], Any]:
    """The only globals a CIFAR batch may name: NumPy's array and dtype reconstruction."""
    try:
        from numpy._core import multiarray, numeric
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core import multiarray, numeric
    found = {"_reconstruct": multiarray._reconstruct, "ndarray": np.ndarray, "dtype": np.dtype}
    if hasattr(numeric, "_frombuffer"):
        found["_frombuffer"] = numeric._frombuffer
    allowed = {}
    for module in ("numpy.core.multiarray", "numpy._core.multiarray", "numpy.core.numeric", "numpy._core.numeric"):
        for name in ("_reconstruct", "_frombuffer"):
            if name in found:
                allowed[(module, name)] = found[name]
    allowed[("_codecs", "encode")] = _latin1_encode  # how Python 3's protocol 2 stores bytes
    allowed[("numpy", "ndarray")] = np.ndarray
    allowed[("numpy", "dtype")] = np.dtype
    return allowed


class _RestrictedUnpickler(pickle.Unpickler):
    """Reads CIFAR's python pickles: builtin containers and NumPy arrays only, nothing callable else."""

    _allowed = None

    def __init__(self, fh, path: str) -> None:
        super().__init__(fh, encoding="latin1")
        self.path = path
        if _RestrictedUnpickler._allowed is None:
            _RestrictedUnpickler._allowed = _numpy_reconstructors()

    def find_class(self, module: str, name: str) -> Any:
        found = self._allowed.get((module, name))
        if found is None:
            raise RefusedPickleError(
                f"{self.path}: refusing to load {module}.{name}: a CIFAR batch holds only dicts, lists, "
                "strings, numbers and NumPy arrays"
            )
        return found

    def persistent_load(self, pid: Any) -> Any:
        raise RefusedPickleError(f"{self.path}: refusing a persistent reference in a CIFAR batch")


def read_cifar_pickle(path: str) -> dict:
    """Load one CIFAR python batch with the restricted unpickler; returns its dict."""
    try:
        with open(path, "rb") as fh:
            entry = _RestrictedUnpickler(fh, path).load()
    except RefusedPickleError as e:
        raise RefusedPickleError(str(e) if path in str(e) else f"{path}: {e}") from None
    except Exception as e:  # a damaged file: anything the unpickler stumbles on
        raise ValueError(f"can't read CIFAR batch {path}: {type(e).__name__}: {e}") from None
    if not isinstance(entry, dict):
        raise ValueError(f"CIFAR batch {path} holds a {type(entry).__name__}, expected a dict")
    return entry


class CIFAR10(VisionDataset):
    """`CIFAR-10`: the python batches under ``root/cifar-10-batches-py/``.

    ``.data`` is a NumPy uint8 array N x 32 x 32 x 3, ``.targets`` a list of ints (torchvision's)."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        files = [name for name, _ in (self.train_list if train else self.test_list)] + [self.meta["filename"]]
        folder = os.path.join(self.root, self.base_folder)
        missing = [n for n in files if not os.path.isfile(os.path.join(folder, n))]
        if missing:
            raise RuntimeError(
                f"Dataset not found: {type(self).__name__} needs {', '.join(missing)} in the folder {folder}. "
                f"Put the files there (from {self.filename}), or use download=True to fetch them."
            )
        data, targets = [], []
        for name in files[:-1]:
            path = os.path.join(folder, name)
            entry = read_cifar_pickle(path)
            images = entry.get("data")
            labels = entry["labels"] if "labels" in entry else entry.get("fine_labels")
            if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 2 \
                    or images.shape[1] != 3 * 32 * 32:
                raise ValueError(f"CIFAR batch {path}: 'data' must be a uint8 array N x 3072")
            if not isinstance(labels, list) or len(labels) != len(images) or \
                    not all(type(v) is int for v in labels):
                raise ValueError(f"CIFAR batch {path}: expected {len(images)} integer labels")
            data.append(images)
            targets.extend(labels)
        self.data = np.ascontiguousarray(np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        self.targets = targets
        self._targets_array = np.asarray(targets, dtype=np.int64)
        meta_path = os.path.join(folder, self.meta["filename"])
        names = read_cifar_pickle(meta_path).get(self.meta["key"])
        if not isinstance(names, list) or not all(isinstance(c, str) for c in names):
            raise ValueError(f"CIFAR metadata {meta_path}: {self.meta['key']!r} must be a list of class names")
        self.classes = names
        self.class_to_idx = {c: i for i, c in enumerate(names)}

    def _files(self) -> list[tuple[str, str]]:
        return [tuple(x) for x in self.train_list + self.test_list] + [(self.meta["filename"], self.meta["md5"])]

    def download(self) -> None:
        """Fetch and extract the archive unless every batch is present with the right MD5."""
        folder = os.path.join(self.root, self.base_folder)
        files = self._files()
        if all(_download.is_valid(os.path.join(folder, n), md5) for n, md5 in files):
            return
        archive = os.path.join(self.root, self.filename)
        if not _download.is_valid(archive, self.tgz_md5):
            _download.fetch([self.url], archive, self.tgz_md5)
        wanted = {f"{self.base_folder}/{n}": md5 for n, md5 in files}
        os.makedirs(folder, exist_ok=True)
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                # only the known batch names are written, so a crafted member name goes nowhere else
                md5 = wanted.pop(member.name.removeprefix("./"), None)
                if md5 is None or not member.isfile():
                    continue
                target = os.path.join(folder, os.path.basename(member.name))
                tmp = target + ".part"
                with tar.extractfile(member) as src, open(tmp, "wb") as out:
                    out.write(src.read())
                if _download.md5_of(tmp) != md5:
                    os.unlink(tmp)
                    raise RuntimeError(f"{archive}: {member.name} has the wrong MD5")
                os.replace(tmp, target)
        if wanted:
            raise RuntimeError(f"{archive} lacks {sorted(wanted)}")

    def __len__(self) -> int:
        return len(self.data)

    def _raw(self, index: int) -> tuple[np.ndarray, int]:
        return self.data[index], self.targets[index]

    def _raw_batch(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.data[indices], self._targets_array[indices]

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """`CIFAR-100`: the python files under ``root/cifar-100-python/`` (fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
