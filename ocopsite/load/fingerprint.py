"""Whether anything that decides a site's output has changed since its last build.

The fingerprint covers every input file (config, content, the site's templates,
the theme, ocopsite's own code and data) by path, size and modification time,
the libraries that shape the output (:func:`libraries`), and the options that
change the output (base URL, build date, strictness). A build whose fingerprint
matches the one recorded by the last successful build into the same folder has
nothing to do: it renders, encodes and writes nothing.

Stat-ing files is all it costs. At national scale that is 64,000 files in 21,000
folders, so the walk keeps each folder's list of entries (:class:`Listings`) and
reads a folder again only when the folder itself has changed: one ``stat`` per
folder and per file, where listing every folder took four system calls more.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Any

from ocopsite import __version__, cachekey
from ocopsite.files import write_atomic
from ocopsite.paths import BUILTIN_THEME_DIRS, CONFIG_NAME, PACKAGE_DIR

#: The libraries whose code shapes the output: templates and escaping, Markdown and its
#: sanitiser, YAML, photos, QR codes, calendars and minified scripts. Upgrading one must
#: not leave pages that the old version made.
OUTPUT_LIBRARIES = (
    "jinja2",
    "markupsafe",
    "markdown",
    "nh3",
    "yaml",
    "PIL",
    "zxingcpp",
    "icalendar",
    "calmjs.parse",
)
#: Where the last successful build's fingerprint is kept, inside the cache folder.
RECORD = "last-build.json"
#: Where the folders' lists of entries are kept, inside the cache folder.
LISTINGS = "folder-listings.json"
#: A folder changed less than this long before a walk began is listed again by the next
#: walk: a change made in the same tick of the file system's clock as the one seen would
#: leave the folder's times as they were.
SETTLED_NS = 2_000_000_000

#: A folder's entries by kind: files, folders and symbolic links (sockets and such are left
#: out), and whether nothing else was left out (no hidden file, no ``__pycache__``).
Listing = tuple[list[str], list[str], list[str], bool]
#: A folder's files by name, size and mtime, and each symbolic link by its name + "\0link",
#: inode and mtime, sorted: :func:`ocopsite.load.recordcache.bundle_stamp`, read off the walk.
FolderStamp = tuple[tuple[str, int, int], ...]


class Listings:
    """The entries of each folder a walk read, by real path, with the times they were read at.

    A folder's entries can change only by adding, removing or renaming one, which sets
    the folder's modification and change times; its ``(device, inode, mtime, ctime)``
    are kept with its entries, which are trusted while those are the same. ``ctime``
    cannot be set back by anyone, so even a folder whose ``mtime`` was restored is read
    again. Kept only for folders that had settled (see :data:`SETTLED_NS`) when read.
    """

    def __init__(self, known: dict[str, list[Any]] | None = None) -> None:
        self.known: dict[str, list[Any]] = known or {}
        self.seen: dict[str, list[Any]] = {}
        self.listed = False  # whether any folder was read afresh and kept
        self.started = time.time_ns()

    @classmethod
    def load(cls, path: Path) -> Listings:
        """The listings saved at ``path``; none if it is missing, damaged or another version's."""
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(record, dict) or record.get("version") != __version__:
            return cls()
        folders = record.get("folders")
        return cls(folders if isinstance(folders, dict) else None)

    def entries(self, current: str, real: str) -> Listing | None:
        """The entries of folder ``current`` (real path ``real``), or None if it cannot be read."""
        try:
            stat = os.stat(current)
        except OSError:
            return None
        key = [stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns]
        known = self.known.get(real)
        if known is not None and known[:4] == key and len(known) == 8:
            self.seen[real] = known
            return known[4], known[5], known[6], known[7]
        files: list[str] = []
        folders: list[str] = []
        links: list[str] = []
        whole = True
        try:
            with os.scandir(current) as listing:
                for entry in listing:
                    name = entry.name
                    if name[0] == "." or name == "__pycache__":
                        whole = False
                        continue
                    if entry.is_symlink():
                        links.append(name)
                    elif entry.is_dir():
                        folders.append(name)
                    elif entry.is_file():
                        files.append(name)
        except OSError:
            return None
        if max(stat.st_mtime_ns, stat.st_ctime_ns) < self.started - SETTLED_NS:
            self.seen[real] = [*key, files, folders, links, whole]
            self.listed = True
        return files, folders, links, whole

    def save(self, path: Path) -> None:
        """Keep the folders this walk saw at ``path``, unless that is what it holds already."""
        if not self.listed and len(self.seen) == len(self.known):
            return  # every folder seen was kept as it is, and none is gone
        record = {"version": __version__, "folders": self.seen}
        with contextlib.suppress(OSError):  # read-only: the next walk lists every folder again
            write_atomic(path, json.dumps(record, separators=(",", ":")), durable=False)


