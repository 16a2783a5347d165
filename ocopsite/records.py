"""Schemas of the three record kinds (product, producer, news) and their parts.

Each schema turns one YAML mapping into a model object, reporting every problem
with its line. Checks that need other records (does the producer exist? is a
GTIN used twice?) live in :mod:`ocopsite.catalogue`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
from collections.abc import Mapping
from typing import Any

from . import gtin as gtins
from . import schema as s
from .config import CONTACT, Retailer
from .model import (
    CATEGORIES,
    CERTIFICATION_SCHEMES,
    GRANTING_LEVELS,
    PRODUCER_KINDS,
    RATING_STATUSES,
    RATING_VALIDITY_MONTHS,
    STAR_LEVELS,
    Certification,
    LabTest,
    Lot,
    Photo,
    Rating,
    Recall,
    RetailListing,
    TraceEvent,
)
from .provinces import provinces, successor_of_former
from .source import LineDict, LineList
from .vietnamese import quantity_in_english, unit_in_english

#: The day the two-level local government began and districts stopped granting ratings.
TWO_LEVEL_GOVERNMENT = dt.date(2025, 7, 1)
#: Lot codes become URI path segments (GS1 AI 10 allows at most 20 characters).
LOT_CODE_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,19}$")


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _line_of(raw: LineDict, key: str) -> int:
    return raw.value_line(key) if key in raw else raw.line


def _not_before(
    values: dict[str, Any], raw: LineDict, ctx: s.Ctx, later: str, earlier: str
) -> bool:
    """Report ``later`` dated before ``earlier``; True when they are in order or absent."""
    if later in values and earlier in values and values[later] < values[earlier]:
        ctx.child(later, _line_of(raw, later)).error(
            f"{values[later].isoformat()} is before {earlier} {values[earlier].isoformat()}",
            f"{later} must not come before {earlier}; check for a typo in the year",
        )
        return False
    return True


# --- rating ----------------------------------------------------------------------


def stars(value: Any, ctx: s.Ctx) -> Any:
    level = s.integer()(value, ctx)
    if level is s.INVALID:
        return s.INVALID
    if level not in STAR_LEVELS:
        return ctx.error(
            f"{level} stars is not a recognised OCOP rating",
            "only 3, 4 and 5 stars are recognised (Decision 148/QĐ-TTg); 5 stars is national",
        )
    return level


s.shaped(stars, {"type": "integer", "enum": list(STAR_LEVELS)})


def _finish_rating(values: dict[str, Any], raw: LineDict, ctx: s.Ctx) -> Any:
    ok = True
    values.setdefault("expires", add_months(values["issued"], RATING_VALIDITY_MONTHS))
    ok &= _not_before(values, raw, ctx, "expires", "issued")
    if values["granted_by"] == "district" and values["issued"] >= TWO_LEVEL_GOVERNMENT:
        ctx.child("granted_by", _line_of(raw, "granted_by")).error(
            "districts no longer grant ratings after 1 July 2025",
            "since Decision 1489/QĐ-TTg the province grants 3 and 4 stars, the nation 5",
        )
        ok = False
    if values["stars"] == 5 and values["granted_by"] != "national":
        ctx.child("granted_by", _line_of(raw, "granted_by")).error(
            f"a 5-star rating is granted nationally, not by the {values['granted_by']}",
            "write granted_by: national, or check the star level",
        )
        ok = False
    return values if ok else s.INVALID


RATING = s.Record(
    {
        "stars": s.Field(stars, required=True),
        "granted_by": s.Field(s.choice(GRANTING_LEVELS, "granting level"), required=True),
        "decision": s.Field(s.string, required=True, hint="the number of the rating decision"),
        "issued": s.Field(s.date, required=True),
        "expires": s.Field(s.date),
        "status": s.Field(s.choice(RATING_STATUSES, "rating status"), default="active"),
        "status_note": s.Field(s.words),
    },
    build=Rating,
    finish=_finish_rating,
    what="OCOP rating",
)


# --- certifications --------------------------------------------------------------


def _finish_certification(values: dict[str, Any], raw: LineDict, ctx: s.Ctx) -> Any:
    if values["scheme"] == "other" and "label" not in values:
        return ctx.error("a certification with scheme 'other' needs a label")
    return values if _not_before(values, raw, ctx, "expires", "issued") else s.INVALID


CERTIFICATION = s.Record(
    {
        "scheme": s.Field(s.choice(CERTIFICATION_SCHEMES, "certification scheme"), required=True),
        "label": s.Field(s.words),
        "number": s.Field(s.string, required=True),
        "issuer": s.Field(s.words, required=True),
        "issued": s.Field(s.date, required=True),
        "expires": s.Field(s.date),
        "url": s.Field(s.url),
        "status": s.Field(s.choice(RATING_STATUSES, "certification status"), default="active"),
    },
    build=Certification,
    finish=_finish_certification,
    what="certification",
)
CERTIFICATIONS = s.list_of(CERTIFICATION, unique=lambda c: (c.scheme, c.number), what="certificate")


# --- photos and retail -------------------------------------------------------------

PHOTO_RECORD = s.Record(
    {"file": s.Field(s.bundle_file("image"), required=True), "alt": s.Field(s.words)},
    build=Photo,
    what="photo",
)


def photo(value: Any, ctx: s.Ctx) -> Any:
    """A photo: a bare file name, or ``{file: ..., alt: {...}}``."""
    if isinstance(value, Mapping):
        return PHOTO_RECORD(value, ctx)
    found = s.bundle_file("image")(value, ctx)
    return s.INVALID if found is s.INVALID else Photo(found)


s.shaped(photo, {"anyOf": [{"type": "string"}, PHOTO_RECORD.json_schema()]})


PHOTOS = s.list_of(photo, unique=lambda p: p.file.name, what="photo")


def retail_listing(retailers: Mapping[str, Retailer]) -> s.Check:
    return s.Record(
        {
            "channel": s.Field(
                s.choice(
                    retailers,
                    "retail channel",
                    "channels are the keys of 'retailers' in site_config.yaml: "
                    + ", ".join(retailers),
                ),
                required=True,
            ),
            "url": s.Field(s.url),
            "address": s.Field(s.words),
        },
        build=RetailListing,
        what="retail listing",
    )


# --- lots --------------------------------------------------------------------------


def lot_code(value: Any, ctx: s.Ctx) -> Any:
    code = s.string(value, ctx)
    if code is s.INVALID:
        return s.INVALID
    if not LOT_CODE_RE.match(code):
        return ctx.error(
            f"lot code '{code}' cannot be used in a web address",
            "use at most 20 letters, digits, '-', '_' or '.', not starting with '.'",
        )
    return code


s.shaped(lot_code, {"type": "string", "pattern": LOT_CODE_RE.pattern})


def events(value: Any, ctx: s.Ctx) -> Any:
    """Traceability events, each dated no earlier than the one before it."""
    checked = s.list_of(EVENT)(value, ctx)
    if checked is s.INVALID:
        return s.INVALID
    for index, (before, after) in enumerate(itertools.pairwise(checked), start=1):
        if after.date < before.date:
            line = value.item_line(index) if isinstance(value, LineList) else None
            return ctx.child(index, line).error(
                f"dated {after.date.isoformat()}, before the event above it "
                f"({before.date.isoformat()})",
                "list traceability events from the earliest to the latest",
            )
    return checked


EVENT = s.Record(
    {
        "date": s.Field(s.date, required=True),
        "step": s.Field(s.words, required=True),
        "place": s.Field(s.words),
        "actor": s.Field(s.words),
        "note": s.Field(s.words),
    },
    build=TraceEvent,
    what="traceability event",
)
s.shaped(events, s.json_shape(s.list_of(EVENT)))

LAB_TEST = s.Record(
    {
        "lab": s.Field(s.words, required=True),
        "report": s.Field(s.string, required=True),
        "date": s.Field(s.date, required=True),
        "result": s.Field(s.words, required=True),
        "document": s.Field(s.bundle_file("document")),
    },
    build=LabTest,
    what="lab test",
)

RECALL = s.Record(
    {"date": s.Field(s.date, required=True), "reason": s.Field(s.words, required=True)},
    build=Recall,
    what="recall",
)


def _finish_lot(values: dict[str, Any], raw: LineDict, ctx: s.Ctx) -> Any:
    ok = _not_before(values, raw, ctx, "expires", "produced")
    recall = values.get("recalled")
    if recall is not None and recall.date < values["produced"]:
        ctx.child("recalled", _line_of(raw, "recalled")).error(
            f"recalled on {recall.date.isoformat()}, before the lot was produced"
        )
        ok = False
    return values if ok else s.INVALID


LOT = s.Record(
    {
        "code": s.Field(lot_code, required=True),
        "produced": s.Field(s.date, required=True),
        "expires": s.Field(s.date, required=True),
        "quantity": s.Field(s.measure(quantity_in_english)),
        "area": s.Field(s.words),
        "coordinates": s.Field(s.coordinates),
        "recalled": s.Field(RECALL),
        "events": s.Field(events, default=()),
        "lab_tests": s.Field(s.list_of(LAB_TEST), default=()),
    },
    build=Lot,
    finish=_finish_lot,
    what="lot",
)


# --- products ------------------------------------------------------------------------


def gtin(value: Any, ctx: s.Ctx) -> Any:
    """A GTIN-8/12/13/14 with a correct check digit, returned as GTIN-14."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    code = s.string(value, ctx)
    if code is s.INVALID:
        return s.INVALID
    code = code.replace(" ", "")
    problem = gtins.problem(code)
    if problem:
        return ctx.error(problem, "copy the number under the barcode; sample data uses prefix 952")
    return gtins.to_gtin14(code)


