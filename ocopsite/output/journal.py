"""Updating a live output in place without ever leaving a mix of old and new files.

An incremental build does not write into the live folder as it goes. Each
changed file is *staged* in a work folder beside the output; nothing live is
touched until every page, photo and code has been made. Then the list of moves
and deletions is written, atomically and flushed, to a *journal* beside the
output, and the staged files are renamed into place in one short burst (a
rename per changed file: milliseconds for a typical edit), files that pages
point to (photos, QR codes, documents) before the pages themselves, deletions
last. The journal is removed when the burst is done.

A build killed before the journal exists leaves the live output untouched (its
staging folder is deleted by the next build); one killed during the burst
leaves the journal, and the next build replays it before anything else, so the
output is always, by the time a build starts, entirely old or entirely new.
A reader requesting files during the burst itself may get some of each; only
a full build's swap (see :mod:`ocopsite.output.staging`) is a single step for readers.

A file outside the output that describes it (the manifest the next build compares
with) is part of the same commit (:meth:`Update.keep_beside`): written in full
before the journal, renamed into place by the burst, after the output's files and
before the journal is removed. Whenever a build starts, it describes the output
that is live, never the one before or after.

The journal lies beside the output, often inside the site (``public/``'s), and a site may
come from anyone: it is sealed with this user's key for this output (see
:mod:`ocopsite.cachekey`), and one that is not is never replayed. Even then, a path is
moved to or deleted only if its folder, links followed, lies inside the output.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from ocopsite.cachekey import seal, unsealed
from ocopsite.files import Content, flush_file_system, plain_relative, same_bytes, write_atomic
from ocopsite.output.staging import work_folder
from ocopsite.render import offline

_FORMAT = 2
#: Journals of these formats are replayed: 1 staged each file at its own path in the work
#: folder; 2 (see :func:`staged_name`) stages every file in the work folder itself.
_FORMATS = (1, 2)
_PENDING = ".pending"


def staged_name(rel: str) -> str:
    """The name ``out/rel``'s new bytes are staged under, in the work folder itself.

    A flat folder of hashed names: staged at their own paths, the thousand pages of an
    edit took a thousand folders made and, once their files were moved, removed again,
    which can take more than a second on a busy disk.
    """
    return hashlib.sha256(rel.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def journal_path(out: Path) -> Path:
    return out.parent / f".{out.name}.journal"


def _pages_last(rel: str) -> tuple[bool, str]:
    return (rel.endswith(".html"), rel)


class Update:
    """Changes to the live folder ``out``, staged, then published by :meth:`commit`."""

    def __init__(self, out: Path, digests: offline.Digests | None = None) -> None:
        self.out = out
        #: The digest of what live files hold, where the last build's manifest knows it:
        #: a file made again is compared with that, not read back.
        self.digests = digests or {}
        self.root = work_folder(out, "update")
        self.staged: set[str] = set()
        self.deleted: set[str] = set()
        self.journaled = False  # from then on the staged files belong to the journal
        self.beside: dict[Path, Content] = {}

    def put(self, rel: str, data: bytes | str) -> bool:
        """Stage ``data`` for ``out/rel`` unless the live file already holds it (as its
        digest in :attr:`digests` says, or else as reading it back shows)."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        if rel not in self.staged:
            known = self.digests.get(rel)
            if known is not None:
                if known == offline.digest(payload):
                    return False
            elif same_bytes(self.out / rel, payload):
                return False
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / staged_name(rel)).write_bytes(payload)
        self.staged.add(rel)
        return True

    def read(self, rel: str) -> bytes:
        """The bytes ``out/rel`` will hold after the commit."""
        return (self.root / staged_name(rel) if rel in self.staged else self.out / rel).read_bytes()

    def delete(self, rels: Iterable[str]) -> None:
        self.deleted.update(rels)

    def keep_beside(self, path: Path, data: Content) -> None:
        """Write ``path``, a file outside the output, as part of the commit: it holds
        ``data`` from the moment the output holds the new files, even across a crash."""
        self.beside[path] = data

    def commit(self) -> None:
        """Publish the staged files, the deletions and the files kept beside, by the journal."""
        if not self.staged and not self.deleted:
            self.discard()
            for path, data in sorted(self.beside.items()):  # nothing live changes
                write_atomic(path, data)
            return
        if self.root.exists():
            flush_file_system(self.root)
        beside = []
        for path, data in sorted(self.beside.items()):
            write_atomic(_pending(path), data)
            beside.append([str(_pending(path)), str(path)])
        record = {
            "version": _FORMAT,
            "staging": self.root.name,
            "moves": sorted(self.staged, key=_pages_last),
            "delete": sorted(self.deleted - self.staged),
            "beside": beside,
        }
        write_atomic(journal_path(self.out), seal(json.dumps(record).encode(), _purpose(self.out)))
        self.journaled = True
        _publish(self.out, record)

    def discard(self) -> None:
        """Drop the staged files, unless the journal has them: the next build publishes those."""
        if not self.journaled:
            shutil.rmtree(self.root, ignore_errors=True)


