"""Writing a file so that a crash leaves either its old bytes or its new ones, never a part.

Every file ocopsite writes outside a staging folder (caches, manifests, the
record of the last build, files of a live output) goes through
:func:`write_atomic`: the bytes go to a temporary file in the same folder, are
flushed to disk, and the temporary file is renamed over the target, which POSIX
makes atomic. A build killed mid-write leaves at most a stray ``.*.tmp`` file,
never a truncated cache entry that later builds would ship. Many files at once
(the records an import writes) go through :func:`write_atomic_all`, with the
same guarantee for each and one flush to disk for all. A file that must never replace
one already there (a key made once) goes through :func:`create_atomic`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import itertools
import os
import re
from collections.abc import Mapping
from pathlib import Path

_counter = itertools.count()
TEMPORARY_SUFFIX = ".tmp"


def open_temporary(target: Path, mode: int = 0o666, *, readable: bool = False) -> tuple[int, Path]:
    """A new file beside ``target``, created with ``mode`` (the umask applies), open for
    writing, and for reading too if ``readable``."""
    access = os.O_RDWR if readable else os.O_WRONLY
    flags = access | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(2):
        temporary = target.with_name(
            f".{target.name}.{os.getpid()}.{next(_counter)}{TEMPORARY_SUFFIX}"
        )
        try:
            return os.open(temporary, flags, mode), temporary
        except FileExistsError:  # left by a killed process that had the same id
            temporary.unlink(missing_ok=True)
    return os.open(temporary, flags, mode), temporary


#: What a file is written with: bytes, text (written as UTF-8), or bytes in parts, written
#: one after the other (a tag and the large record it seals, without joining them first).
Content = bytes | str | tuple[bytes, ...]


def write_atomic(path: Path, data: Content, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` (see :data:`Content`) in one rename.

    The parent folder is created if missing. With ``durable`` the bytes are
    flushed to disk before the rename, so that even a power cut cannot leave an
    empty file under the new name; caches whose loss only costs time may skip it.
    For many files at once, :func:`write_atomic_all` gives each the same
    guarantee with one flush for all.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _write_temporary(path, data, durable=durable)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def create_atomic(path: Path, data: bytes, *, mode: int = 0o666) -> bool:
    """Write ``data`` as ``path`` (with permissions ``mode``) unless ``path`` exists:
    whatever the timing, readers find either no file or the whole of it, and of two
    processes making the same file at once one wins and the other keeps its bytes.
    Whether this call made it. The parent folder must exist. The bytes are flushed to
    disk before the file gets its name, but the name itself is not: after a power cut
    the file may be missing, never partly written."""
    temporary = _write_temporary(path, data, durable=True, mode=mode)
    try:
        os.link(temporary, path)  # unlike a rename, never replaces a file already there
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def write_atomic_all(files: Mapping[Path, bytes | str]) -> None:
    """:func:`write_atomic` (durable) for every path of ``files``, with two flushes in all.

    Each file still ends up with either its old bytes or its new ones after a
    crash or a power cut, but instead of an ``fsync`` per file (about a
    millisecond each: 20 s for a national catalogue of records) every temporary
    file is written first, all are flushed to disk with one ``syncfs``, and only
    then renamed into place; a last flush makes the renames durable before this
    returns. If any temporary file cannot be written (a full disk), the others
    are removed and no target is touched, nor are folders left behind.
    """
    made: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            missing = _missing_folders(path.parent)
            if missing:
                made += missing
                path.parent.mkdir(parents=True, exist_ok=True)
            staged.append((_write_temporary(path, data, durable=False), path))
        if not staged:
            return
        flush_file_system(staged[0][1].parent)
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    for temporary, path in staged:
        os.replace(temporary, path)
    flush_file_system(staged[0][1].parent)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, outermost first."""
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    return missing[::-1]


def _write_temporary(path: Path, data: Content, *, durable: bool, mode: int = 0o666) -> Path:
    """``data`` in a new temporary file beside ``path``, whose folder exists."""
    parts = (data.encode("utf-8"),) if isinstance(data, str) else data
    fd, temporary = open_temporary(path, mode)
    try:
        with os.fdopen(fd, "wb") as file:
            for part in parts if isinstance(parts, tuple) else (parts,):
                file.write(part)
            if durable:
                file.flush()
                os.fsync(file.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


#: What makes a path not a plain relative path inside a folder: a control character, a
#: backslash, a Windows drive ("C:"; a colon elsewhere is a lot code's), a leading or
#: trailing slash, an empty part, a part "." or "..". In a list (see
#: :func:`plain_relative_list`) paths are separated by NUL, and an empty path (three
#: NULs, or one at either end) is refused too.
_NOT_PLAIN = re.compile(r"[\x00-\x1f\\]|^[A-Za-z]:|//|^/|/$|(?:^|/)\.\.?(?:/|$)")
_NOT_PLAIN_LIST = re.compile(
    r"[\x01-\x1f\\]|(?:^|\x00)[A-Za-z]:|//|(?:^|\x00)/|/(?:\x00|$)"
    r"|(?:^|[/\x00])\.\.?(?:[/\x00]|$)|\x00\x00\x00|^\x00|\x00$"
)


def plain_relative(path: str) -> bool:
    """Whether ``path`` is a plain relative path in POSIX form, naming something inside
    whatever folder it is joined to (as long as no folder on the way is a link).

    A path read back from a file that someone else may have written (a cache entry, a
    journal) is checked so before a file is written, moved or deleted by it.
    """
    return bool(path) and _NOT_PLAIN.search(path) is None


def plain_relative_list(paths: str) -> bool:
    """:func:`plain_relative` for each of ``paths``: paths separated by one NUL, groups of
    them by two; checked in one pass, not path by path (a national catalogue keeps more
    than a hundred thousand)."""
    return bool(paths) and _NOT_PLAIN_LIST.search(paths) is None


def same_bytes(path: Path, data: bytes) -> bool:
    """Whether ``path`` already holds exactly ``data`` (compared by size first)."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):  # no C library to ask (Windows)
        return None


def flush_file_system(folder: Path) -> None:
    """Flush every written file of the file system that holds ``folder`` to disk.

    One ``syncfs`` call (Linux) makes a whole staging folder and the caches
    written without ``durable`` safe before they are published, far cheaper
    than a flush per file; elsewhere ``os.sync`` does the same for all disks.
    """
    libc = _libc()
    syncfs = getattr(libc, "syncfs", None)
    if syncfs is not None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    if hasattr(os, "sync"):
        os.sync()


#: ``renameat2`` flag: swap two existing paths atomically (Linux ≥ 3.15, glibc ≥ 2.28).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap the folders ``a`` and ``b`` in one atomic step; False where the system cannot.

    Linux's ``renameat2(RENAME_EXCHANGE)``: at every instant each name holds
    one complete tree. Returns False (and changes nothing) where the call or
    the file system does not support it; the caller then falls back to renames.
    """
    libc = _libc()
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
        return False  # not supported here (old kernel, or a file system without it)
    raise OSError(error, os.strerror(error), str(a), None, str(b))