s.shaped(gtin, {"type": ["string", "integer"], "pattern": r"^[0-9 ]{8,18}$"})


def tags(value: Any, ctx: s.Ctx) -> Any:
    return s.list_of(s.string, unique=lambda t: t.lower(), what="tag")(value, ctx)


s.shaped(tags, {"type": "array", "items": {"type": ["string", "number"]}})


def product_fields(retailers: Mapping[str, Retailer]) -> dict[str, s.Field[Any]]:
    return {
        "name": s.Field(s.words, required=True),
        "summary": s.Field(s.words),
        "producer": s.Field(s.slug, required=True, hint="the folder name of a producer"),
        "category": s.Field(
            s.choice(
                CATEGORIES, "category", "one of the six OCOP groups: " + ", ".join(CATEGORIES)
            ),
            required=True,
        ),
        "gtin": s.Field(gtin),
        "ocop": s.Field(RATING, required=True, hint="every product needs its OCOP rating"),
        "certifications": s.Field(CERTIFICATIONS, default=()),
        "retail": s.Field(
            s.list_of(
                retail_listing(retailers), unique=lambda r: (r.channel, r.url), what="listing"
            ),
            default=(),
        ),
        "price": s.Field(s.integer(0)),
        "unit": s.Field(s.measure(unit_in_english)),
        "net_content": s.Field(s.string),
        "shelf_life": s.Field(s.words),
        "photos": s.Field(PHOTOS, default=()),
        "tags": s.Field(tags, default=()),
        "lots": s.Field(s.list_of(LOT, unique=lambda lot: lot.code, what="lot code"), default=()),
    }


