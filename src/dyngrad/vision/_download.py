"""Fetching dataset files: MD5-checked, atomic (temporary file + rename), mirror after mirror."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence

_CHUNK = 1 << 20


def md5_of(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_valid(path: str, md5: str | None) -> bool:
    """Whether ``path`` exists and (when ``md5`` is given) has that checksum."""
    return os.path.isfile(path) and (md5 is None or md5_of(path) == md5)


def fetch(urls: Sequence[str], path: str, md5: str | None, timeout: float = 60.0) -> None:
    """Download the first of ``urls`` that answers with the right checksum to ``path``.

    The bytes go to a temporary file in the target folder, which is renamed over ``path`` only
    once complete and checked: an interrupted or corrupt download never leaves a partial file."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    errors = []
    for url in urls:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".part")
        try:
            digest = hashlib.md5(usedforsecurity=False)
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    digest.update(chunk)
                out.flush()
                os.fsync(out.fileno())
            if md5 is not None and digest.hexdigest() != md5:
                raise OSError(f"checksum mismatch: MD5 {digest.hexdigest()}, expected {md5}")
            os.replace(tmp, path)
            return
        except (OSError, urllib.error.URLError, ValueError) as e:
            errors.append(f"{url}: {e}")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise RuntimeError(
        f"could not download {os.path.basename(path)} into {folder}:\n  " + "\n  ".join(errors)
        + f"\nWithout network access, put the file in {folder} yourself."
    )
