"""A content-addressed cache of expensive outputs, kept between builds.

Entries are named by a hash of everything that determines them (inputs and the
settings of the code that makes them), so a stale entry can never be used and
the folder can be deleted at any time. Their bytes go into the output (QR codes,
label sheets), so each is sealed with this user's key under its name (see
:mod:`ocopsite.cachekey`): one written by someone else is made again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ocopsite import __version__
from ocopsite.cachekey import seal, unsealed
from ocopsite.files import write_atomic


def key(*parts: str | bytes) -> str:
    """A cache key from ``parts`` and the package version."""
    digest = hashlib.sha256(__version__.encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(part if isinstance(part, bytes) else part.encode())
    return digest.hexdigest()[:24]


def cached_bytes(folder: Path | None, name: str, make: Callable[[], bytes]) -> bytes:
    """The bytes stored under ``name`` in ``folder``, or ``make()`` stored there first.

    Written by :func:`~ocopsite.files.write_atomic`, so a build interrupted
    mid-write never leaves a truncated entry behind.
    """
    if folder is None:
        return make()
    path = folder / name
    purpose = b"cached\0" + name.encode()
    try:
        found = unsealed(path.read_bytes(), purpose)
        if found is not None:
            return bytes(found)
    except FileNotFoundError:
        pass
    data = make()
    write_atomic(path, seal(data, purpose), durable=False)  # flushed with the output
    return data
