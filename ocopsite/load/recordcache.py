"""Validated records kept between builds, so an unchanged bundle is not parsed again.

A record is reused only when every file of its bundle has the same name, size
and modification time as when it was validated, and the environment it was
validated in is the same (the site's config, where the site lives, and
ocopsite's own code). Its warnings are kept with it and reported again.
Bundles with errors are never cached.

The cache is an SQLite database (from the standard library) with one row per
bundle, its stamp beside its pickled record, and the stamps again in a table of
their own (a few megabytes, where the records are tens): a build reads every stamp, then
the records of each kind in order of name through one query (a query per record
cost a quarter of loading them), unpickles only those whose stamps still match,
and writes back only the rows that changed (an edit of one product writes one
row, where rewriting a single pickle of a national catalogue took seconds). A
missing, damaged or stale database just means a full load. A record is kept
without its folder's path, which the load reading it back knows already.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocopsite import __version__, sitefiles
from ocopsite.diagnostics import Diagnostic
from ocopsite.load.fingerprint import libraries
from ocopsite.paths import DATA_DIR, PACKAGE_DIR

FILE = "records.sqlite"
#: Stamp of a bundle: (file name, size, mtime in ns) of each file, sorted.
Stamp = tuple[tuple[str, int, int], ...]


def bundle_stamp(bundle: Path | str) -> Stamp:
    """The bundle's files by name, size and mtime; a symbolic link (even a broken or looping
    one) by its own name and time too, so that a link made or changed is noticed."""
    stamp: list[tuple[str, int, int]] = []
    with os.scandir(bundle) as entries:
        for entry in entries:
            if entry.is_symlink():
                link = entry.stat(follow_symlinks=False)
                stamp.append((entry.name + "\0link", link.st_ino, link.st_mtime_ns))
            try:
                if entry.is_file():
                    st = entry.stat()
                    stamp.append((entry.name, st.st_size, st.st_mtime_ns))
            except OSError:
                continue  # a looping link: listed above, refused when the record is read
    return tuple(sorted(stamp))


@functools.cache
def code_fingerprint() -> str:
    """A hash of ocopsite's own code and data (by name and content), its version, and
    the libraries that shape the output (:func:`~ocopsite.load.fingerprint.libraries`).

    By content, not by time: a checkout, a copy or an editor's save that leaves a file as
    it was keeps every cached record and output key (reading the package's few hundred
    files takes milliseconds). The site's fingerprint still sees the new times, so such a
    build is not skipped: it finds that nothing has to be made again.
    """
    digest = hashlib.sha256(f"{__version__}\n{libraries()}".encode())
    for path in sorted([*PACKAGE_DIR.rglob("*.py"), *DATA_DIR.rglob("*")]):
        if not path.is_file():
            continue
        name = path.relative_to(PACKAGE_DIR).as_posix()
        content = hashlib.sha256(path.read_bytes()).hexdigest()
        digest.update(f"{name}\0{content}\n".encode())
    return digest.hexdigest()


def environment(config_file: Path, site_root: Path) -> str:
    """What a record's validation depends on besides the record itself."""
    digest = hashlib.sha256(str(site_root).encode())
    with contextlib.suppress(OSError, sitefiles.Refused):
        digest.update(sitefiles.read_bytes(config_file, site_root))
    digest.update(code_fingerprint().encode())
    return digest.hexdigest()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many long-lived objects are made.

    Loading a national catalogue makes millions of objects and no garbage cycles;
    the collector's passes over them took three quarters of unpickling the cache.

    Inside a :func:`gc_freezable` block the objects are frozen at the end, before the
    collector starts again: it counts every object made while it was paused, so the
    first one made after it started would make it walk them all (half a second or
    more at national scale, after every load).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _freezable:
            gc.freeze()
        if was_enabled:
            gc.enable()


#: How many :func:`gc_freezable` blocks are open.
_freezable = 0


@contextlib.contextmanager
def gc_freezable() -> Iterator[None]:
    """A block in which :func:`gc.freeze` may be called; the frozen objects thaw at its end.

    A build freezes what it has loaded and planned before making the outputs: the
    collector then no longer walks the catalogue's millions of objects again and again
    while pages are made (at national scale that was seconds), nor writes to them in
    forked workers, whose memory pages then stay shared with the parent. Thawing at
    the end lets a long-lived process collect what the build left behind.
    """
    global _freezable
    _freezable += 1
    try:
        yield
    finally:
        _freezable -= 1
        gc.unfreeze()


