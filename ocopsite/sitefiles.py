"""The one gate every file the build reads goes through: it must lie inside the site.

A content folder is filled by many hands, and a symbolic link is easy to make by
mistake or on purpose: ``vi.md`` linked to ``/etc/passwd`` would publish that file
on a product page. So every reader (records, texts, photos, documents, templates,
theme files, the config) asks :func:`real_path` first, which follows every link
and refuses a path whose real location is outside the allowed folders, a link
that loops, or a link to nothing. Links that stay inside the site are fine.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, NamedTuple

#: Shown with every refusal, so that an official knows what to do.
HINT = "copy the file or folder into the site instead of linking to it"


class Unusable(NamedTuple):
    """Why a file inside the site cannot be used as what a record says it is (a photo
    too large, or no image at all), and what to do about it."""

    message: str
    hint: str


class Refused(Exception):
    """A path the build must not read: its ``kind`` (outside, loop, unreadable), why, what to do."""

    def __init__(self, path: Path, kind: str, message: str, hint: str = HINT) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.kind, self.message, self.hint = path, kind, message, hint


def real_path(path: Path, roots: Path | Iterable[Path], parent: Path | None = None) -> Path:
    """The real location of ``path``, every symbolic link followed, inside one of ``roots``.

    Raises :class:`Refused` when the real location is outside every root, when a
    link loops or leads to nothing; ``FileNotFoundError`` when ``path`` itself
    does not exist. ``roots`` are resolved here, so they may be given as written.

    ``parent``, when given, is the real location of ``path.parent``, already let
    through: then a ``path`` that is not itself a link costs one ``lstat``
    instead of one per folder of its path (thousands of records are read).
    """
    if parent is not None:
        try:
            if not stat.S_ISLNK(os.lstat(path).st_mode):
                return parent / path.name
        except FileNotFoundError:
            raise
        except OSError:
            pass  # the full resolution below says what is wrong
    try:
        real = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(
                path, "loop", "is a symbolic link that loops back on itself", "remove the link"
            ) from None
        if os.path.islink(path) or exc.errno != errno.ENOENT:
            raise Refused(
                path, "unreadable", f"cannot be read ({exc.strerror or exc})", "remove the link"
            ) from None
        raise
    allowed = [roots] if isinstance(roots, Path) else list(roots)
    for root in allowed:
        if real.is_relative_to(os.path.realpath(root)):
            return real
    raise Refused(path, "outside", f"leads outside the site folder (to {real})")


def real_location(path: Path, roots: Path | Iterable[Path], parent: str) -> str:
    """:func:`real_path` of ``path`` as text, given ``parent``, the real location (as text)
    of ``path.parent``, already let through.

    A path that is not itself a link costs one ``lstat`` and no :class:`~pathlib.Path` is
    made: a load that finds most records in its cache checks thousands of folders, and
    making a path was most of the cost of each.
    """
    try:
        if not stat.S_ISLNK(os.lstat(path).st_mode):
            return os.path.join(parent, path.name)
    except FileNotFoundError:
        raise
    except OSError:
        pass  # the full resolution says what is wrong
    return str(real_path(path, roots))


def open_binary(path: Path, roots: Path | Iterable[Path], parent: Path | None = None) -> BinaryIO:
    """``path`` opened for reading, once :func:`real_path` has let it through.

    With ``parent`` (as for :func:`real_path`), a file that is not a symbolic link is
    opened at once, refusing to follow a link (``O_NOFOLLOW``): one system call instead
    of two, and a file swapped for a link between a check and the open is not read
    through it. A link is then checked by :func:`real_path` as always.
    """
    if parent is not None and _NO_FOLLOW:
        try:
            # text joined, not a Path made: thousands of record files are opened
            name = os.path.join(parent, path.name)
            descriptor = os.open(name, os.O_RDONLY | os.O_CLOEXEC | _NO_FOLLOW)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
        else:
            return open(descriptor, "rb")
    return open(real_path(path, roots, parent), "rb")


#: ``open`` refuses a symbolic link as the last part of the path (not on Windows).
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
#: Whether files can be opened relative to an open folder (``openat``; not on Windows).
_AT = os.open in os.supports_dir_fd and bool(_NO_FOLLOW) and hasattr(os, "O_DIRECTORY")


def open_folder(real: Path | str) -> int | None:
    """A descriptor of the folder ``real`` (a real location, already let through by
    :func:`real_path`) for :func:`read_in`, or ``None`` where that cannot be done: then
    its files are read by their paths as always. The caller closes it (``os.close``).

    A record's three files are then each opened by name in the folder, without the system
    walking the folder's whole path again for each, and without a ``stat`` to see first
    whether each is there: that was half the cost of reading them.
    """
    if not _AT:
        return None
    try:
        return os.open(real, os.O_RDONLY | os.O_CLOEXEC | os.O_DIRECTORY | _NO_FOLLOW)
    except OSError:  # a link swapped in, or unreadable: the paths' way says what is wrong
        return None


def read_in(
    folder: int, path: Path | str, roots: Path | Iterable[Path], parent: Path, limit: int
) -> tuple[bytes, int]:
    """At most ``limit`` + 1 bytes of the file ``path``, a file directly in ``parent`` (the
    real location of its folder, already let through), opened by its name in ``folder``, an
    :func:`open_folder` of ``parent``; with the file's size when it has more than ``limit``.

    Raises ``FileNotFoundError`` when there is no such file (nothing else is asked first),
    :class:`Refused` as :func:`real_path` does: a symbolic link is never followed here, but
    checked by :func:`real_path` in full and then read as :func:`open_binary` reads it.
    """
    name = os.path.basename(path)
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_CLOEXEC | _NO_FOLLOW, dir_fd=folder)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        with open_binary(Path(path), roots, parent) as file:  # a link: checked in full
            data = file.read(limit + 1)
            size = os.fstat(file.fileno()).st_size if len(data) > limit else len(data)
            return data, size
    try:
        chunks = []
        wanted = limit + 1
        while wanted > 0:
            chunk = os.read(descriptor, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        size = os.fstat(descriptor).st_size if len(data) > limit else len(data)
        return data, size
    finally:
        os.close(descriptor)


def read_bytes(path: Path, roots: Path | Iterable[Path]) -> bytes:
    """The bytes of ``path``, once :func:`real_path` has let it through."""
    with open_binary(path, roots) as file:
        return file.read()


def present(path: Path | str) -> bool:
    """True when ``path`` exists or is a symbolic link (even a broken or looping one).

    Readers use it instead of ``Path.is_file``, which quietly answers False for a
    looping or broken link, so that such a link is refused rather than ignored.
    """
    return os.path.lexists(path)


def refused_in(folder: Path, roots: Path | Iterable[Path]) -> list[Refused]:
    """Every entry under ``folder`` that :func:`real_path` refuses, walking no links.

    Used to check a whole theme or template folder before any of it is read.
    """
    problems: list[Refused] = []
    for current, dirs, files in os.walk(folder):
        for name in sorted([*dirs, *files]):
            path = Path(current, name)
            if path.is_symlink():
                try:
                    real_path(path, roots)
                except (Refused, OSError) as exc:
                    problems.append(
                        exc if isinstance(exc, Refused) else Refused(path, "unreadable", str(exc))
                    )
    return problems


#: Folders whose files :func:`read_ahead` asks for at once: a disk (and a virtual one
#: most of all) serves several requests in about the time of one.
READ_AHEAD_THREADS = 8


@contextlib.contextmanager
def read_ahead(folders: Sequence[Path]) -> Iterator[None]:
    """While the block runs, threads ask the system to bring the files of ``folders`` into its
    cache, in order, so that a loop reading them one after the other finds them there.

    Reading thousands of small files from a slow disk is mostly waiting, once per file;
    this makes the waits overlap. Nothing is read into this process, nothing is returned
    and nothing can fail: only regular files directly in each folder are asked for, and
    symbolic links (to a folder or a file) are not followed. Where the system has no
    ``posix_fadvise``, this does nothing.
    """
    if not hasattr(os, "posix_fadvise") or len(folders) < 2 or _cached(folders):
        yield
        return
    pool = ThreadPoolExecutor(READ_AHEAD_THREADS, thread_name_prefix="read-ahead")
    try:
        for folder in folders:
            pool.submit(_ask_for_files, folder)
        yield
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


#: How many of the folders given to :func:`read_ahead` :func:`_cached` looks into.
PROBES = 3


def _cached(folders: Sequence[Path]) -> bool:
    """Whether the files of ``folders`` seem to be in the system's cache already: the first
    file of the first, middle and last folder can each be read without waiting for a disk.

    Then there is nothing to ask for, and the threads would only cost time: each of their
    calls hands the interpreter's lock back and forth with the loop that parses the
    files: a quarter of the load's CPU time at 1,000 products. Where the system cannot
    tell (no ``RWF_NOWAIT``: not Linux), the files count as not cached.

    Like :func:`_ask_for_files`, this opens files without :func:`real_path`: it follows
    no link (a linked folder or file counts as not cached), and the one byte it reads
    is thrown away, never published; the loader reads every file through the gate.
    """
    nowait = getattr(os, "RWF_NOWAIT", None)
    if nowait is None or not hasattr(os, "preadv"):
        return False
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    byte = [bytearray(1)]
    picked = {0, len(folders) // 2, len(folders) - 1}
    for index in sorted(picked)[:PROBES]:
        try:
            if os.path.islink(folders[index]):
                return False
            with os.scandir(folders[index]) as entries:
                first = next((e for e in entries if e.is_file(follow_symlinks=False)), None)
            if first is None:
                return False
            descriptor = os.open(first.path, flags)
            try:
                if os.preadv(descriptor, byte, 0, nowait) == 0:
                    return False  # an empty file tells nothing of the others
            finally:
                os.close(descriptor)
        except OSError:  # BlockingIOError: not in the cache; any other: ask ahead anyway
            return False
    return True


def _ask_for_files(folder: Path) -> None:
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    with contextlib.suppress(OSError):
        if os.path.islink(folder):
            return
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.is_file(follow_symlinks=False):
                    continue
                with contextlib.suppress(OSError):
                    descriptor = os.open(entry.path, flags)
                    try:
                        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_WILLNEED)
                    finally:
                        os.close(descriptor)
