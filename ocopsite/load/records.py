"""Schemas of the three record kinds (product, producer, news) and their parts.

Each schema turns one YAML mapping into a model object, reporting every problem
with its line. Checks that need other records (does the producer exist? is a
GTIN used twice?) live in :mod:`ocopsite.load.catalogue`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from ocopsite.load import schema as s
from ocopsite.load.config import CONTACT, Retailer
from ocopsite.load.source import LineDict, LineList
from ocopsite.model import (
    CATEGORIES,
    CERTIFICATION_SCHEMES,
    GRANT_EVENTS,
    GRANTING_LEVELS,
    PRODUCER_KINDS,
    RATING_EVENTS,
    RATING_STATUSES,
    RATING_VALIDITY_MONTHS,
    STAR_LEVELS,
    Certification,
    LabTest,
    Lot,
    Photo,
    Rating,
    RatingEvent,
    Recall,
    RetailListing,
    TraceEvent,
    ratings,
)
from ocopsite.model import gtin as gtins
from ocopsite.model.provinces import former_provinces, provinces, successor_of_former
from ocopsite.model.vietnamese import quantity_in_english, unit_in_english

#: A lot code is GS1 AI 10: up to 20 characters of GS1's character set 82 (letters,
#: digits and ! " % & ' ( ) * + , - . / : ; < = > ? _). It is percent-encoded in the
#: GS1 Digital Link URI; "/" makes folders on the static host, so no part between
#: slashes may be empty, "." or "..".
LOT_CODE_RE = re.compile(r"""^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$""")


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

_LEVEL_NAMES = {"district": "district", "province": "province", "national": "centre"}


def _check_grant(values: dict[str, Any], raw: LineDict, ctx: s.Ctx, issued: str) -> bool:
    """A grant's expiry (default and limit) and the granting rules of its date."""
    ok = True
    day = values[issued]
    latest = ratings.latest_expiry(day)
    values.setdefault("expires", latest)
    ok &= _not_before(values, raw, ctx, "expires", issued)
    if values["expires"] > latest:
        period = ratings.period_on(day)
        cited = f" (Decision {period.decision})" if period else ""
        ctx.child("expires", _line_of(raw, "expires")).error(
            f"{values['expires'].isoformat()} is more than {RATING_VALIDITY_MONTHS} months "
            f"after {issued} {day.isoformat()}",
            f"an OCOP certificate is valid for {RATING_VALIDITY_MONTHS} months from its date of "
            f"issue{cited}: at most until {latest.isoformat()}; leave expires out to get that",
        )
        ok = False
    problem = ratings.grant_problem(values["stars"], values["granted_by"], day)
    if problem is not None:
        message, hint = problem
        for level, name in _LEVEL_NAMES.items():
            message = message.replace(f"the {level},", f"the {name},").replace(
                f"the {level}", f"the {name}"
            )
        ctx.child("granted_by", _line_of(raw, "granted_by")).error(message, hint)
        ok = False
    return ok


def _finish_rating(values: dict[str, Any], raw: LineDict, ctx: s.Ctx) -> Any:
    """The one-grant form: a grant, and the status it has now if not active."""
    if not _check_grant(values, raw, ctx, "issued"):
        return s.INVALID
    grant = RatingEvent(
        "granted",
        values["issued"],
        values["decision"],
        values["stars"],
        values["granted_by"],
        values["expires"],
        values.get("authority"),
    )
    events = [grant]
    if values["status"] == "active" and "status_note" in values:
        ctx.child("status_note", _line_of(raw, "status_note")).warning(
            "status_note is shown only with status: suspended or revoked",
            "to record a past suspension, write the rating as a history of events "
            "(see docs/content.md)",
        )
    if values["status"] != "active":
        events.append(
            RatingEvent(
                values["status"],
                grant.date,
                authority=values.get("authority"),  # the grant's authority decided it too
                reason=values.get("status_note"),
                dated=False,
            )
        )
    return Rating(tuple(events))


RATING = s.Record(
    {
        "stars": s.Field(stars, required=True),
        "granted_by": s.Field(s.choice(GRANTING_LEVELS, "granting level"), required=True),
        "decision": s.Field(s.string, required=True, hint="the number of the rating decision"),
        "issued": s.Field(s.date, required=True),
        "expires": s.Field(s.date),
        "authority": s.Field(s.string),
        "status": s.Field(s.choice(RATING_STATUSES, "rating status"), default="active"),
        "status_note": s.Field(s.words),
    },
    build=None,
    finish=_finish_rating,
    what="OCOP rating",
)

_GRANT_ONLY = ("stars", "expires")


def _finish_event(values: dict[str, Any], raw: LineDict, ctx: s.Ctx) -> Any:
    kind = values["kind"]
    if kind in GRANT_EVENTS:
        missing = [key for key in ("stars", "granted_by") if key not in values]
        for key in missing:
            ctx.error(
                f"missing required key '{key}' for a '{kind}' event",
                "a grant (granted, rerated, upgraded) states its stars and granted_by",
            )
        if missing or not _check_grant(values, raw, ctx, "date"):
            return s.INVALID
        return values
    extra = [key for key in _GRANT_ONLY if key in values]
    for key in extra:
        ctx.child(key, _line_of(raw, key)).error(
            f"a '{kind}' event has no {key}",
            "only a grant (granted, rerated, upgraded) sets stars and expires",
        )
    return s.INVALID if extra else values


