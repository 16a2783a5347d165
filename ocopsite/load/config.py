"""The site configuration, ``site_config.yaml``: its schema and its validated form."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ocopsite.assets.images import ImageLimits
from ocopsite.diagnostics import Diagnostics
from ocopsite.load import checks as c
from ocopsite.load import schema as s
from ocopsite.load.source import LineDict, load_yaml
from ocopsite.model import CHANNEL_KINDS, Contact, Text
from ocopsite.model.provinces import provinces
from ocopsite.paths import CONFIG_NAME as CONFIG_NAME  # where every module has found it

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Retailer:
    """An entry of the retailer registry that products' ``retail`` lists refer to."""

    key: str
    kind: str
    name: Text
    url: str | None = None
    address: Text | None = None


@dataclass(frozen=True)
class Licence:
    """The licence the open data files are published under."""

    name: str = "CC-BY-4.0"  # an SPDX identifier
    title: str = "Creative Commons Attribution 4.0"
    url: str = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    title: Text
    base_url: str  # absolute, always ends with "/"
    languages: tuple[str, ...]
    build_date: dt.date
    description: Text | None = None
    province: str | None = None
    theme: str = "default"
    demo: bool = False
    per_page: int = 24
    #: Printable A4 label sheets (HTML and a 300 dpi PNG) per product and lot.
    label_sheets: bool = True
    contact: Contact = field(default_factory=Contact)
    #: The language of a reader whose browser prefers none of the site's languages.
    international_language: str = ""
    retailers: dict[str, Retailer] = field(default_factory=dict)
    images: ImageLimits = field(default_factory=ImageLimits)
    data_licence: Licence = field(default_factory=Licence)
    #: The share (percent) of rated products to be traceable, shown on the statistics page.
    traceability_target: int = 95
    #: How far ahead the re-rating schedule looks, in days.
    expiring_within_days: int = 180

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def content_dir(self) -> Path:
        return self.root / "content"


def _base_url(value: Any, ctx: s.Ctx) -> Any:
    text = c.url(value, ctx)
    if text is s.INVALID:
        return s.INVALID
    if "?" in text or "#" in text:
        return ctx.error(f"'{text}' must not carry a query or fragment")
    return text if text.endswith("/") else text + "/"


def _languages(value: Any, ctx: s.Ctx) -> Any:
    codes = s.list_of(c.string, unique=lambda code: code, what="language")(value, ctx)
    if codes is s.INVALID:
        return s.INVALID
    if not codes:
        return ctx.error("list at least one language; the first is the default")
    for code in codes:
        if not LANGUAGE_RE.match(code):
            return ctx.error(f"'{code}' is not a language code", "use codes such as vi and en")
    return codes


def _retailers(value: Any, ctx: s.Ctx) -> Any:
    if not isinstance(value, LineDict):
        return ctx.error(f"expected a mapping of retailer keys, got {s.describe(value)}")
    result: dict[str, Retailer] = {}
    ok = True
    for key in value:
        sub = ctx.child(str(key), value.key_line(key))
        if c.slug(key, sub) is s.INVALID:
            ok = False
            continue
        checked = RETAILER(value[key], ctx.child(str(key), value.value_line(key)))
        if checked is s.INVALID:
            ok = False
        else:
            result[key] = Retailer(key=key, **checked)
    return result if ok else s.INVALID


RETAILER = s.Record(
    {
        "kind": s.Field(c.choice(CHANNEL_KINDS, "channel kind"), required=True),
        "name": s.Field(c.text, required=True),
        "url": s.Field(c.url),
        "address": s.Field(c.text),
    },
    what="retailer",
)

CONTACT = s.Record(
    {
        "phone": s.Field(c.string),
        "email": s.Field(c.string),
        "website": s.Field(c.url),
        "person": s.Field(c.string),
    },
    build=Contact,
    what="contact",
)

IMAGE_LIMITS = s.Record(
    {
        "max_bytes": s.Field(c.integer(1024)),
        "max_pixels": s.Field(c.integer(10_000)),
    },
    build=ImageLimits,
    what="image limits",
)

LICENCE = s.Record(
    {
        "name": s.Field(c.string, required=True, hint="an SPDX identifier such as CC-BY-4.0"),
        "title": s.Field(c.string),
        "url": s.Field(c.url),
    },
    build=lambda **values: Licence(**{"title": values["name"], "url": "", **values}),
    what="licence",
)

CONFIG_FIELDS: dict[str, s.Field[Any]] = {
    "title": s.Field(c.text, required=True),
    "description": s.Field(c.text),
    "base_url": s.Field(_base_url, required=True, hint="e.g. https://ocop.example.org/"),
    "languages": s.Field(_languages, default=("vi", "en")),
    "build_date": s.Field(c.date),
    "province": s.Field(c.choice(provinces(), "province")),
    "theme": s.Field(c.slug, default="default"),
    "demo": s.Field(c.boolean, default=False),
    "per_page": s.Field(c.integer(1, 500), default=24),
    "label_sheets": s.Field(c.boolean, default=True),
    "contact": s.Field(CONTACT),
    "international_language": s.Field(c.string),
    "retailers": s.Field(_retailers, default={}),
    "images": s.Field(IMAGE_LIMITS),
    "data_licence": s.Field(LICENCE),
    "traceability_target": s.Field(c.integer(0, 100), default=95),
    "expiring_within_days": s.Field(c.integer(1, 3650), default=180),
}


def load_config(
    path: Path,
    diagnostics: Diagnostics,
    *,
    base_url: str | None = None,
    build_date: dt.date | None = None,
) -> SiteConfig | None:
    """Load and validate the site configuration, or report why not.

    ``base_url`` and ``build_date`` override the file (command-line options); a
    build date given nowhere is today's.
    """
    raw = load_yaml(path, diagnostics)
    if raw is None:
        return None
    where = diagnostics.where(path)
    ctx = s.Ctx(diagnostics, where.at(getattr(raw, "line", 1)), "", ("vi",))
    if not isinstance(raw, LineDict):
        ctx.error(f"expected key: value pairs, got {s.describe(raw)}")
        return None
    languages = ("vi", "en")
    if "languages" in raw:
        checked = _languages(raw["languages"], ctx.child("languages", raw.value_line("languages")))
        if checked is s.INVALID:
            return None
        languages = checked
    ctx = s.Ctx(diagnostics, ctx.where, "", languages)
    values = s.Record(CONFIG_FIELDS, what="site configuration")(raw, ctx)
    if values is s.INVALID:
        return None
    international = values.get("international_language", "en" if "en" in languages else "")
    if international and international not in languages:
        ctx.child("international_language", raw.value_line("international_language")).error(
            f"'{international}' is not one of the site's languages",
            f"the site's languages are: {', '.join(languages)}",
        )
        return None
    values["international_language"] = international or languages[0]
    config = SiteConfig(root=path.parent.resolve(), **{**values, "build_date": dt.date.today()})
    if "build_date" in values:
        config = replace(config, build_date=values["build_date"])
    if build_date is not None:
        config = replace(config, build_date=build_date)
    if base_url is not None:
        checked = _base_url(base_url, s.Ctx(diagnostics, where, "--base-url", languages))
        if checked is s.INVALID:
            return None
        config = replace(config, base_url=checked)
    return config
