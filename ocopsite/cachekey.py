"""Sealing what a build reads back from the site's cache folder, and the folder itself.

The cache folder (``SITE/.ocopsite-cache``) lives inside the site, and a site may come
from anyone: an archive sent by another office, a shared drive, a repository that
committed its cache by mistake. What a build reads back from there either runs (the
record cache's batches are pickles, :mod:`ocopsite.load.recordcache`; the output
manifest is a :mod:`marshal` record, not meant to be safe against crafted bytes,
:mod:`ocopsite.output.manifestfile`) or goes into the output as it is (kept search
shards and open data files, :mod:`ocopsite.keptfiles`; encoded photos; QR codes and label
sheets, :mod:`ocopsite.assets.cache`). All of it is therefore *sealed*: written with an
HMAC-SHA256 tag, made with a key that never lives in a site, for a purpose that names
what it is (and, for a kept file, its own name), and read back only when the tag is
right. Anything else (written by another user, another machine, a hand, moved from
another name, or damaged) counts as missing: the build makes it again. The journal of an
update, beside the output, is sealed the same way (:mod:`ocopsite.output.journal`). Only
the fingerprint's JSON records are not: a forged one can at most make a build think
nothing changed, never put anything in the output.

The folder as a whole is claimed (:func:`claim`) before a build reads from it: one
without this user's mark for its path is moved aside and deleted, so that a received
site starts with an empty cache. Paths read back (a product's kept outputs, a journal's
moves) are used only if they name something inside the output
(:func:`ocopsite.files.plain_relative`).

The key is made once per user, at random, in the user's own cache folder
(``$XDG_CACHE_HOME/ocopsite/cache-key``, by default ``~/.cache/ocopsite/cache-key``),
readable by that user alone. When there is no such folder to write, or the file found
there is not the user's own, private file, a key is made for the process alone: every
build then starts without a cache (it is correct, just slower; the build says so), and a
long-lived process (``serve``) still keeps its records in memory.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import shutil
import stat
from pathlib import Path

from ocopsite.files import create_atomic, write_atomic

#: The name of the key file in the user's ocopsite cache folder.
KEY_FILE = "cache-key"
#: The mark of a site's cache folder that :func:`claim` checks.
OWNER_FILE = "owner"
#: How many random bytes the key holds: RFC 2104 asks for at least the hash's output size.
KEY_SIZE = 32
#: How long a tag is: an HMAC-SHA256 digest, at the start of what it seals.
TAG_SIZE = hashlib.sha256().digest_size


def key_path() -> Path | None:
    """Where the user's key is kept (outside any site); ``None`` when there is no absolute
    place for it (a relative ``XDG_CACHE_HOME`` is ignored, as the XDG specification asks,
    and without a home folder a relative path would land in the current folder, which
    may be a site's)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "ocopsite" / KEY_FILE
    return path if path.is_absolute() else None


@functools.cache
def _key() -> tuple[bytes, bool]:
    found = _own_key()
    return (found, True) if found is not None else (os.urandom(KEY_SIZE), False)


def key() -> bytes:
    """The user's key, made on first use; a key of this process alone if it cannot be
    read or made (see the module's description)."""
    return _key()[0]


def kept() -> bool:
    """Whether :func:`key` is the user's kept key (and not one of this process alone)."""
    return _key()[1]


def user_folder() -> Path | None:
    """The user's ocopsite cache folder, where the key is kept, for what is the same for
    every site (minified scripts, compiled templates) and is sealed with the key; ``None``
    when the key is one of this process alone (nothing kept would be read back)."""
    path = key_path()
    return path.parent if path is not None and kept() else None


def forget() -> None:
    """Forget the key found, so that the next use looks for it again (after the user's
    cache folder changed: ``XDG_CACHE_HOME`` set anew)."""
    _key.cache_clear()


def _own_key() -> bytes | None:
    path = key_path()
    if path is None:
        return None
    try:
        return _read_own_key(path)
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        create_atomic(path, os.urandom(KEY_SIZE), mode=0o600)  # or another process did
        return _read_own_key(path)
    except OSError:
        return None


def _read_own_key(path: Path) -> bytes | None:
    """The key in ``path`` if it is a regular file (not a link) of this user that no one
    else may read or write, of the right size; ``None`` otherwise. Raises
    FileNotFoundError if there is none. (Windows has no such modes: there the folder's
    permissions are the user's.)"""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))  # a planted pipe: no wait
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        private = os.name == "nt" or (not info.st_mode & 0o077 and info.st_uid == os.getuid())
        if not stat.S_ISREG(info.st_mode) or not private or info.st_size != KEY_SIZE:
            return None
        found = file.read(KEY_SIZE + 1)
    return found if len(found) == KEY_SIZE else None


