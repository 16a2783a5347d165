"""Signing what a build reads back from the site's cache folder as Python objects.

The cache folder (``SITE/.ocopsite-cache``) lives inside the site, and a site may come
from anyone: an archive sent by another office, a shared drive, a repository that
committed its cache by mistake. Two of the cache's formats are read back as Python
objects: the record cache's batches are pickles (:mod:`ocopsite.load.recordcache`), and
reading a pickle can run any code; the output manifest is a :mod:`marshal` record
(:mod:`ocopsite.output.manifestfile`), which is not meant to be safe against crafted
bytes. Both are therefore *sealed*: written with an HMAC-SHA256 tag made with a key that
never lives in a site, and read back only when the tag is right. Anything else (written
by another user, another machine, a hand, or damaged) counts as missing: the build makes
it again, as after deleting the cache.

The key is made once per user, at random, in the user's own cache folder
(``$XDG_CACHE_HOME/ocopsite/cache-key``, by default ``~/.cache/ocopsite/cache-key``),
readable by that user alone. When there is no such folder to write, or the file found
there is not the user's own, private file, a key is made for the process alone: every
build then starts without a cache (it is correct, just slower), and a long-lived
process (``serve``) still keeps its records in memory.

The cache's other files (kept search shards, open data files, listings) are bytes and
JSON, read without running anything (see :mod:`ocopsite.keptfiles`), and are not sealed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import stat
from pathlib import Path

from ocopsite.files import create_atomic

#: The name of the key file in the user's ocopsite cache folder.
KEY_FILE = "cache-key"
#: How many random bytes the key holds: RFC 2104 asks for at least the hash's output size.
KEY_SIZE = 32
#: How long a tag is: an HMAC-SHA256 digest, at the start of what it seals.
TAG_SIZE = hashlib.sha256().digest_size


def key_path() -> Path:
    """Where the user's key is kept (outside any site)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ocopsite" / KEY_FILE


@functools.cache
def key() -> bytes:
    """The user's key, made on first use; a key of this process alone if it cannot be
    read or made (see the module's description)."""
    path = key_path()
    with contextlib.suppress(OSError):
        found = _read_own_key(path)
        if found is None and not os.path.lexists(path):
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            create_atomic(path, os.urandom(KEY_SIZE), mode=0o600)  # or another process did
            found = _read_own_key(path)
        if found is not None:
            return found
    return os.urandom(KEY_SIZE)


def _read_own_key(path: Path) -> bytes | None:
    """The key in ``path`` if it is a regular file (not a link) of this user that no one
    else may read or write, of the right size; ``None`` otherwise or if it is missing."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        getuid = getattr(os, "getuid", None)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_mode & 0o077
            or (getuid is not None and info.st_uid != getuid())
            or info.st_size != KEY_SIZE
        ):
            return None
        found = file.read(KEY_SIZE + 1)
    return found if len(found) == KEY_SIZE else None


def _tag(purpose: bytes, data: bytes | memoryview) -> bytes:
    mac = hmac.new(key(), purpose + b"\0", hashlib.sha256)
    mac.update(data)
    return mac.digest()


def seal(data: bytes, purpose: bytes) -> bytes:
    """``data`` with a tag in front that :func:`unsealed` checks. ``purpose`` names what
    ``data`` is for (and what it is bound to, such as the environment of a cache): bytes
    sealed for one purpose are refused for another."""
    return _tag(purpose, data) + data


def unsealed(sealed: bytes, purpose: bytes) -> memoryview | None:
    """The bytes :func:`seal` sealed for ``purpose`` with this user's key (without a copy),
    or ``None`` if ``sealed`` is anything else."""
    view = memoryview(sealed)
    if len(view) < TAG_SIZE:
        return None
    data = view[TAG_SIZE:]
    if not hmac.compare_digest(_tag(purpose, data), view[:TAG_SIZE]):
        return None
    return data