@dataclass
class Entry:
    stamp: Stamp
    values: dict[str, Any]
    warnings: list[Diagnostic]
    #: ``(values, warnings)`` as :func:`pickle_entry` makes it, if a worker made it already:
    #: saved as it is, so the main process does not pickle the record a second time.
    pickled: bytes | None = None


def pickle_entry(values: dict[str, Any], warnings: list[Diagnostic]) -> bytes:
    """An entry's record and warnings as the cache saves them."""
    return pickle.dumps((values, warnings), pickle.HIGHEST_PROTOCOL)


def unpickle_entry(data: bytes) -> tuple[dict[str, Any], list[Diagnostic]]:
    """What :func:`pickle_entry` made."""
    values, warnings = pickle.loads(data)
    return values, warnings


#: Records kept in memory between builds of one process, by environment and then by
#: (kind, bundle name): see :class:`RecordCache`.
Kept = dict[str, dict[tuple[str, str], Entry]]


class RecordCache:
    """Entries by (kind, bundle name); only the entries used by a build are kept.

    With ``kept``, a long-lived process (the preview server) keeps every build's
    records in memory for the next build to reuse: a rebuild then unpickles
    nothing, and parses only the bundles whose files changed.
    """

    def __init__(self, folder: Path | None, env: str, kept: Kept | None = None) -> None:
        self.path = folder / FILE if folder is not None else None
        self.env = env
        #: The stamp of each saved entry; a record is read only when asked for, so that
        #: the pickles of a whole catalogue are never in memory at once.
        self.old: dict[tuple[str, str], bytes] = {}
        self.used: set[tuple[str, str]] = set()
        self.new: dict[tuple[str, str], Entry] = {}
        self._db: sqlite3.Connection | None = None
        #: The rows of one kind being read in order of name (see :meth:`_saved`): the kind,
        #: the rows still to read, the last name asked for and the row read past it.
        self._reading: tuple[str, Iterator[tuple[str, bytes, bytes]]] | None = None
        self._asked = ""
        self._ahead: tuple[str, bytes, bytes] | None = None
        self.kept = kept.setdefault(env, {}) if kept is not None else None
        if self.kept:  # a resident process has them all in memory already
            return
        if self.path is not None and self.path.is_file():
            db = None
            try:
                db = sqlite3.connect(self.path)
                (saved_env,) = db.execute("SELECT value FROM meta WHERE key = 'env'").fetchone()
                if saved_env == env:
                    # from their own table: reading them beside the records read the whole file
                    rows = db.execute("SELECT kind, name, stamp FROM stamps")
                    self.old = {(kind, name): stamp for kind, name, stamp in rows}
                    self._db, db = db, None
            except (sqlite3.Error, TypeError, ValueError):  # unreadable or outdated: not used
                self.old = {}
            finally:
                if db is not None:
                    db.close()

    def close(self) -> None:
        """Stop reading saved entries (:meth:`save` does this too)."""
        self._reading, self._ahead = None, None
        if self._db is not None:
            self._db.close()
            self._db = None

    def has(self, kind: str, name: str) -> bool:
        """Whether an entry of this bundle was kept, whatever its stamp."""
        return (kind, name) in self.old or bool(self.kept and (kind, name) in self.kept)

    def get(self, kind: str, name: str, stamp: Stamp, text: bytes | None = None) -> Entry | None:
        """The entry of a bundle if it was saved with this ``stamp`` (``text`` is the stamp's
        :func:`stamp_bytes`, if they are at hand), or None."""
        if self.kept is not None:
            kept = self.kept.get((kind, name))
            if kept is not None and kept.stamp == stamp:
                self.used.add((kind, name))
                return kept
        found = self.old.get((kind, name))
        wanted = text if text is not None else stamp_bytes(stamp)
        if found is None or found != wanted or self._db is None:
            return None
        try:  # (the caller pauses the garbage collector while loading: see gc_paused)
            saved = self._saved(kind, name)
            if saved is None or saved[0] != wanted:
                return None
            values, warnings = unpickle_entry(saved[1])
        except Exception:  # a damaged row is validated again
            return None
        self.used.add((kind, name))
        return self._keep(kind, name, Entry(stamp, values, warnings))

    def _saved(self, kind: str, name: str) -> tuple[bytes, bytes] | None:
        """The saved (stamp, pickled entry) of a bundle, if there is one.

        A load asks for the bundles of a kind in order of name, so the rows of that kind
        are read in that order through one query, and each is found where the last one
        was left; a bundle asked for out of order, or of another kind, starts the reading
        again from there. (SQLite orders text by its UTF-8 bytes, that is by code point,
        as Python orders strings; a row it did not find in order is still asked for.)
        """
        assert self._db is not None
        if self._reading is None or self._reading[0] != kind or name <= self._asked:
            rows = self._db.execute(
                "SELECT name, stamp, entry FROM entries WHERE kind = ? AND name >= ? ORDER BY name",
                (kind, name),
            )
            self._reading, self._ahead = (kind, iter(rows)), None
        self._asked = name
        reading = self._reading[1]
        ahead = self._ahead if self._ahead is not None else next(reading, None)
        while ahead is not None and ahead[0] < name:
            ahead = next(reading, None)
        self._ahead = ahead
        if ahead is not None and ahead[0] == name:
            return ahead[1], ahead[2]
        found = self._db.execute(
            "SELECT stamp, entry FROM entries WHERE kind = ? AND name = ?", (kind, name)
        ).fetchone()
        return (found[0], found[1]) if found is not None else None

    def _keep(self, kind: str, name: str, entry: Entry) -> Entry:
        if self.kept is not None:
            self.kept[(kind, name)] = entry
        return entry

    def put(self, kind: str, name: str, entry: Entry) -> None:
        self.new[(kind, name)] = entry
        if entry.pickled is not None:  # kept in memory without its bytes, needed to save only
            entry = Entry(entry.stamp, entry.values, entry.warnings)
        self._keep(kind, name, entry)

    def save(self) -> None:
        """Write the entries put since loading; forget those no build asked for."""
        self.close()
        if self.kept is not None:  # a bundle deleted or renamed: its record goes too
            for key in set(self.kept) - self.used - set(self.new):
                del self.kept[key]
        if self.path is None:
            return
        gone = set(self.old) - self.used - set(self.new)
        if not self.new and not gone and self.old:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._write(gone)
        except sqlite3.DatabaseError:  # a damaged file: start a new one
            self.path.unlink(missing_ok=True)
            self.old, gone = {}, set()
            self._write(gone)

    def _write(self, gone: set[tuple[str, str]]) -> None:
        assert self.path is not None
        with contextlib.closing(sqlite3.connect(self.path)) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS entries (kind TEXT, name TEXT, stamp BLOB,"
                " entry BLOB, PRIMARY KEY (kind, name))"
            )
            (had_stamps,) = db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'stamps'"
            ).fetchone()
            db.execute(
                "CREATE TABLE IF NOT EXISTS stamps (kind TEXT, name TEXT, stamp BLOB,"
                " PRIMARY KEY (kind, name)) WITHOUT ROWID"
            )
            (saved,) = db.execute(
                "SELECT count(*) FROM meta WHERE key = 'env' AND value = ?", (self.env,)
            ).fetchone()
            if not saved or not had_stamps:  # another environment's, or an older ocopsite's
                db.execute("DELETE FROM entries")
                db.execute("DELETE FROM stamps")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('env', ?)", (self.env,))
            for table in ("entries", "stamps"):
                db.executemany(f"DELETE FROM {table} WHERE kind = ? AND name = ?", sorted(gone))
            rows = [
                (kind, name, stamp_bytes(entry.stamp), entry)
                for (kind, name), entry in sorted(self.new.items())
            ]
            db.executemany(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                [
                    (
                        kind,
                        name,
                        stamp,
                        entry.pickled or pickle_entry(entry.values, entry.warnings),
                    )
                    for kind, name, stamp, entry in rows
                ],
            )
            db.executemany(
                "INSERT OR REPLACE INTO stamps VALUES (?, ?, ?)",
                [(kind, name, stamp) for kind, name, stamp, _ in rows],
            )


def stamp_bytes(stamp: Stamp) -> bytes:
    """A stamp as the cache saves it."""
    return repr(stamp).encode()
