"""Declarative validation of YAML values into model objects.

A *check* is a callable ``check(value, ctx) -> result | INVALID``. It either
returns the converted value or reports every problem it finds through ``ctx``
and returns :data:`INVALID`. :class:`Record` combines checks into a mapping
schema: it reports unknown keys with a "did you mean" suggestion, missing
required keys, and builds a frozen dataclass when every field is valid.
Nothing here raises on bad input.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

from ocopsite import sitefiles
from ocopsite.diagnostics import Diagnostics, Where
from ocopsite.load.source import InvalidDate, LineDict, LineList
from ocopsite.model import ANY_LANGUAGE, BundleFile, Coordinates, Text
from ocopsite.model.vietnamese import looks_vietnamese


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"

    def __bool__(self) -> bool:
        return False


#: Returned by a check that has reported a problem.
INVALID: Any = _Invalid()

T = TypeVar("T")

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


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
    probe_image: Callable[[Path], tuple[int, int] | str] | None
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
        probe_image: Callable[[Path], tuple[int, int] | str] | None = None,
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

#: What a JSON Schema says of text written in the site's languages (see :func:`json_shape`).
TEXT_REF = {"$ref": "#/$defs/text"}


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


# --- scalar checks ---------------------------------------------------------------


def string(value: Any, ctx: Ctx) -> Any:
    """A non-empty text. Numbers are accepted as text for codes such as decision numbers."""
    if type(value) is str:  # nearly every value: no checks of its kind (Mapping's are slow)
        text = unicodedata.normalize("NFC", value.strip())
        return text if text else ctx.error("must not be empty")
    if isinstance(value, bool) or value is None or isinstance(value, Mapping | list):
        return ctx.error(f"expected text, got {describe(value)}")
    text = unicodedata.normalize("NFC", str(value).strip())
    if not text:
        return ctx.error("must not be empty")
    return text


def slug(value: Any, ctx: Ctx) -> Any:
    text = string(value, ctx)
    if text is INVALID:
        return INVALID
    if not SLUG_RE.match(text):
        return ctx.error(
            f"'{text}' is not a valid slug",
            "use lower-case ASCII letters, digits and single hyphens, like 'mien-dong-tai-hoan'",
        )
    return text


def integer(minimum: int | None = None, maximum: int | None = None) -> Check:
    def check(value: Any, ctx: Ctx) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return ctx.error(
                f"expected a whole number, got {describe(value)}",
                "write digits only, without units or thousands separators, like 85000",
            )
        if minimum is not None and value < minimum:
            return ctx.error(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            return ctx.error(f"must be at most {maximum}, got {value}")
        return value

    bounds = {"minimum": minimum, "maximum": maximum}
    return shaped(check, {"type": "integer", **{k: v for k, v in bounds.items() if v is not None}})


def boolean(value: Any, ctx: Ctx) -> Any:
    if not isinstance(value, bool):
        return ctx.error(f"expected yes or no (true/false), got {describe(value)}")
    return value


#: Dates outside these years are typos (or "never" written as 9999-12-31); keeping them out
#: also keeps date arithmetic, such as a rating's expiry months later, from overflowing.
YEARS = range(1900, 3000)


def date(value: Any, ctx: Ctx) -> Any:
    """A calendar date written ``YYYY-MM-DD`` in :data:`YEARS`; impossible dates say why."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            if isinstance(value, InvalidDate) or re.match(r"^\d{4}-\d{1,2}-\d{1,2}$", value):
                return ctx.error(f"{value} is not a real date ({exc})")
    if isinstance(value, dt.date):
        if value.year not in YEARS:
            return ctx.error(
                f"{value.isoformat()} is outside the years {YEARS[0]}-{YEARS[-1]}",
                "check the year for a typo; leave out a date that does not apply",
            )
        return value
    return ctx.error(f"expected a date written YYYY-MM-DD, got {describe(value)}")


