"""Validated records kept between builds, so an unchanged bundle is not parsed again.

A record is reused only when every file of its bundle has the same name, size
and modification time as when it was validated, and the environment it was
validated in is the same (the site's config, where the site lives, and
ocopsite's own code). Its warnings are kept with it and reported again.
Bundles with errors are never cached.

The cache is an SQLite database (from the standard library). Records are pickled in
batches of up to :data:`BATCH` of one kind, in order of name (one pickle for a hundred
records shares their classes and field names, and reading a row per record cost a
quarter of loading them); each bundle's stamp and batch are in a table of their own
(a few megabytes, where the records are tens). A build reads every stamp, then the
batches of the records whose stamps still match, and writes back only the batches that
changed (an edit of one product writes one batch, where rewriting a single pickle of a
national catalogue took seconds). A missing, damaged or stale database just means a
full load. A record is kept without its folder's path, which the load reading it back
knows already.

A batch is unpickled only if it is sealed with this user's key and for this environment
(see :mod:`ocopsite.cachekey`): the cache folder is in the site, and a site may come from
anyone, whereas reading a pickle can run any code. A batch sealed otherwise counts as
missing, and its records are validated again. (The seal binds a batch to the
environment, not to the stamps that point at it: someone able to write into this user's
cache folder could point a stamp at an older batch of the same site, which is stale data
sealed by this user, never code.)
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import itertools
import os
import pickle
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocopsite import __version__, sitefiles
from ocopsite.cachekey import seal, unsealed
from ocopsite.diagnostics import Diagnostic
from ocopsite.load.fingerprint import libraries
from ocopsite.paths import DATA_DIR, PACKAGE_DIR

FILE = "records.sqlite"
#: Stamp of a bundle: (file name, size, mtime in ns) of each file, sorted.
Stamp = tuple[tuple[str, int, int], ...]


def bundle_stamp(bundle: Path | str) -> Stamp:
    """The bundle's files by name, size and mtime, those of its subfolders too (by their
    path in it: a record may name such a file, and changing one leaves the bundle's own
    folder as it was); a symbolic link (even a broken or looping one) by its own name and
    time too, so that a link made or changed is noticed. A link to a folder is not followed."""
    stamp: list[tuple[str, int, int]] = []
    _stamp_into(stamp, bundle, "")
    return tuple(sorted(stamp))


def _stamp_into(stamp: list[tuple[str, int, int]], folder: Path | str, prefix: str) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            name = prefix + entry.name
            if entry.is_symlink():
                link = entry.stat(follow_symlinks=False)
                stamp.append((name + "\0link", link.st_ino, link.st_mtime_ns))
            try:
                if entry.is_file():
                    st = entry.stat()
                    stamp.append((name, st.st_size, st.st_mtime_ns))
                elif entry.is_dir(follow_symlinks=False):
                    _stamp_into(stamp, entry.path, name + "/")
            except OSError:
                continue  # a looping link: listed above, refused when the record is read


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
    #: The stamp's :func:`stamp_bytes`, when they were made already (by a worker).
    text: bytes | None = None


#: Records kept in memory between builds of one process, by environment and then by
#: (kind, bundle name): see :class:`RecordCache`.
Kept = dict[str, dict[tuple[str, str], Entry]]

#: How many records of one kind a batch holds, at most: one pickle for them all shares
#: the names of classes and of fields, and one row is read instead of a hundred.
BATCH = 128
#: The layout of the database; a file of another layout is a full load.
LAYOUT = "batches-2"
#: A batch's records by bundle name, each as (record, warnings).
Members = dict[str, tuple[dict[str, Any], list[Diagnostic]]]


def pack(members: Members) -> bytes:
    """Records of one kind and their warnings (at most :data:`BATCH`, by bundle name) as one
    batch of the cache file: how a worker sends back the records it validated, so that the
    cache writes that batch as it came, instead of pickling every record again."""
    return pickle.dumps(members, pickle.HIGHEST_PROTOCOL)


def unpack(data: bytes) -> Members:
    """What :func:`pack` made."""
    members: Members = pickle.loads(data)
    return members


class RecordCache:
    """Entries by (kind, bundle name); only the entries used by a build are kept.

    With ``kept``, a long-lived process (the preview server) keeps every build's
    records in memory for the next build to reuse: a rebuild then unpickles
    nothing, and parses only the bundles whose files changed.
    """

    def __init__(self, folder: Path | None, env: str, kept: Kept | None = None) -> None:
        self.path = folder / FILE if folder is not None else None
        self.env = env
        #: What the batches of this environment are sealed for (see :mod:`ocopsite.cachekey`).
        self.purpose = b"records\0" + env.encode()
        #: The stamp of each saved entry; a record is read only when asked for, so that
        #: the pickles of a whole catalogue are never in memory at once.
        self.old: dict[tuple[str, str], bytes] = {}
        #: The batch that holds each saved entry.
        self.batch_of: dict[tuple[str, str], int] = {}
        self.used: set[tuple[str, str]] = set()
        self.new: dict[tuple[str, str], Entry] = {}
        #: Batches of new entries already pickled (see :meth:`put_packed`): kind, the
        #: batch's bytes and the names of its records.
        self.packed: list[tuple[str, bytes, tuple[str, ...]]] = []
        self._db: sqlite3.Connection | None = None
        #: The batches read so far (a load asks for a batch's records one after another).
        self._batches: dict[int, Members] = {}
        self.kept = kept.setdefault(env, {}) if kept is not None else None
        if self.kept:  # a resident process has them all in memory already
            return
        if self.path is not None and self.path.is_file():
            db = None
            try:
                db = sqlite3.connect(self.path)
                if _saved_env(db) == env:
                    # from their own table: reading them beside the records read the whole file
                    rows = db.execute("SELECT kind, name, stamp, batch FROM stamps")
                    for kind, name, stamp, batch in rows:
                        self.old[(kind, name)] = stamp
                        self.batch_of[(kind, name)] = batch
                    self._db, db = db, None
            except (sqlite3.Error, TypeError, ValueError):  # unreadable or outdated: not used
                self.old, self.batch_of = {}, {}
            finally:
                if db is not None:
                    db.close()

    def close(self) -> None:
        """Stop reading saved entries (:meth:`save` does this too)."""
        self._batches = {}
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
        # (the caller pauses the garbage collector while loading: see gc_paused)
        saved = self._batch(self.batch_of[(kind, name)]).get(name)
        if saved is None:
            return None
        self.used.add((kind, name))
        return self._keep(kind, name, Entry(stamp, saved[0], saved[1]))

    def _batch(self, batch: int) -> Members:
        """The records of a saved batch (none if it is missing or damaged: validated again)."""
        members = self._batches.get(batch)
        if members is None:
            assert self._db is not None
            try:
                row = self._db.execute("SELECT data FROM batches WHERE id = ?", (batch,))
                members = _members(row.fetchone(), self.purpose)
            except sqlite3.Error:
                members = {}
            self._batches[batch] = members
        return members

    def _keep(self, kind: str, name: str, entry: Entry) -> Entry:
        if self.kept is not None:
            self.kept[(kind, name)] = entry
        return entry

    def put(self, kind: str, name: str, entry: Entry) -> None:
        self.new[(kind, name)] = entry
        self._keep(kind, name, entry)

    def put_packed(self, kind: str, data: bytes, entries: dict[str, Entry]) -> None:
        """:meth:`put` for each of ``entries``, which ``data`` holds as :func:`pack` made it:
        saved as that batch, not pickled again."""
        for name, entry in entries.items():
            self.put(kind, name, entry)
        self.packed.append((kind, data, tuple(entries)))

    def save(self) -> None:
        """Write the entries put since loading; forget those no build asked for.

        Only the batches that change are written again: those that held an entry put
        or forgotten (an edit of one product writes one batch), and, when entries come
        that no batch held, the small batches of their kind, which take them in.
        """
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
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
            # another environment's, another layout's, or a file missing a table
            if _saved_env(db) != self.env or not {"batches", "stamps"} <= tables:
                for table in ("entries", "batches", "stamps"):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('env', ?)", (self.env,))
                db.execute("INSERT OR REPLACE INTO meta VALUES ('layout', ?)", (LAYOUT,))
            db.execute(
                "CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY, kind TEXT, data BLOB)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS stamps (kind TEXT, name TEXT, stamp BLOB,"
                " batch INTEGER, PRIMARY KEY (kind, name)) WITHOUT ROWID"
            )
            # what the file holds now (a resident process did not read it when it started)
            saved = {
                (kind, name): (stamp, batch)
                for kind, name, stamp, batch in db.execute(
                    "SELECT kind, name, stamp, batch FROM stamps"
                )
            }
            leaving = gone | set(self.new)  # their rows go, or are written again
            dirty = {saved[key][1] for key in leaving & saved.keys()}
            arriving = {kind for kind, name in self.new if (kind, name) not in saved}
            sizes: dict[int, int] = {}
            kind_of: dict[int, str] = {}
            for (kind, _), (_, batch) in saved.items():
                sizes[batch] = sizes.get(batch, 0) + 1
                kind_of[batch] = kind
            dirty |= {b for b, n in sizes.items() if n < BATCH // 2 and kind_of[b] in arriving}
            # the records of the batches written again that stay as they were
            rows: dict[tuple[str, str], tuple[bytes, dict[str, Any], list[Diagnostic]]] = {}
            for batch in sorted(dirty):
                found = db.execute("SELECT data FROM batches WHERE id = ?", (batch,))
                for name, (values, warnings) in _members(found.fetchone(), self.purpose).items():
                    key = (kind_of[batch], name)
                    if key in saved and saved[key][1] == batch and key not in leaving:
                        rows[key] = (saved[key][0], values, warnings)
            for key, entry in self.new.items():
                text = entry.text if entry.text is not None else stamp_bytes(entry.stamp)
                rows[key] = (text, entry.values, entry.warnings)
            db.executemany("DELETE FROM batches WHERE id = ?", [(b,) for b in sorted(dirty)])
            dropped = {key for key, (_, batch) in saved.items() if batch in dirty} | gone
            db.executemany(
                "DELETE FROM stamps WHERE kind = ? AND name = ?", sorted(dropped & saved.keys())
            )
            for kind, data, names in self.packed:  # batches pickled already, as they came
                sealed = seal(data, self.purpose)
                batch = db.execute(
                    "INSERT INTO batches (kind, data) VALUES (?, ?)", (kind, sealed)
                ).lastrowid
                db.executemany(
                    "INSERT OR REPLACE INTO stamps VALUES (?, ?, ?, ?)",
                    [(kind, name, rows.pop((kind, name))[0], batch) for name in names],
                )
            ordered = sorted(rows.items())
            for kind, group in itertools.groupby(ordered, key=lambda row: row[0][0]):
                records = list(group)
                for first in range(0, len(records), BATCH):
                    part = records[first : first + BATCH]
                    members = {name: (values, notes) for (_, name), (_, values, notes) in part}
                    data = pack(members)
                    batch = db.execute(
                        "INSERT INTO batches (kind, data) VALUES (?, ?)",
                        (kind, seal(data, self.purpose)),
                    ).lastrowid
                    db.executemany(
                        "INSERT OR REPLACE INTO stamps VALUES (?, ?, ?, ?)",
                        [(kind, name, stamp, batch) for (_, name), (stamp, _, _) in part],
                    )


def _saved_env(db: sqlite3.Connection) -> str | None:
    """The environment a cache file was saved in, if it has this layout."""
    try:
        rows = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('env', 'layout')"))
    except sqlite3.Error:
        return None
    return rows.get("env") if rows.get("layout") == LAYOUT else None


def _members(row: tuple[bytes] | None, purpose: bytes) -> Members:
    """A batch's records from its row (none if it is missing, damaged, or not sealed for
    ``purpose`` with this user's key)."""
    if row is None or not isinstance(row[0], bytes):
        return {}
    data = unsealed(row[0], purpose)
    if data is None:
        return {}
    try:
        members = pickle.loads(data)
    except Exception:  # a damaged batch: its records are validated again
        return {}
    return members if isinstance(members, dict) else {}


def stamp_bytes(stamp: Stamp) -> bytes:
    """A stamp as the cache saves it."""
    return repr(stamp).encode()


def stamp_key(name: str, stamp: Stamp, text: bytes | None = None) -> str:
    """A short name for the bundle ``name``'s stamp, which the outputs showing its record
    depend on; ``text`` is its :func:`stamp_bytes` if they are at hand. The folder's name
    is the record's slug, which a stamp of its files leaves out: a folder renamed has other
    addresses, so its key differs though no file changed."""
    data = text if text is not None else stamp_bytes(stamp)
    return hashlib.sha256(name.encode() + b"/" + data).hexdigest()[:16]
