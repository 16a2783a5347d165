"""The checks of single values: text, slugs, numbers, dates, addresses, places and files.

Each is a check in the sense of :mod:`ocopsite.load.schema`: ``check(value, ctx)``
returns the converted value, or reports every problem through ``ctx`` and returns
:data:`~ocopsite.load.schema.INVALID`. Each declares the JSON Schema of what it
accepts (:func:`~ocopsite.load.schema.shaped`), from which the published record
schemas are made.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ocopsite import sitefiles
from ocopsite.load import schema as s
from ocopsite.load.source import InvalidDate
from ocopsite.model import ANY_LANGUAGE, BundleFile, Coordinates, Text
from ocopsite.model.vietnamese import looks_vietnamese
from ocopsite.sitefiles import Unusable

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

#: The JSON Schema of text in the site's languages (:func:`~ocopsite.load.schema.json_shape`).
TEXT_REF = {"$ref": "#/$defs/text"}


def string(value: Any, ctx: s.Ctx) -> Any:
    """A non-empty text. Numbers are accepted as text for codes such as decision numbers."""
    if type(value) is str:  # nearly every value: no checks of its kind (Mapping's are slow)
        text = unicodedata.normalize("NFC", value.strip())
        return text if text else ctx.error("must not be empty")
    if isinstance(value, bool) or value is None or isinstance(value, Mapping | list):
        return ctx.error(f"expected text, got {s.describe(value)}")
    text = unicodedata.normalize("NFC", str(value).strip())
    if not text:
        return ctx.error("must not be empty")
    return text


def slug(value: Any, ctx: s.Ctx) -> Any:
    text = string(value, ctx)
    if text is s.INVALID:
        return s.INVALID
    if not SLUG_RE.match(text):
        return ctx.error(
            f"'{text}' is not a valid slug",
            "use lower-case ASCII letters, digits and single hyphens, like 'mien-dong-tai-hoan'",
        )
    return text


def integer(minimum: int | None = None, maximum: int | None = None) -> s.Check:
    def check(value: Any, ctx: s.Ctx) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            leading = isinstance(value, str) and re.fullmatch(r"0+([0-9]+)", value.strip())
            return ctx.error(
                f"expected a whole number, got {s.describe(value)}",
                f"write it without the leading zero: {int(leading.group(1))}"
                if leading  # read as text, as codes and phone numbers with one are
                else "write digits only, without units or thousands separators, like 85000",
            )
        if minimum is not None and value < minimum:
            return ctx.error(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            return ctx.error(f"must be at most {maximum}, got {value}")
        return value

    bounds = {"minimum": minimum, "maximum": maximum}
    return s.shaped(
        check, {"type": "integer", **{k: v for k, v in bounds.items() if v is not None}}
    )


def boolean(value: Any, ctx: s.Ctx) -> Any:
    if not isinstance(value, bool):
        return ctx.error(f"expected yes or no (true/false), got {s.describe(value)}")
    return value


#: Dates outside these years are typos (or "never" written as 9999-12-31); keeping them out
#: also keeps date arithmetic, such as a rating's expiry months later, from overflowing.
YEARS = range(1900, 3000)


def date(value: Any, ctx: s.Ctx) -> Any:
    """A calendar date written ``YYYY-MM-DD`` in :data:`YEARS`; impossible dates say why."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            problem = str(exc)
            shape = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value.strip())
            if shape is not None:
                try:  # "2024-6-12": a real date, written short
                    real = dt.date(*(int(part) for part in shape.groups()))
                except ValueError as impossible:
                    problem = str(impossible)
                else:
                    return ctx.error(
                        f"{value} needs two digits for its month and its day",
                        f"write {real.isoformat()}",
                    )
            if isinstance(value, InvalidDate) or shape is not None:
                return ctx.error(
                    f"{value} is not a real date ({problem})",
                    "dates are written year-month-day: check the day and the month",
                )
    if isinstance(value, dt.date):
        if value.year not in YEARS:
            return ctx.error(
                f"{value.isoformat()} is outside the years {YEARS[0]}-{YEARS[-1]}",
                "check the year for a typo; leave out a date that does not apply",
            )
        return value
    return ctx.error(
        f"expected a date written YYYY-MM-DD, got {s.describe(value)}", _date_hint(value)
    )


#: A date as Vietnamese write it by hand: day, month, year ("12/06/2024", "12-6-2024").
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


def _date_hint(value: Any) -> str:
    """How to write ``value`` as a date: itself year-month-day, when it reads as a date
    written day/month/year."""
    found = _DAY_MONTH_YEAR.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is not None:
        day, month, year = (int(part) for part in found.groups())
        with contextlib.suppress(ValueError):
            return f"write it year-month-day: {dt.date(year, month, day).isoformat()}"
    return "write dates year-month-day, like 2024-06-12"


def url(value: Any, ctx: s.Ctx) -> Any:
    text = string(value, ctx)
    if text is s.INVALID:
        return s.INVALID
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", text):
        return ctx.error(
            f"'{text}' is not a web address", "write a full address starting with https://"
        )
    return text


_DATE_SHAPE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
s.shaped(string, {"type": ["string", "number"]})
s.shaped(slug, {"type": "string", "pattern": SLUG_RE.pattern})
s.shaped(boolean, {"type": "boolean"})
s.shaped(date, _DATE_SHAPE)
s.shaped(url, {"type": "string", "pattern": r"^https?://[^\s/$.?#][^\s]*$"})