def url(value: Any, ctx: Ctx) -> Any:
    text = string(value, ctx)
    if text is INVALID:
        return INVALID
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", text):
        return ctx.error(
            f"'{text}' is not a web address", "write a full address starting with https://"
        )
    return text


_DATE_SHAPE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
shaped(string, {"type": ["string", "number"]})
shaped(slug, {"type": "string", "pattern": SLUG_RE.pattern})
shaped(boolean, {"type": "boolean"})
shaped(date, _DATE_SHAPE)
shaped(url, {"type": "string", "pattern": r"^https?://[^\s/$.?#][^\s]*$"})


def choice(options: Iterable[Any], what: str, hint: str | None = None) -> Check:
    """One of ``options``; an unknown value gets a 'did you mean' and the list of options."""
    allowed = tuple(options)

    def check(value: Any, ctx: Ctx) -> Any:
        if isinstance(value, Mapping | list) or value is None:
            return ctx.error(f"expected a {what}, got {describe(value)}")
        if value in allowed:
            return value
        listed = ", ".join(str(o) for o in allowed)
        return ctx.error(
            f"unknown {what} '{value}'{did_you_mean(str(value), map(str, allowed))}",
            hint or f"one of: {listed}",
        )

    return shaped(check, {"enum": list(allowed)})


def text(value: Any, ctx: Ctx) -> Any:
    """A translatable text: a plain string (any language) or ``{vi: ..., en: ...}``.

    The site's default language is required in a mapping; unknown language keys
    are errors, because they would be silently ignored otherwise.
    """
    default = ctx.languages[0]
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        plain = string(value, ctx)
        return INVALID if plain is INVALID else Text.plain(plain)
    if not isinstance(value, Mapping):
        return ctx.error(f"expected text or {{{default}: ..., ...}}, got {describe(value)}")
    ok = True
    values: dict[str, str] = {}
    for lang, item in value.items():
        sub = ctx.child(str(lang), _value_line(value, lang))
        if lang not in ctx.languages and item is None:
            ctx.at(_value_line(value, lang)).error(
                f"'{lang}' looks like part of a text split at a comma",
                'inside {...} a comma separates entries: quote the text, like vi: "a, b"',
            )
            ok = False
            continue
        if lang not in ctx.languages:
            sub.error(
                f"unknown language '{lang}'{did_you_mean(str(lang), ctx.languages)}",
                f"this site's languages are: {', '.join(ctx.languages)}",
            )
            ok = False
            continue
        checked = string(item, sub)
        if checked is INVALID:
            ok = False
        else:
            values[lang] = checked
    if default not in values:
        names = {"vi": "Vietnamese", "en": "English"}
        return ctx.error(
            f"missing {names.get(default, default)} text ('{default}')",
            f"the site's first language is '{default}'; every text needs it",
        )
    if not ok:
        return INVALID
    ordered = tuple((lang, values[lang]) for lang in ctx.languages if lang in values)
    return Text(ordered)


shaped(text, TEXT_REF)


_LANGUAGE_NAMES = {"vi": "Vietnamese", "en": "English"}


def _warn_vietnamese_only(value: Text, ctx: Ctx) -> None:
    """Warn when a text written once is Vietnamese words that other languages' pages show."""
    others = [lang for lang in ctx.languages[1:]]
    if ctx.languages[0] != "vi" or not others or value.values[0][0] != ANY_LANGUAGE:
        return
    plain = value.first()
    if not looks_vietnamese(plain):
        return
    short = plain if len(plain) <= 40 else plain[:37] + "..."
    names = " and ".join(_LANGUAGE_NAMES.get(lang, lang) for lang in others)
    ctx.warning(
        f"'{short}' is in Vietnamese only; {names} pages show it marked as Vietnamese",
        "write it in every language, like {vi: ..., "
        + ", ".join(f"{lang}: ..." for lang in others)
        + "}",
    )


