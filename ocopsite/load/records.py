"""Schemas of the three record kinds (product, producer, news) and their parts.

A product's rating and lots have their own modules (:mod:`ocopsite.load.ratings`,
:mod:`ocopsite.load.lots`); the checks of single values are in :mod:`ocopsite.load.checks`.

Each schema turns one YAML mapping into a model object, reporting every problem
with its line. Checks that need other records (does the producer exist? is a
GTIN used twice?) live in :mod:`ocopsite.load.catalogue`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ocopsite.load import checks as c
from ocopsite.load import schema as s
from ocopsite.load.config import CONTACT, Retailer
from ocopsite.load.lots import lots
from ocopsite.load.ratings import rating_history
from ocopsite.load.source import LineDict
from ocopsite.model import (
    CATEGORIES,
    CERTIFICATION_SCHEMES,
    PRODUCER_KINDS,
    RATING_STATUSES,
    Certification,
    Photo,
    RetailListing,
)
from ocopsite.model import gtin as gtins
from ocopsite.model.provinces import former_provinces, provinces, successor_of_former
from ocopsite.model.vietnamese import unit_in_english

# --- certifications --------------------------------------------------------------


def _finish_certification(values: dict[str, Any], raw: LineDict, ctx: s.Ctx) -> Any:
    if values["scheme"] == "other" and "label" not in values:
        return ctx.error("a certification with scheme 'other' needs a label")
    return values if s.not_before(values, raw, ctx, "expires", "issued") else s.INVALID


CERTIFICATION = s.Record(
    {
        "scheme": s.Field(c.choice(CERTIFICATION_SCHEMES, "certification scheme"), required=True),
        "label": s.Field(c.words),
        "number": s.Field(c.string, required=True),
        "issuer": s.Field(c.words, required=True),
        "issued": s.Field(c.date, required=True),
        "expires": s.Field(c.date),
        "url": s.Field(c.url),
        "status": s.Field(c.choice(RATING_STATUSES, "certification status"), default="active"),
    },
    build=Certification,
    finish=_finish_certification,
    what="certification",
)
CERTIFICATIONS = s.list_of(CERTIFICATION, unique=lambda c: (c.scheme, c.number), what="certificate")


# --- photos and retail -------------------------------------------------------------

PHOTO_RECORD = s.Record(
    {"file": s.Field(c.bundle_file("image"), required=True), "alt": s.Field(c.words)},
    build=Photo,
    what="photo",
)


def photo(value: Any, ctx: s.Ctx) -> Any:
    """A photo: a bare file name, or ``{file: ..., alt: {...}}``."""
    if isinstance(value, Mapping):
        return PHOTO_RECORD(value, ctx)
    found = c.bundle_file("image")(value, ctx)
    return s.INVALID if found is s.INVALID else Photo(found)


s.shaped(photo, {"anyOf": [{"type": "string"}, PHOTO_RECORD.json_schema()]})


PHOTOS = s.list_of(photo, unique=lambda p: p.file.name, what="photo")


def retail_listing(retailers: Mapping[str, Retailer]) -> s.Check:
    return s.Record(
        {
            "channel": s.Field(
                c.choice(
                    retailers,
                    "retail channel",
                    "channels are the keys of 'retailers' in site_config.yaml: "
                    + ", ".join(retailers),
                ),
                required=True,
            ),
            "url": s.Field(c.url),
            "address": s.Field(c.words),
        },
        build=RetailListing,
        what="retail listing",
    )


# --- products ------------------------------------------------------------------------


def gtin(value: Any, ctx: s.Ctx) -> Any:
    """A GTIN-8/12/13/14 with a correct check digit, returned as GTIN-14."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    code = c.string(value, ctx)
    if code is s.INVALID:
        return s.INVALID
    code = code.replace(" ", "")
    problem = gtins.problem(code)
    if problem:
        return ctx.error(problem, "copy the number under the barcode; sample data uses prefix 952")
    return gtins.to_gtin14(code)


s.shaped(gtin, {"type": ["string", "integer"], "pattern": r"^[0-9 ]{8,18}$"})


def tags(value: Any, ctx: s.Ctx) -> Any:
    return _TAGS(value, ctx)


_TAGS = s.list_of(c.string, unique=lambda t: t.lower(), what="tag")
s.shaped(tags, {"type": "array", "items": {"type": ["string", "number"]}})


def product_fields(retailers: Mapping[str, Retailer]) -> dict[str, s.Field[Any]]:
    return {
        "name": s.Field(c.words, required=True),
        "summary": s.Field(c.words),
        "producer": s.Field(c.slug, required=True, hint="the folder name of a producer"),
        "category": s.Field(
            c.choice(
                CATEGORIES, "category", "one of the six OCOP groups: " + ", ".join(CATEGORIES)
            ),
            required=True,
        ),
        "gtin": s.Field(gtin),
        "ocop": s.Field(rating_history, required=True, hint="every product needs its OCOP rating"),
        "certifications": s.Field(CERTIFICATIONS, default=()),
        "retail": s.Field(
            s.list_of(
                retail_listing(retailers), unique=lambda r: (r.channel, r.url), what="listing"
            ),
            default=(),
        ),
        "price": s.Field(c.integer(0)),
        "unit": s.Field(c.measure(unit_in_english)),
        "net_content": s.Field(c.string),
        "shelf_life": s.Field(c.words),
        "photos": s.Field(PHOTOS, default=()),
        "tags": s.Field(tags, default=()),
        "lots": s.Field(lots, default=()),
    }


# --- producers -----------------------------------------------------------------------


def province(value: Any, ctx: s.Ctx) -> Any:
    """A province slug of the 34 since 1 July 2025; a former province says where it went."""
    if isinstance(value, str) and value in successor_of_former():
        now, until = successor_of_former()[value], former_provinces()[value].until
        return ctx.error(
            f"'{value}' is a former province; since {until.day} {until:%B %Y}"
            f" it is part of {now.vi}",
            f"write province: {now.slug}, and keep the old address in former_address",
        )
    return c.choice(
        provinces(), "province", "provinces are listed in ocopsite/data/provinces.yaml"
    )(value, ctx)


s.shaped(province, {"enum": sorted(provinces())})


PRODUCER_FIELDS: dict[str, s.Field[Any]] = {
    "name": s.Field(c.words, required=True),
    "kind": s.Field(c.choice(PRODUCER_KINDS, "producer kind"), required=True),
    "province": s.Field(province, required=True),
    "commune": s.Field(c.string, required=True, hint="the commune (xã/phường) since July 2025"),
    "address": s.Field(c.words),
    "former_address": s.Field(c.string),
    "coordinates": s.Field(c.coordinates),
    "contact": s.Field(CONTACT),
    "certifications": s.Field(CERTIFICATIONS, default=()),
    "photos": s.Field(PHOTOS, default=()),
}


# --- news ------------------------------------------------------------------------------

NEWS_FIELDS: dict[str, s.Field[Any]] = {
    "date": s.Field(c.date, required=True),
    "title": s.Field(c.words, required=True),
    "summary": s.Field(c.words),
    "cover": s.Field(photo),
    "products": s.Field(s.list_of(c.slug, unique=lambda p: p, what="product"), default=()),
}