def _purpose(out: Path) -> bytes:
    """What a journal is sealed for (see :mod:`ocopsite.cachekey`): the output it updates."""
    return b"journal\0" + os.fsencode(os.path.abspath(out))


def _pending(path: Path) -> Path:
    return path.with_name(path.name + _PENDING)


def _publish(out: Path, record: dict[str, object]) -> None:
    """Carry out a journal's moves, deletions and files kept beside (again, after a crash:
    it is idempotent)."""
    staging = out.parent / str(record["staging"])
    moves = record["moves"]
    deleted = record["delete"]
    beside = record.get("beside", [])
    assert isinstance(moves, list) and isinstance(deleted, list) and isinstance(beside, list)
    # The output may hold links someone else put there (a site received with its
    # ``public/``): only paths whose folders really lie inside it are moved to or deleted.
    inside = _inside(out)
    moves = [rel for rel in moves if isinstance(rel, str) and inside(rel)]
    deleted = [rel for rel in deleted if isinstance(rel, str) and inside(rel)]
    flat = record["version"] != 1  # see _FORMATS
    emptied: set[str] = set()  # the staging folders the moves leave empty
    root = str(staging)
    for rel in moves:
        source = os.path.join(root, staged_name(rel) if flat else rel)
        target = os.path.join(out, rel)
        try:  # the live folder is there, but for a new page's
            os.replace(source, target)
        except FileNotFoundError:
            if not os.path.lexists(source):  # moved before the crash
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(source, target)
        left = os.path.dirname(source)
        while left not in emptied and len(left) > len(root):
            emptied.add(left)
            left = os.path.dirname(left)
    folders: set[Path] = set()
    for rel in deleted:
        path = out / rel
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            folders.update(path.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_relative_to(out) and folder != out:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when empty
    for source, target in beside:
        with contextlib.suppress(FileNotFoundError):  # renamed before the crash
            os.replace(source, target)
    journal_path(out).unlink(missing_ok=True)
    for left in sorted(emptied, key=len, reverse=True):  # the deepest first
        with contextlib.suppress(OSError):
            os.rmdir(left)
    shutil.rmtree(staging, ignore_errors=True)  # what is left: nothing, or little


def _inside(out: Path) -> Callable[[str], bool]:
    """Whether a path relative to ``out`` is plain (see :func:`~ocopsite.files.plain_relative`)
    and its folder, links followed, lies inside ``out``'s (each folder resolved once)."""
    real_out = os.path.realpath(out)
    folders: dict[str, bool] = {}

    def inside(rel: str) -> bool:
        if not plain_relative(rel):
            return False
        folder = rel.rpartition("/")[0]
        found = folders.get(folder)
        if found is None:
            real = os.path.realpath(os.path.join(real_out, folder))
            found = folders[folder] = real == real_out or real.startswith(real_out + os.sep)
        return found

    return inside


def replay(out: Path) -> bool:
    """Finish the update a killed build left half-published; True if there was one."""
    try:
        sealed = unsealed(journal_path(out).read_bytes(), _purpose(out))
        record = json.loads(bytes(sealed)) if sealed is not None else None
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        record = None
    if (
        not isinstance(record, dict)
        or record.get("version") not in _FORMATS
        or not isinstance(record.get("staging"), str)
        or "/" in record["staging"]
        or not record["staging"].startswith(f".{out.name}.")
        or not isinstance(record.get("moves"), list)
        or not isinstance(record.get("delete"), list)
        or not _pairs_beside(record.get("beside", []))
    ):
        # Written atomically, a journal is never damaged by a crash; one that is
        # unreadable, or not sealed for this output with this user's key, was not written
        # by this user's ocopsite (it may have come with the site), so it is ignored.
        journal_path(out).unlink(missing_ok=True)
        return False
    _publish(out, record)
    return True


def _pairs_beside(value: object) -> bool:
    """Whether ``value`` is a journal's list of renames of files kept beside: each from
    its pending name to its own, and nothing else."""
    return isinstance(value, list) and all(
        isinstance(pair, list)
        and len(pair) == 2
        and all(isinstance(name, str) for name in pair)
        and pair[0] == pair[1] + _PENDING
        for pair in value
    )