def words(value: Any, ctx: Ctx) -> Any:
    """A :func:`text` that readers of every language need in their own words.

    Written once in Vietnamese on a site with other languages, it is a warning
    (``--strict`` makes it an error): those pages can only show it marked as Vietnamese.
    """
    checked = text(value, ctx)
    if checked is not INVALID:
        _warn_vietnamese_only(checked, ctx)
    return checked


shaped(words, TEXT_REF)


def measure(english: Callable[[str], str | None]) -> Check:
    """A quantity or unit of sale: :func:`words`, whose Vietnamese units need no translation.

    A plain Vietnamese value that ``english`` can put into English (from the
    registry of units) gets that English text; one it cannot is a warning.
    """

    def check(value: Any, ctx: Ctx) -> Any:
        checked = text(value, ctx)
        if checked is INVALID or checked.values[0][0] != ANY_LANGUAGE:
            return checked
        translated = english(checked.first()) if "en" in ctx.languages[1:] else None
        if ctx.languages[0] != "vi" or translated is None:
            _warn_vietnamese_only(checked, ctx)
            return checked
        known = {"vi": checked.first(), "en": translated}
        return Text(tuple((lang, known[lang]) for lang in ctx.languages if lang in known))

    return shaped(check, TEXT_REF)


def coordinates(value: Any, ctx: Ctx) -> Any:
    """``[lat, lon]`` in decimal degrees."""
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        return ctx.error(
            f"expected [latitude, longitude], got {describe(value)}",
            "write decimal degrees, like [22.41, 105.87]",
        )
    lat, lon = float(value[0]), float(value[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return ctx.error(f"[{lat}, {lon}] is not a place on Earth")
    return Coordinates(lat, lon)


shaped(
    coordinates,
    {
        "type": "array",
        "prefixItems": [
            {"type": "number", "minimum": -90, "maximum": 90},
            {"type": "number", "minimum": -180, "maximum": 180},
        ],
        "minItems": 2,
        "maxItems": 2,
    },
)


def bundle_file(kind: str) -> Check:
    """A file inside the record's own folder. ``kind`` is ``image`` or ``document``.

    Refuses absolute paths and paths that leave the bundle (through ``..`` or a
    symbolic link); images must open and decode within the site's limits.
    """

    def check(value: Any, ctx: Ctx) -> Any:
        name = string(value, ctx)
        if name is INVALID:
            return INVALID
        assert ctx.bundle is not None, "bundle_file needs a bundle"
        bundle = ctx.bundle
        bare = name not in (".", "..") and "/" not in name and "\\" not in name
        candidate: Path | None = None
        try:
            written = Path(os.path.normpath(bundle / name))
            if not Path(name).is_absolute() and written.is_relative_to(bundle):
                candidate = sitefiles.real_path(written, bundle, bundle if bare else None)
        except sitefiles.Refused as refused:
            if refused.kind != "outside":
                return ctx.error(f"{kind} '{name}' {refused.message}", refused.hint)
        except FileNotFoundError:
            candidate = written
        if candidate is None:
            return ctx.error(
                f"'{name}' points outside the record's folder",
                "put the file in the same folder as the YAML file and give its bare name",
            )
        if not candidate.is_file():
            present = sorted(p.name for p in bundle.iterdir() if p.is_file())
            return ctx.error(
                f"{kind} '{name}' not found{did_you_mean(name, present)}",
                f"the file must be in {ctx.diagnostics.where(bundle).path}/",
            )
        if kind == "image" and ctx.probe_image is not None:
            probed = ctx.probe_image(candidate)
            if isinstance(probed, str):
                return ctx.error(
                    f"image '{name}' {probed}",
                    "open it in an image editor and save it again as JPEG",
                )
            return BundleFile(name, candidate, probed[0], probed[1])
        return BundleFile(name, candidate)

    return shaped(check, {"type": "string", "description": f"an {kind} file in the folder"})


# --- composite checks ------------------------------------------------------------


def _value_line(container: Any, key: Any) -> int | None:
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