RATING_EVENT = s.Record(
    {
        "event": s.Field(s.choice(RATING_EVENTS, "rating event"), required=True),
        "date": s.Field(s.date, required=True),
        "decision": s.Field(s.string, required=True, hint="the number of the decision"),
        "stars": s.Field(stars),
        "granted_by": s.Field(s.choice(GRANTING_LEVELS, "granting level")),
        "expires": s.Field(s.date),
        "authority": s.Field(s.string),
        "reason": s.Field(s.text),
    },
    build=lambda **values: RatingEvent(**values),
    finish=lambda values, raw, ctx: _finish_event(
        {"kind": values.pop("event"), **values}, raw, ctx
    ),
    what="rating event",
)
_RATING_EVENTS = s.list_of(RATING_EVENT)  # made once: see _EVENTS

#: What each event needs in force before it (the rating's status, or None: no grant yet).
_ALLOWED_AFTER: dict[str, tuple[str | None, ...]] = {
    "granted": (None, "revoked", "active", "suspended"),
    "rerated": ("active", "suspended"),
    "upgraded": ("active",),
    "potential": ("active",),
    "suspended": ("active",),
    "reinstated": ("suspended",),
    "revoked": ("active", "suspended"),
}


def rating_history(value: Any, ctx: s.Ctx) -> Any:
    """``ocop:`` as a mapping (a history of one grant) or as a list of dated events."""
    if not isinstance(value, list):
        return RATING(value, ctx)
    checked = _RATING_EVENTS(value, ctx)
    if checked is s.INVALID:
        return s.INVALID
    if not checked:
        return ctx.error("the rating history is empty", "start it with a 'granted' event")
    status: str | None = None
    stars_now = 0
    for index, event in enumerate(checked):
        where = ctx.child(index, value.item_line(index) if isinstance(value, LineList) else None)
        if index and event.date < checked[index - 1].date:
            return where.error(
                f"dated {event.date.isoformat()}, before the event above it "
                f"({checked[index - 1].date.isoformat()})",
                "list the rating's events from the earliest to the latest",
            )
        if status not in _ALLOWED_AFTER[event.kind]:
            before = "before any grant" if status is None else f"while the rating is {status}"
            return where.error(
                f"a '{event.kind}' event cannot come {before}",
                "a history starts with 'granted'; 'reinstated' follows 'suspended'; "
                "after 'revoked' only a new 'granted' can follow",
            )
        if event.kind == "upgraded" and (event.stars or 0) <= stars_now:
            return where.error(
                f"an upgrade to {event.stars} stars from {stars_now} is not an upgrade",
                "write 'rerated' for a re-rating at the same or a lower level",
            )
        if event.is_grant:
            stars_now = event.stars or 0
            status = "active"
        elif event.kind == "reinstated":
            status = "active"
        elif event.kind in ("suspended", "revoked"):
            status = event.kind
    return Rating(checked)


s.shaped(
    rating_history,
    {"anyOf": [RATING.json_schema(), {"type": "array", "items": RATING_EVENT.json_schema()}]},
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
            f"lot code '{code}' is not a GS1 lot number",
            "use at most 20 letters, digits or ! \" % & ' ( ) * + , - . / : ; < = > ? _ "
            "(GS1 character set 82); no spaces",
        )
    if any(part in ("", ".", "..") for part in code.split("/")):
        return ctx.error(
            f"lot code '{code}' has an empty, '.' or '..' part between slashes",
            "write it as printed on the pack, like L01/2024",
        )
    return code


def lots(value: Any, ctx: s.Ctx) -> Any:
    """A product's lots: codes unique, and none the folder of another ("L01" and "L01/2")."""
    checked = _LOTS(value, ctx)
    if checked is s.INVALID:
        return s.INVALID
    codes = {lot.code for lot in checked}
    for index, lot in enumerate(checked):
        parts = lot.code.split("/")
        for cut in range(1, len(parts)):
            if "/".join(parts[:cut]) in codes:
                line = value.item_line(index) if isinstance(value, LineList) else None
                return ctx.child(index, line).error(
                    f"lot code '{lot.code}' would share a page folder with lot "
                    f"'{'/'.join(parts[:cut])}'",
                    "a lot code may not be another lot's code followed by '/'",
                )
    return checked


s.shaped(lot_code, {"type": "string", "pattern": LOT_CODE_RE.pattern})


def events(value: Any, ctx: s.Ctx) -> Any:
    """Traceability events, each dated no earlier than the one before it."""
    checked = _EVENTS(value, ctx)
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
#: The list checks of :func:`events`, :func:`lots`, :func:`rating_history` and :func:`tags`,
#: made once (making one works out its JSON Schema: that was a tenth of validating a record).
_EVENTS = s.list_of(EVENT)
s.shaped(events, s.json_shape(_EVENTS))

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
_LOTS = s.list_of(LOT, unique=lambda lot: lot.code, what="lot code")
s.shaped(lots, s.json_shape(s.list_of(LOT)))


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
    return _TAGS(value, ctx)


_TAGS = s.list_of(s.string, unique=lambda t: t.lower(), what="tag")
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
        "ocop": s.Field(rating_history, required=True, hint="every product needs its OCOP rating"),
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
