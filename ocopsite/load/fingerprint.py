"""Whether anything that decides a site's output has changed since its last build.

The fingerprint covers every input file (config, content, the site's templates,
the theme, ocopsite's own code and data) by path, size and modification time,
and the options that change the output (base URL, build date, strictness). A
build whose fingerprint matches the one recorded by the last successful build
into the same folder has nothing to do: it renders, encodes and writes nothing.
Stat-ing files is all it costs, which stays well under a second at national scale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from ocopsite import __version__
from ocopsite.files import write_atomic
from ocopsite.paths import BUILTIN_THEME_DIRS, CONFIG_NAME, PACKAGE_DIR

#: Where the last successful build's fingerprint is kept, inside the cache folder.
RECORD = "last-build.json"


def _walk(folder: Path) -> Iterable[tuple[str, int, int]]:
    """(path, size, mtime) of every file under ``folder``, and of every symbolic link.

    A link is listed by its own path and target, and followed: into a folder (each
    real folder once, so a loop ends) or to a file. The build refuses links that
    leave the site, and the fingerprint must change with them, or a build would be
    skipped as "Nothing changed" while the output no longer matches the input.
    """
    # Each folder's real path: a folder reached through no link lies at its parent's real
    # path, so only links are resolved (resolving every folder cost most of a no-op build).
    stack = [(str(folder), os.path.realpath(folder))]
    seen: set[str] = set()
    while stack:
        current, real = stack.pop()
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            linked = entry.is_symlink()
            if linked:
                try:
                    target = os.readlink(entry.path)
                    link = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                yield f"{entry.path} -> {target}", link.st_ino, link.st_mtime_ns
            try:
                if entry.is_dir():
                    if linked:
                        inside = os.path.realpath(entry.path)
                    else:
                        inside = os.path.join(real, entry.name)
                    stack.append((entry.path, inside))
                elif entry.is_file():
                    stat = entry.stat()
                    yield entry.path, stat.st_size, stat.st_mtime_ns
            except OSError:
                continue


def compute(inputs: Iterable[Path], options: dict[str, str]) -> str:
    """A hash of the files under ``inputs`` (by path, size, mtime) and of ``options``."""
    digest = hashlib.sha256(
        json.dumps({"version": __version__, **options}, sort_keys=True).encode()
    )
    for root in inputs:
        if root.is_file():
            stat = root.stat()
            digest.update(f"{root}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            continue
        for path, size, mtime in sorted(_walk(root)):
            digest.update(f"{path}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()


def site_fingerprint(
    site: Path, base_url: str | None, build_date: dt.date | None, strict: bool
) -> str:
    """The fingerprint of a build of ``site`` with these options (see :func:`compute`)."""
    return compute(
        [site / CONFIG_NAME, site / "content", site / "templates", site / "themes",
         *BUILTIN_THEME_DIRS, PACKAGE_DIR],
        {
            "base_url": base_url or "",
            "build_date": (build_date or dt.date.today()).isoformat(),
            "strict": str(strict),
        },
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