def choice(options: Iterable[Any], what: str, hint: str | None = None) -> s.Check:
    """One of ``options``; an unknown value gets a 'did you mean' and the list of options."""
    allowed = tuple(options)

    def check(value: Any, ctx: s.Ctx) -> Any:
        if isinstance(value, Mapping | list) or value is None:
            return ctx.error(f"expected a {what}, got {s.describe(value)}")
        if value in allowed:
            return value
        listed = ", ".join(str(o) for o in allowed)
        return ctx.error(
            f"unknown {what} '{value}'{s.did_you_mean(str(value), map(str, allowed))}",
            hint or f"one of: {listed}",
        )

    return s.shaped(check, {"enum": list(allowed)})


def text(value: Any, ctx: s.Ctx) -> Any:
    """A translatable text: a plain string (any language) or ``{vi: ..., en: ...}``.

    The site's default language is required in a mapping; unknown language keys
    are errors, because they would be silently ignored otherwise.
    """
    default = ctx.languages[0]
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        plain = string(value, ctx)
        return s.INVALID if plain is s.INVALID else Text.plain(plain)
    if not isinstance(value, Mapping):
        return ctx.error(f"expected text or {{{default}: ..., ...}}, got {s.describe(value)}")
    ok = True
    values: dict[str, str] = {}
    for lang, item in value.items():
        sub = ctx.child(str(lang), s.value_line(value, lang))
        if lang not in ctx.languages and item is None:
            ctx.at(s.value_line(value, lang)).error(
                f"'{lang}' looks like part of a text split at a comma",
                'inside {...} a comma separates entries: quote the text, like vi: "a, b"',
            )
            ok = False
            continue
        if lang not in ctx.languages:
            sub.error(
                f"unknown language '{lang}'{s.did_you_mean(str(lang), ctx.languages)}",
                f"this site's languages are: {', '.join(ctx.languages)}",
            )
            ok = False
            continue
        checked = string(item, sub)
        if checked is s.INVALID:
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
        return s.INVALID
    ordered = tuple((lang, values[lang]) for lang in ctx.languages if lang in values)
    return Text(ordered)


s.shaped(text, TEXT_REF)


_LANGUAGE_NAMES = {"vi": "Vietnamese", "en": "English"}


def _warn_vietnamese_only(value: Text, ctx: s.Ctx) -> None:
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


def words(value: Any, ctx: s.Ctx) -> Any:
    """A :func:`text` that readers of every language need in their own words.

    Written once in Vietnamese on a site with other languages, it is a warning
    (``--strict`` makes it an error): those pages can only show it marked as Vietnamese.
    """
    checked = text(value, ctx)
    if checked is not s.INVALID:
        _warn_vietnamese_only(checked, ctx)
    return checked


s.shaped(words, TEXT_REF)


def measure(english: Callable[[str], str | None]) -> s.Check:
    """A quantity or unit of sale: :func:`words`, whose Vietnamese units need no translation.

    A plain Vietnamese value that ``english`` can put into English (from the
    registry of units) gets that English text; one it cannot is a warning.
    """

    def check(value: Any, ctx: s.Ctx) -> Any:
        checked = text(value, ctx)
        if checked is s.INVALID or checked.values[0][0] != ANY_LANGUAGE:
            return checked
        translated = english(checked.first()) if "en" in ctx.languages[1:] else None
        if ctx.languages[0] != "vi" or translated is None:
            _warn_vietnamese_only(checked, ctx)
            return checked
        known = {"vi": checked.first(), "en": translated}
        return Text(tuple((lang, known[lang]) for lang in ctx.languages if lang in known))

    return s.shaped(check, TEXT_REF)


def coordinates(value: Any, ctx: s.Ctx) -> Any:
    """``[lat, lon]`` in decimal degrees."""
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        return ctx.error(
            f"expected [latitude, longitude], got {s.describe(value)}",
            "write decimal degrees, like [22.41, 105.87]",
        )
    lat, lon = float(value[0]), float(value[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return ctx.error(f"[{lat}, {lon}] is not a place on Earth")
    return Coordinates(lat, lon)


s.shaped(
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


def bundle_file(kind: str) -> s.Check:
    """A file inside the record's own folder. ``kind`` is ``image`` or ``document``.

    Refuses absolute paths and paths that leave the bundle (through ``..`` or a
    symbolic link); images must open and decode within the site's limits.
    """

    def check(value: Any, ctx: s.Ctx) -> Any:
        name = string(value, ctx)
        if name is s.INVALID:
            return s.INVALID
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
                f"{kind} '{name}' not found{s.did_you_mean(name, present)}",
                f"the file must be in {ctx.diagnostics.where(bundle).path}/",
            )
        if kind == "image" and ctx.probe_image is not None:
            probed = ctx.probe_image(candidate)
            if isinstance(probed, Unusable):
                return ctx.error(f"image '{name}' {probed.message}", probed.hint)
            return BundleFile(name, candidate, probed[0], probed[1])
        return BundleFile(name, candidate)

    return s.shaped(check, {"type": "string", "description": f"an {kind} file in the folder"})
