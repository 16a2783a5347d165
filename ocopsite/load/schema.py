"""Declarative validation of YAML values into model objects.

A *check* is a callable ``check(value, ctx) -> result | INVALID``. It either
returns the converted value or reports every problem it finds through ``ctx``
and returns :data:`INVALID`. :class:`Record` combines checks into a mapping
schema: it reports unknown keys with a "did you mean" suggestion, missing
required keys, and builds a frozen dataclass when every field is valid.
Nothing here raises on bad input. The checks of single values (text, dates, slugs,
files...) are in :mod:`ocopsite.load.checks`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

from ocopsite.diagnostics import Diagnostics, Where
from ocopsite.load.source import LineDict, LineList
from ocopsite.sitefiles import Unusable


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"

    def __bool__(self) -> bool:
        return False


#: Returned by a check that has reported a problem.
INVALID: Any = _Invalid()

T = TypeVar("T")


class Ctx:
    """Where a value sits (file, line, dotted field name) and what the site knows.

    Treat it as immutable: :meth:`child` and :meth:`at` make new ones. A record
    of a few dozen values makes a context for each, and only the few that carry
    a problem are ever asked where they are, so a child works out its
    :attr:`where` and :attr:`field` from its parent's on first use.
    """

    __slots__ = (
        "_field",
        "_line",
        "_name",
        "_parent",
        "_where",
        "bundle",
        "diagnostics",
        "languages",
        "probe_image",
    )

    diagnostics: Diagnostics
    languages: tuple[str, ...]
    bundle: Path | None
    probe_image: Callable[[Path], tuple[int, int] | Unusable] | None
    _where: Where | None
    _field: str | None
    _parent: Ctx | None
    _name: str | int
    _line: int | None

    def __init__(
        self,
        diagnostics: Diagnostics,
        where: Where,
        field: str,
        languages: tuple[str, ...],
        bundle: Path | None = None,
        probe_image: Callable[[Path], tuple[int, int] | Unusable] | None = None,
    ) -> None:
        self.diagnostics = diagnostics
        self.languages = languages
        self.bundle = bundle
        self.probe_image = probe_image
        self._where = where
        self._field = field
        self._parent = None

    @property
    def where(self) -> Where:
        if self._where is None:
            assert self._parent is not None
            self._where = self._parent.where.at(self._line)
        return self._where

    @property
    def field(self) -> str:
        """The dotted name of the value: ``certifications[0].issuer``."""
        if self._field is None:
            assert self._parent is not None
            parent, name = self._parent.field, self._name
            if isinstance(name, int):
                self._field = f"{parent}[{name}]"
            else:
                self._field = f"{parent}.{name}" if parent else name
        return self._field

    def child(self, name: str | int, line: int | None) -> Ctx:
        """The context of the value ``name`` (a key, or a list index) at ``line``."""
        child = Ctx.__new__(Ctx)
        child.diagnostics = self.diagnostics
        child.languages = self.languages
        child.bundle = self.bundle
        child.probe_image = self.probe_image
        child._where = None
        child._field = None
        child._parent = self
        child._name = name
        child._line = line
        return child

    def at(self, line: int | None) -> Ctx:
        """The same field at another line."""
        return Ctx(
            self.diagnostics,
            self.where.at(line),
            self.field,
            self.languages,
            self.bundle,
            self.probe_image,
        )

    def error(self, message: str, hint: str | None = None) -> Any:
        prefix = f"{self.field}: " if self.field else ""
        self.diagnostics.error(self.where, prefix + message, hint)
        return INVALID

    def warning(self, message: str, hint: str | None = None) -> None:
        prefix = f"{self.field}: " if self.field else ""
        self.diagnostics.warning(self.where, prefix + message, hint)


Check = Callable[[Any, Ctx], Any]


def shaped(check: Check, shape: dict[str, Any]) -> Check:
    """Attach the JSON Schema that describes what ``check`` accepts; returns ``check``.

    The JSON Schemas published for editors are made from these shapes (see
    :mod:`ocopsite.render.recordschema`), so a record format is declared once, here.
    """
    check.json_shape = shape  # type: ignore[attr-defined]
    return check


def json_shape(check: Check) -> dict[str, Any]:
    """The JSON Schema of what ``check`` accepts; ``{}`` (anything) when it declares none."""
    if isinstance(check, Record):
        return check.json_schema()
    return dict(getattr(check, "json_shape", {}))


def describe(value: Any) -> str:
    """How a YAML value is named in a message: its kind, then a short quote."""
    if isinstance(value, bool):
        return f"yes/no value {str(value).lower()}"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, dt.date):
        return f"date {value.isoformat()}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"text '{short}'"
    if isinstance(value, Mapping):
        return "a mapping (key: value pairs)"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return type(value).__name__


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word``, if one is close enough to be a typo."""
    options = [str(c) for c in choices]
    matches = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if not matches:
        lowered = {o.lower(): o for o in options}
        return lowered.get(str(word).lower())
    return matches[0]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    guess = suggest(word, choices)
    return f"; did you mean '{guess}'?" if guess else ""


def value_line(container: Any, key: Any) -> int | None:
    return container.value_line(key) if isinstance(container, LineDict) else None


