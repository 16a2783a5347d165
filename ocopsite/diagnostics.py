"""Problems found in a site's input, collected rather than raised one by one.

Every stage reports into one :class:`Diagnostics` so that a user sees all the
problems of a build at once, each as ``path:line: error: message`` followed by
an indented hint, the shape compilers use and editors can jump to.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    #: Not a problem of the input, but worth telling: what the build date decided (no label
    #: sheet for a rating that has expired). ``--strict`` does not turn it into an error,
    #: so that a strict build does not start failing on the day a rating runs out.
    NOTE = "note"


@dataclass(frozen=True, order=True)
class Where:
    """A place in a source file: a path shown relative to the site, a 1-based line, a column."""

    path: str
    line: int | None = None
    column: int | None = None

    def at(self, line: int | None, column: int | None = None) -> Where:
        """The same file at another line (``None`` keeps this one)."""
        return Where(self.path, line if line is not None else self.line, column)

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True)
class Diagnostic:
    where: Where
    severity: Severity
    message: str
    hint: str | None = None

    def format(self) -> str:
        """The diagnostic as printed: one line, then the hint indented on the next."""
        text = f"{self.where}: {self.severity.value}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


def _plain(path: str) -> bool:
    """Whether ``path`` is written as pathlib writes a path: nothing to normalise in it."""
    sep = os.sep
    return (
        ".." not in path
        and sep + sep not in path
        and f"{sep}.{sep}" not in path
        and not path.endswith((sep, f"{sep}."))
    )


@dataclass
class Diagnostics:
    """An ordered, de-duplicated collection of problems.

    ``relative_to`` turns absolute paths into site-relative ones, so that the
    messages (and tests that compare them) do not depend on where a site lives.
    """

    relative_to: Path | None = None
    items: list[Diagnostic] = field(default_factory=list)
    _resolved_root: str | None = field(default=None, init=False, repr=False, compare=False)
    #: What ``items`` holds, for a constant-time check that a problem is not told twice.
    _seen: set[Diagnostic] = field(default_factory=set, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._seen.update(self.items)

    def where(self, path: Path | str, line: int | None = None) -> Where:
        """A :class:`Where` for ``path``, shown relative to the site when inside it."""
        text = str(path)
        root = self._root()
        # Loaders pass paths under the resolved site folder, as pathlib writes them: no need
        # to ask the file system (resolving costs several lstat calls, for every record), nor
        # to parse them again (a few are made for every record).
        if root and text.startswith(root) and os.path.isabs(text) and _plain(text):
            inside = text[len(root) :]
            return Where(inside if os.sep == "/" else inside.replace(os.sep, "/"), line)
        shown = Path(path)
        if self.relative_to is not None:
            with contextlib.suppress(ValueError):
                shown = shown.resolve().relative_to(self.relative_to.resolve())
        return Where(shown.as_posix(), line)

    def empty_copy(self) -> Diagnostics:
        """An empty collection showing paths as this one does, without resolving its root again
        (one per record validated: resolving a folder costs a system call per folder of it)."""
        copy = Diagnostics(relative_to=self.relative_to)
        copy._resolved_root = self._root()
        return copy

    def _root(self) -> str:
        if self._resolved_root is None:
            self._resolved_root = (
                str(self.relative_to.resolve()) + os.sep if self.relative_to is not None else ""
            )
        return self._resolved_root

    def error(self, where: Where, message: str, hint: str | None = None) -> None:
        self._add(Diagnostic(where, Severity.ERROR, message, hint))

    def warning(self, where: Where, message: str, hint: str | None = None) -> None:
        self._add(Diagnostic(where, Severity.WARNING, message, hint))

    def note(self, where: Where, message: str, hint: str | None = None) -> None:
        """Tell something that is not a problem (see :attr:`Severity.NOTE`)."""
        self._add(Diagnostic(where, Severity.NOTE, message, hint))

    def extend(self, items: list[Diagnostic]) -> None:
        """Add problems found elsewhere (in a worker, or kept from an earlier build)."""
        for item in items:
            self._add(item)

    def _add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    @property
    def notes(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.NOTE]

    def has_errors(self, strict: bool = False) -> bool:
        """True when the build must stop; with ``strict`` a warning counts as an error."""
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Diagnostic]:
        """Problems in a stable order: by file, then line, errors, then notes, then warnings."""
        return sorted(
            self.items,
            key=lambda d: (d.where.path, d.where.line or 0, d.severity.value, d.message),
        )

    def report(self) -> str:
        return "\n".join(d.format() for d in self.sorted())


class BuildFailed(Exception):
    """Raised to stop the pipeline once problems have been reported into ``diagnostics``."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__(f"{len(diagnostics.errors)} error(s)")
        self.diagnostics = diagnostics
