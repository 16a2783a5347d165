"""The *write* stage: a build writes into a staging folder and swaps it in only when done.

A failed build leaves the previous output exactly as it was. Readers of a live
site see the old tree or the new one: the swap is two renames on one file system.
The output folder carries a marker file so that ocopsite never replaces a folder
it did not make (``--out ~`` must not wipe a home directory).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MARKER = ".ocopsite-output"


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


class Staging:
    """A fresh folder beside ``out`` that becomes ``out`` on :meth:`commit`."""

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.root = self.out.parent / f".{self.out.name}.staging-{os.getpid()}"
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        (self.root / MARKER).write_text(
            "This folder is the output of ocopsite; it is replaced by each build.\n"
        )
        # GitHub Pages hides folders starting with "." (such as .well-known) unless this exists.
        (self.root / ".nojekyll").write_bytes(b"")
        self.files = 0

    def path(self, rel: str) -> Path:
        """The staging path for ``rel``, with its parent folders created."""
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_text(self, rel: str, text: str) -> None:
        self.path(rel).write_text(text, encoding="utf-8", newline="\n")
        self.files += 1

    def write_bytes(self, rel: str, data: bytes) -> None:
        self.path(rel).write_bytes(data)
        self.files += 1

    def commit(self) -> None:
        """Swap the staging folder in for ``out`` and delete the previous output."""
        old = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
        if old.exists():
            shutil.rmtree(old)
        if self.out.exists():
            self.out.rename(old)
        self.root.rename(self.out)
        if old.exists():
            shutil.rmtree(old)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