def _walk(
    folder: Path,
    lines: list[str],
    listings: Listings,
    stamps: dict[str, FolderStamp] | None = None,
) -> None:
    """Add a line (path, size, mtime) for every file under ``folder``, and every symbolic link.

    A link is listed by its own path and target, and followed: into a folder (each
    real folder once, so a loop ends) or to a file. The build refuses links that
    leave the site, and the fingerprint must change with them, or a build would be
    skipped as "Nothing changed" while the output no longer matches the input.

    The lines are sorted by the caller; only the folders still to walk are taken in
    order of name, so that a real folder reached by two paths is always listed under
    the same one. Anything that cannot be read is left out, as a deleted file would be.

    With ``stamps``, each folder's :data:`FolderStamp` is put there by its real path,
    unless the walk left something of it out (a hidden file, one it could not read) or it
    has subfolders (a bundle's stamp covers those too).
    """
    # Each folder's real path: a folder reached through no link lies at its parent's real
    # path, so only links are resolved (resolving every folder cost most of a no-op build).
    stack = [(str(folder), os.path.realpath(folder))]
    seen: set[str] = set()
    add = lines.append
    stat = os.stat
    while stack:
        current, real = stack.pop()
        if real in seen:
            continue
        seen.add(real)
        entries = listings.entries(current, real)
        if entries is None:
            continue
        files, inside, links, whole = entries
        stamp: list[tuple[str, int, int]] = []
        prefix = current + os.sep
        for name in files:
            path = prefix + name
            try:
                found = stat(path)
            except OSError:
                whole = False
                continue
            add(f"{path}\0{found.st_size}\0{found.st_mtime_ns}")
            stamp.append((name, found.st_size, found.st_mtime_ns))
        real_prefix = real + os.sep
        folders = [(name, prefix + name, real_prefix + name) for name in inside]
        for name in links:
            path = prefix + name
            try:
                link = os.lstat(path)
                add(f"{path} -> {os.readlink(path)}\0{link.st_ino}\0{link.st_mtime_ns}")
            except OSError:
                whole = False
                continue
            stamp.append((name + "\0link", link.st_ino, link.st_mtime_ns))
            try:
                target = stat(path)
            except OSError:
                continue  # a dangling or looping link: listed by itself
            if S_ISDIR(target.st_mode):
                folders.append((name, path, os.path.realpath(path)))
            elif S_ISREG(target.st_mode):
                add(f"{path}\0{target.st_size}\0{target.st_mtime_ns}")
                stamp.append((name, target.st_size, target.st_mtime_ns))
        if stamps is not None and whole and not inside:  # else see bundle_stamp
            stamp.sort()
            stamps[real] = tuple(stamp)
        if len(folders) > 1:
            folders.sort(reverse=True)  # popped in order of name
        stack.extend([(path, inside) for _, path, inside in folders])


def compute(
    inputs: Iterable[Path],
    options: dict[str, str],
    cache_dir: Path | None = None,
    stamps: dict[str, FolderStamp] | None = None,
) -> str:
    """A hash of the files under ``inputs`` (by path, size, mtime) and of ``options``.

    With ``cache_dir``, the folders' lists of entries are kept there between walks (the
    folder is claimed first: see :func:`ocopsite.cachekey.claim`). ``stamps`` gets each
    folder's stamp (see :func:`_walk`), for the record cache.
    """
    digest = hashlib.sha256(
        json.dumps({"version": __version__, **options}, sort_keys=True).encode()
    )
    if cache_dir is not None:
        cachekey.claim(cache_dir)
    listings = Listings.load(cache_dir / LISTINGS) if cache_dir is not None else Listings()
    for root in inputs:
        if root.is_file():
            stat = root.stat()
            digest.update(f"{root}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            continue
        lines: list[str] = []
        _walk(root, lines, listings, stamps)
        lines.sort()
        lines.append("")
        digest.update("\n".join(lines).encode("utf-8", "surrogateescape"))
    if cache_dir is not None:
        listings.save(cache_dir / LISTINGS)
    return digest.hexdigest()


@functools.cache
def libraries() -> str:
    """Python's version, and where each of :data:`OUTPUT_LIBRARIES` is installed with the
    size and time of its main file; none is imported (a build with nothing to do loads
    none of them). Installing another version of a library rewrites that file."""
    parts = [sys.version]
    for name in OUTPUT_LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            stat = os.stat(origin) if origin else None
        except OSError:
            stat = None
        parts.append(f"{name}\0{origin}\0{stat.st_size}\0{stat.st_mtime_ns}" if stat else name)
    return "\n".join(parts)


def site_fingerprint(
    site: Path,
    base_url: str | None,
    build_date: dt.date | None,
    strict: bool,
    cache_dir: Path | None = None,
    stamps: dict[str, FolderStamp] | None = None,
) -> str:
    """The fingerprint of a build of ``site`` with these options (see :func:`compute`)."""
    return compute(
        [site / CONFIG_NAME, site / "content", site / "templates", site / "themes",
         *BUILTIN_THEME_DIRS, PACKAGE_DIR],
        {
            "base_url": base_url or "",
            "build_date": (build_date or dt.date.today()).isoformat(),
            "strict": str(strict),
            "libraries": libraries(),
        },
        cache_dir,
        stamps,
    )  # fmt: skip


def unchanged(cache_dir: Path, out: Path, marker: str, fingerprint: str) -> bool:
    """True when the last build into ``out`` had this fingerprint and ``out`` is still there.

    The output is trusted not to have been edited by hand (``build --force`` rebuilds).
    """
    try:
        record = json.loads((cache_dir / RECORD).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return (
        record.get("fingerprint") == fingerprint
        and record.get("out") == str(out)
        and (out / marker).is_file()
    )


def remember(cache_dir: Path, out: Path, fingerprint: str) -> None:
    """Record a successful build (after its output is in place)."""
    record = {"fingerprint": fingerprint, "out": str(out)}
    write_atomic(cache_dir / RECORD, json.dumps(record))


def forget(cache_dir: Path) -> None:
    """Drop the record of the last build, so that the next one cannot be skipped."""
    (cache_dir / RECORD).unlink(missing_ok=True)
