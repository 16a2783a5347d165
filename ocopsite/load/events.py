"""Fairs, OCOP weeks and exhibitions: the ``event`` record kind, as written and checked.

An event lives in ``content/events/<yyyy-mm-dd-slug>/event.yaml`` (the date is
its first day) with ``vi.md``, ``en.md`` and photos beside it. It names the
products and producers taking part; their pages list it. Each event has a page
with schema.org ``Event`` JSON-LD and an iCalendar file, and each language a
calendar feed of every event (RFC 5545, written with the ``icalendar`` library).
Upcoming and past are decided at the build date, like every other status. Their pages
and calendars are made by :mod:`ocopsite.render.events`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocopsite.diagnostics import Diagnostics
from ocopsite.load import checks as c
from ocopsite.load import schema as s
from ocopsite.load.records import PHOTOS, province
from ocopsite.model import Body, Coordinates, Photo, Product, Text

FOLDER_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
#: Slugs that would collide with the pages of the list of events.
RESERVED_SLUGS = frozenset({"past"})
#: The iCalendar product identifier of every calendar the site writes.


@dataclass(frozen=True)
class Venue:
    name: Text
    province: str
    address: Text | None = None
    coordinates: Coordinates | None = None


@dataclass(frozen=True)
class Event:
    slug: str
    bundle: Path
    title: Text
    starts: dt.date
    ends: dt.date
    venue: Venue
    body: Body
    organiser: Text | None = None
    summary: Text | None = None
    url: str | None = None
    products: tuple[str, ...] = ()
    producers: tuple[str, ...] = ()
    photos: tuple[Photo, ...] = ()
    #: Invented dates or places, marked on the page as a demonstration.
    demo: bool = False

    def involves(self, product: Product) -> bool:
        """True when ``product`` or its producer takes part."""
        return product.slug in self.products or product.producer in self.producers


VENUE = s.Record(
    {
        "name": s.Field(c.words, required=True),
        "province": s.Field(province, required=True),
        "address": s.Field(c.words),
        "coordinates": s.Field(c.coordinates),
    },
    build=Venue,
    what="venue",
)


#: The fields of ``event.yaml`` (every one documented in docs/content.md).
EVENT_FIELDS: dict[str, s.Field[Any]] = {
    "title": s.Field(c.words, required=True),
    "summary": s.Field(c.words),
    "starts": s.Field(c.date, required=True, hint="the first day, as in the folder's name"),
    "ends": s.Field(c.date),
    "venue": s.Field(VENUE, required=True),
    "organiser": s.Field(c.words),
    "url": s.Field(c.url),
    "products": s.Field(s.list_of(c.slug, unique=lambda p: p, what="product"), default=()),
    "producers": s.Field(s.list_of(c.slug, unique=lambda p: p, what="producer"), default=()),
    "photos": s.Field(PHOTOS, default=()),
    "demo": s.Field(c.boolean, default=False),
}


def check_events(
    loaded: Iterable[tuple[Path, Any]],
    products: set[str],
    producers: set[str],
    diagnostics: Diagnostics,
) -> list[Event]:
    """Checks across records (folder name, slugs, participants); the valid events.

    ``loaded`` holds each bundle with its loaded record (``.record``, ``.raw``,
    ``.yaml_path``), as :func:`ocopsite.load.kinds.load_kind` returns them.
    """
    events: list[Event] = []
    seen: dict[str, Path] = {}
    for bundle, item in loaded:
        match = FOLDER_RE.match(bundle.name)
        if not match:
            diagnostics.error(
                diagnostics.where(bundle),
                f"event folder '{bundle.name}' is not named YYYY-MM-DD-slug",
                "for example 2026-12-10-hoi-cho-ocop-thai-nguyen (the first day)",
            )
            continue
        record = item.record
        if match.group(1) != record["starts"].isoformat():
            diagnostics.error(
                diagnostics.where(item.yaml_path, item.raw.value_line("starts")),
                f"starts: {record['starts'].isoformat()} does not match the folder's date "
                f"{match.group(1)}",
                "rename the folder or correct the date",
            )
            continue
        record.setdefault("ends", record["starts"])
        if record["ends"] < record["starts"]:
            diagnostics.error(
                diagnostics.where(item.yaml_path, item.raw.value_line("ends")),
                f"ends: {record['ends'].isoformat()} is before starts "
                f"{record['starts'].isoformat()}",
                "an event ends on or after the day it starts; check for a typo in the year",
            )
            continue
        slug = match.group(2)
        if slug in RESERVED_SLUGS or slug in seen:
            also = f" (also {diagnostics.where(seen[slug]).path})" if slug in seen else ""
            diagnostics.error(
                diagnostics.where(bundle),
                f"event slug '{slug}' cannot be used{also}",
                "event pages live at /events/<slug>/, beside /events/past/; rename the folder",
            )
            continue
        seen[slug] = bundle
        ok = True
        for key, known, folder in (
            ("products", products, "products"),
            ("producers", producers, "producers"),
        ):
            for index, name in enumerate(record[key]):
                if name in known:
                    continue
                lines = item.raw.get(key)
                line = lines.item_line(index) if hasattr(lines, "item_line") else item.raw.line
                diagnostics.error(
                    diagnostics.where(item.yaml_path, line),
                    f"{key}[{index}]: no {key[:-1]} '{name}'{s.did_you_mean(name, known)}",
                    f"name a folder in content/{folder}/",
                )
                ok = False
        if ok:
            events.append(Event(**{**record, "slug": slug}))
    return sorted(events, key=lambda e: (e.starts, e.slug))