# --- producers -----------------------------------------------------------------------


def province(value: Any, ctx: s.Ctx) -> Any:
    """A province slug of the 34 since 1 July 2025; a former province says where it went."""
    if isinstance(value, str) and value in successor_of_former():
        now = successor_of_former()[value]
        return ctx.error(
            f"'{value}' is a former province; since 1 July 2025 it is part of {now.vi}",
            f"write province: {now.slug}, and keep the old address in former_address",
        )
    return s.choice(
        provinces(), "province", "provinces are listed in ocopsite/data/provinces.yaml"
    )(value, ctx)


s.shaped(province, {"enum": sorted(provinces())})


PRODUCER_FIELDS: dict[str, s.Field[Any]] = {
    "name": s.Field(s.words, required=True),
    "kind": s.Field(s.choice(PRODUCER_KINDS, "producer kind"), required=True),
    "province": s.Field(province, required=True),
    "commune": s.Field(s.string, required=True, hint="the commune (xã/phường) since July 2025"),
    "address": s.Field(s.words),
    "former_address": s.Field(s.string),
    "coordinates": s.Field(s.coordinates),
    "contact": s.Field(CONTACT),
    "certifications": s.Field(CERTIFICATIONS, default=()),
    "photos": s.Field(PHOTOS, default=()),
}


# --- news ------------------------------------------------------------------------------

NEWS_FIELDS: dict[str, s.Field[Any]] = {
    "date": s.Field(s.date, required=True),
    "title": s.Field(s.words, required=True),
    "summary": s.Field(s.words),
    "cover": s.Field(photo),
    "products": s.Field(s.list_of(s.slug, unique=lambda p: p, what="product"), default=()),
}