def tag(data: bytes | memoryview, purpose: bytes) -> bytes:
    """The seal of ``data`` for ``purpose`` (see :func:`seal`), for a writer that puts it
    in front of ``data`` itself, without a copy of ``data``."""
    mac = tagger(purpose)
    mac.update(data)
    return mac.digest()


def tagger(purpose: bytes) -> hmac.HMAC:
    """:func:`tag` of data given piece by piece: ``update`` it with each piece, in order,
    then its ``digest`` is the tag. For data that is never held whole (a file written or
    read in pieces)."""
    return hmac.new(key(), purpose + b"\0", hashlib.sha256)


def seal(data: bytes, purpose: bytes) -> bytes:
    """``data`` with a tag in front that :func:`unsealed` checks. ``purpose`` names what
    ``data`` is for (and what it is bound to, such as the environment of a cache): bytes
    sealed for one purpose are refused for another."""
    return tag(data, purpose) + data


def unsealed(sealed: bytes, purpose: bytes) -> memoryview | None:
    """The bytes :func:`seal` sealed for ``purpose`` with this user's key (without a copy),
    or ``None`` if ``sealed`` is anything else."""
    view = memoryview(sealed)
    if len(view) < TAG_SIZE:
        return None
    data = view[TAG_SIZE:]
    if not hmac.compare_digest(tag(data, purpose), view[:TAG_SIZE]):
        return None
    return data


def claim(cache_dir: Path) -> bool:
    """Make ``cache_dir`` hold only what this user's ocopsite wrote there, for this very
    folder; whether it does (False: it holds someone else's files, and they could not be
    removed).

    Unless the folder holds a mark sealed with this user's key for its path, it is moved
    aside, made again with the mark, and the old one deleted (a cache folder is always
    safe to delete); a link in its place is removed, never followed. So a site received
    with another's cache folder, or copied from elsewhere, starts with an empty cache. A
    folder that does not exist yet is made, marked, so that what a build keeps there is
    used by the next. The mark alone does not vouch for the folder's files (someone
    could send back a cache with this user's mark and other files): each kind of file
    read back is sealed too.
    """
    parent, name = os.path.split(os.path.abspath(cache_dir))
    folder = os.path.join(os.path.realpath(parent), name)  # the site's path, links resolved
    purpose = b"cache-folder\0" + os.fsencode(folder)
    mark = os.path.join(folder, OWNER_FILE)
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(mark, flags | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as file:
            found = file.read(TAG_SIZE + 1)
        if not os.path.islink(folder) and unsealed(found, purpose) is not None:
            return True
    except OSError:
        pass
    try:
        if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
            os.unlink(folder)
        elif os.path.isdir(folder):
            aside = f"{folder}.old-{os.getpid()}"
            os.rename(folder, aside)
            shutil.rmtree(aside, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)
        write_atomic(Path(mark), seal(b"", purpose), durable=False)
    except OSError:
        return not os.path.lexists(folder)  # nothing of anyone's to read: a read-only site
    return True