def list_of(item: Check, unique: Callable[[Any], Any] | None = None, what: str = "") -> Check:
    """A list whose items each pass ``item``; with ``unique``, a repeated key is an error."""

    def check(value: Any, ctx: Ctx) -> Any:
        if not isinstance(value, list):
            return ctx.error(f"expected a list, got {describe(value)}", "start each item with '- '")
        results = []
        seen: dict[Any, int] = {}
        ok = True
        for index, raw in enumerate(value):
            line = value.item_line(index) if isinstance(value, LineList) else None
            result = item(raw, ctx.child(index, line))
            if result is INVALID:
                ok = False
                continue
            if unique is not None:
                key = unique(result)
                if key in seen:
                    ctx.child(index, line).error(
                        f"duplicate {what} '{key}' (first at item {seen[key]})",
                        f"each {what} may appear only once",
                    )
                    ok = False
                    continue
                seen[key] = index
            results.append(result)
        return tuple(results) if ok else INVALID

    return shaped(check, {"type": "array", "items": json_shape(item)})


@dataclass(frozen=True)
class Field(Generic[T]):
    check: Check
    required: bool = False
    default: Any = None
    hint: str | None = None


@dataclass(frozen=True)
class Record:
    """A mapping with known keys, built into ``build(**values)`` when all are valid.

    ``finish(values, raw, ctx)`` may add derived values or report cross-field
    problems (expiry before issue, say); it returns the values or INVALID.
    ``build`` of ``None`` returns the values as a dict.
    """

    fields: Mapping[str, Field[Any]]
    build: Callable[..., Any] | None = None
    finish: Callable[[dict[str, Any], LineDict, Ctx], Any] | None = None
    what: str = "record"
    _order: tuple[str, ...] = field(default=(), repr=False)

    @cached_property
    def _specs(self) -> tuple[tuple[str, Check, bool, Any, str | None], ...]:
        """Each field as (name, check, required, default, hint): read once per record."""
        return tuple(
            (name, spec.check, spec.required, spec.default, spec.hint)
            for name, spec in self.fields.items()
        )

    def __call__(self, value: Any, ctx: Ctx) -> Any:
        if type(value) is not LineDict and not isinstance(value, Mapping):
            return ctx.error(f"expected a {self.what} (key: value pairs), got {describe(value)}")
        raw = value if isinstance(value, LineDict) else _as_line_dict(value, ctx.where.line)
        ok = True
        values: dict[str, Any] = {}
        misspelt: set[str] = set()
        if not raw.keys() <= self.fields.keys():  # nearly every record: no unknown key
            for key in raw:
                if key not in self.fields:
                    guess = suggest(str(key), self.fields)
                    if guess is not None:
                        misspelt.add(guess)
                    where = ctx.where.at(raw.key_line(key))
                    container = f" in '{ctx.field}'" if ctx.field else ""
                    ctx.diagnostics.error(
                        where,
                        f"unknown key '{key}'{container}{did_you_mean(str(key), self.fields)}",
                        f"valid keys here: {', '.join(self.fields)}",
                    )
                    ok = False
        lines = raw.value_lines
        for name, check, required, default, hint in self._specs:
            item = raw.get(name)
            if item is None:  # absent, or written empty
                if required:
                    # A misspelt key was reported with this name as its suggestion already.
                    if name not in misspelt:
                        ctx.error(f"missing required key '{name}'", hint)
                    ok = False
                elif default is not None:
                    values[name] = default
                continue
            line = lines.get(name)
            result = check(item, ctx.child(name, line if line is not None else raw.key_line(name)))
            if result is INVALID:
                ok = False
            else:
                values[name] = result
        if not ok:
            return INVALID
        if self.finish is not None:
            values = self.finish(values, raw, ctx)
            if values is INVALID:
                return INVALID
        return values if self.build is None else self.build(**values)

    def json_schema(self) -> dict[str, Any]:
        """This mapping as a JSON Schema object: its keys, which are required, nothing else."""
        shape: dict[str, Any] = {
            "type": "object",
            "properties": {name: json_shape(spec.check) for name, spec in self.fields.items()},
            "additionalProperties": False,
        }
        required = [name for name, spec in self.fields.items() if spec.required]
        if required:
            shape["required"] = required
        return shape


def _as_line_dict(value: Mapping[str, Any], line: int | None) -> LineDict:
    result = LineDict(value)
    result.line = line or 1
    result.key_lines = {}
    result.value_lines = {}
    return result


def line_of(raw: LineDict, key: str) -> int:
    """The line of ``key``'s value in ``raw``, or of ``raw`` itself when ``key`` is absent."""
    return raw.value_line(key) if key in raw else raw.line


def not_before(values: dict[str, Any], raw: LineDict, ctx: Ctx, later: str, earlier: str) -> bool:
    """Report ``later`` dated before ``earlier``; True when they are in order or absent."""
    if later in values and earlier in values and values[later] < values[earlier]:
        ctx.child(later, line_of(raw, later)).error(
            f"{values[later].isoformat()} is before {earlier} {values[earlier].isoformat()}",
            f"{later} must not come before {earlier}; check for a typo in the year",
        )
        return False
    return True
