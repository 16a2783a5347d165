"""Validated records kept between builds, so an unchanged bundle is not parsed again.

A record is reused only when every file of its bundle has the same name, size
and modification time as when it was validated, and the environment it was
validated in is the same (the site's config, where the site lives, and
ocopsite's own code). Its warnings are kept with it and reported again.
Bundles with errors are never cached. The cache is one pickle file, written
atomically; a missing, stale or unreadable file just means a full load.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .diagnostics import Diagnostic
from .files import write_atomic

FILE = "records.pickle"
#: Stamp of a bundle: (file name, size, mtime in ns) of each file, sorted.
Stamp = tuple[tuple[str, int, int], ...]


def bundle_stamp(bundle: Path) -> Stamp:
    with os.scandir(bundle) as entries:
        files = [(e.name, e.stat()) for e in entries if e.is_file()]
    return tuple(sorted((name, st.st_size, st.st_mtime_ns) for name, st in files))


@functools.cache
def code_fingerprint() -> str:
    """A hash of ocopsite's own code and data (by name, size and mtime), and its version."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parent
    for path in sorted([*package.glob("*.py"), *package.glob("data/*")]):
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def environment(config_file: Path, site_root: Path) -> str:
    """What a record's validation depends on besides the record itself."""
    digest = hashlib.sha256(str(site_root).encode())
    with contextlib.suppress(OSError):
        digest.update(config_file.read_bytes())
    digest.update(code_fingerprint().encode())
    return digest.hexdigest()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many long-lived objects are made.

    Loading a national catalogue makes millions of objects and no garbage cycles;
    the collector's passes over them took three quarters of unpickling the cache.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class Entry:
    stamp: Stamp
    values: dict[str, Any]
    warnings: list[Diagnostic]


class RecordCache:
    """Entries by (kind, bundle name); only the entries used by a build are saved."""

    def __init__(self, folder: Path | None, env: str) -> None:
        self.path = folder / FILE if folder is not None else None
        self.env = env
        self.old: dict[tuple[str, str], Entry] = {}
        self.new: dict[tuple[str, str], Entry] = {}
        if self.path is not None and self.path.is_file():
            try:
                with self.path.open("rb") as file, gc_paused():
                    saved_env, entries = pickle.load(file)
                if saved_env == env:
                    self.old = entries
            except Exception:  # an unreadable or outdated cache is simply not used
                self.old = {}

    def get(self, kind: str, name: str, stamp: Stamp) -> Entry | None:
        entry = self.old.get((kind, name))
        if entry is None or entry.stamp != stamp:
            return None
        self.new[(kind, name)] = entry
        return entry

    def put(self, kind: str, name: str, entry: Entry) -> None:
        self.new[(kind, name)] = entry

    def save(self) -> None:
        if self.path is None:
            return
        with gc_paused():
            data = pickle.dumps((self.env, self.new), protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(self.path, data)
