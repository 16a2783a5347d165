"""The *write* stage: a build writes into a staging folder and swaps it in only when done.

A failed build leaves the previous output exactly as it was. On Linux the swap
is one ``renameat2(RENAME_EXCHANGE)`` call, so the output folder's name always
holds a complete tree, the old one or the new one. Where that call is missing
(macOS, Windows, old kernels, some network file systems), the swap falls back
to two renames, with a moment of a few microseconds in which the folder's
name is absent. The previous tree is then deleted by a background process, so
a build does not wait for hundreds of thousands of files to be unlinked.

Folders beside the output whose names start with ``.<out>.staging-`` or
``.<out>.old-`` are a build's work in progress or leftovers; the next build
deletes those of processes that no longer run (see :func:`clean_leftovers`). A
deleting process first renames each folder it deletes to an ``.old-`` name with its own
process id, so that the next build leaves a folder being deleted to it, rather than
walking and unlinking the same tree at the same time (at 16,000 products a tree takes
tens of seconds to delete, and edits built meanwhile each started one more).

The output folder carries a marker file so that ocopsite never replaces a folder
it did not make (``--out ~`` must not wipe a home directory).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from ocopsite.files import exchange, flush_file_system, plain_relative

MARKER = ".ocopsite-output"
_LEFTOVER = re.compile(r"\.(?P<out>.+)\.(?P<kind>staging|update|old)-(?P<pid>\d+)(-\d+)?")
_counter = itertools.count()
#: How :meth:`Staging.put` opens a file: created (umask applies) or emptied, to write.
_CREATE = (
    os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
)


class OutputRefused(Exception):
    """The output folder is not one ocopsite may replace; the message says why."""


def check_output_dir(out: Path, site_root: Path) -> None:
    """Refuse an output folder that holds the site, or that ocopsite did not make."""
    out, site_root = out.resolve(), site_root.resolve()
    if out == site_root or site_root.is_relative_to(out):
        raise OutputRefused(f"{out} contains the site itself; choose a folder such as ./public")
    if out.exists():
        if not out.is_dir():
            raise OutputRefused(f"{out} exists and is not a folder")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise OutputRefused(
                f"{out} is not empty and was not made by ocopsite; "
                "remove it or choose another output folder"
            )


def work_folder(out: Path, kind: str) -> Path:
    """A new name beside ``out`` for a folder of this process (``staging``, ``update``, ``old``)."""
    return out.parent / f".{out.name}.{kind}-{os.getpid()}-{next(_counter)}"


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process has no build under way when it starts one
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def clean_leftovers(out: Path) -> subprocess.Popen[bytes] | None:
    """Delete, in the background, the work folders that killed builds left beside ``out``.

    A folder named with the id of a process that still runs is kept: a staging or update
    folder is another build's, an ``.old-`` one is being deleted (see :func:`delete_later`).
    Returns the deleting process, if one was started.
    """
    if not out.parent.is_dir():
        return None
    stale = []
    for entry in os.scandir(out.parent):
        found = _LEFTOVER.fullmatch(entry.name)
        if not found or found["out"] != out.name or not entry.is_dir(follow_symlinks=False):
            continue
        if not _running(int(found["pid"])):
            stale.append(Path(entry.path))
    return delete_later(stale)


def delete_later(folders: Iterable[Path]) -> subprocess.Popen[bytes] | None:
    """Delete ``folders`` in a detached process that outlives this one; returns it.

    The folders are renamed to ``.old-`` names first if they are not already, so that
    nothing else will use their names while they disappear; the deleting process then
    claims each by renaming it to an ``.old-`` name of its own process id (one that
    another process claimed first, or deleted, it skips), under which
    :func:`clean_leftovers` leaves it alone while it runs.
    """
    doomed = []
    for folder in folders:
        found = _LEFTOVER.fullmatch(folder.name)
        if not (found and found["kind"] == "old"):
            out_name = found["out"] if found else folder.name
            target = work_folder(folder.parent / out_name, "old")
            try:
                folder.rename(target)
            except OSError:
                continue
            folder = target
        doomed.append(os.fsdecode(folder))
    if not doomed:
        return None
    code = (
        "import os,shutil,sys\n"
        "if hasattr(os,'nice'):os.nice(19)\n"
        "for n,p in enumerate(sys.argv[1:]):\n"
        " d,b=os.path.split(p)\n"
        " c=os.path.join(d,'%s.old-%d-%d'%(b[:b.rindex('.old-')],os.getpid(),n))\n"
        " try:os.rename(p,c)\n"
        " except OSError:continue\n"
        " shutil.rmtree(c,ignore_errors=True)\n"
    )
    return subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", code, *doomed],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C that stops the build does not stop the deleting
    )


class Staging:
    """A fresh folder beside ``out`` that becomes ``out`` on :meth:`commit`."""

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.root = work_folder(self.out, "staging")
        self.root.mkdir(parents=True)
        (self.root / MARKER).write_text(
            "This folder is the output of ocopsite; it is replaced by each build.\n"
        )
        # GitHub Pages hides folders starting with "." (such as .well-known) unless this exists.
        (self.root / ".nojekyll").write_bytes(b"")
        self.files = 0
        #: The process deleting the previous output after :meth:`commit`, if any.
        self.deleting: subprocess.Popen[bytes] | None = None
        #: Folders this process has made (``rel`` form): a ``mkdir`` costs a system call
        #: even when the folder exists, and most pages share their parent with others.
        self._folders: set[str] = {""}
        self._prefix = f"{os.fspath(self.root)}/"

    def _folder(self, folder: str) -> None:
        """Make ``folder`` (``rel`` form) and those of its parents not made yet, top down.

        Each folder is made once, by one ``mkdir`` that does not fail on a missing parent;
        one that exists already (another worker process made it) is fine.
        """
        missing = []
        while folder not in self._folders:
            missing.append(folder)
            folder = folder.rpartition("/")[0]
        for folder in reversed(missing):
            full = self._prefix + folder
            try:
                os.mkdir(full)
            except FileExistsError:
                if not os.path.isdir(full):
                    raise
            self._folders.add(folder)

    def _file(self, rel: str) -> str:
        """The staging path of ``rel``, as a string, with its parent folders made."""
        if not plain_relative(rel):  # (a name read from a cache: see ocopsite.cachekey)
            raise ValueError(f"not a path inside the output: {rel!r}")
        folder = rel.rpartition("/")[0]
        if folder not in self._folders:
            self._folder(folder)
        return self._prefix + rel

    def path(self, rel: str) -> Path:
        """The staging path for ``rel``, with its parent folders created."""
        return Path(self._file(rel))

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))

    def write_bytes(self, rel: str, data: bytes) -> None:
        self._write(self._file(rel), data)
        self.files += 1

    def put(self, rel: str, data: bytes | str) -> bool:
        """Write ``data`` (text as UTF-8) as ``rel``.

        The sink of :func:`ocopsite.output.writer.emit`.
        """
        self._write(self._file(rel), data.encode("utf-8") if isinstance(data, str) else data)
        return True

    @staticmethod
    def _write(path: str, data: bytes) -> None:
        """Create the new file ``path`` holding ``data``, in as few system calls as can be.

        ``open(path, "wb")`` asks the file's size, whether it is a terminal and where it
        stands: three calls more than the ``openat``, ``write`` and ``close`` this needs;
        a build writes a file per page, QR code and data file (10,000 at 1,000 products).
        Nothing else writes into a staging folder while a build fills it: a file is new,
        ``O_TRUNC`` only in case of a name written twice.
        """
        fd = os.open(path, _CREATE, 0o666)
        try:
            view = memoryview(data)
            while view:  # a write may take only part of a large file
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)

    def read(self, rel: str) -> bytes:
        """The bytes ``rel`` will hold after the commit."""
        return (self.root / rel).read_bytes()

    def commit(self) -> None:
        """Swap the staging folder in for ``out``; the previous output is deleted in the background.

        The staged files are flushed to disk first, so that not even a power cut
        can publish a tree of empty files.
        """
        flush_file_system(self.root)
        if not self.out.exists():
            self.root.rename(self.out)
            return
        if not exchange(self.root, self.out):
            old = work_folder(self.out, "old")
            self.out.rename(old)
            self.root.rename(self.out)
            self.root = old
        self.deleting = delete_later([self.root])

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
