"""The pages and calendars of events: a page per event with schema.org ``Event``
JSON-LD and an iCalendar file, and each language a calendar feed of every event
(RFC 5545, written with the ``icalendar`` library). The records are :mod:`ocopsite.load.events`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ocopsite.load.events import Event
from ocopsite.model import Coordinates, Product
from ocopsite.view.jsonld import script_json
from ocopsite.view.pages import PageSpec, showing
from ocopsite.view.urls import Route

if TYPE_CHECKING:
    import icalendar

    from ocopsite.load.catalogue import Catalogue
    from ocopsite.view.urls import Urls
    from ocopsite.view.views import Views
    from ocopsite.view.viewtypes import Localized

PRODID = "-//ocopsite//OCOP catalogue//EN"


@dataclass(frozen=True)
class EventLink:
    """An event in a list: on the events pages and on its participants' pages."""

    url: str
    title: Localized
    when: str
    venue: str
    past: bool


def is_past(event: Event, v: Views) -> bool:
    return event.ends < v.as_of


def when(event: Event, v: Views) -> str:
    """``12/10/2026 – 16/10/2026``, or one date for a one-day event."""
    first = v.date(event.starts).text
    return first if event.ends == event.starts else f"{first} – {v.date(event.ends).text}"


def link(event: Event, v: Views) -> EventLink:
    return EventLink(
        url=v.href(Route("event", event.slug)),
        title=v.text(event.title),
        when=when(event, v),
        venue=f"{v.text(event.venue.name).text}, {v.province_name(event.venue.province)}",
        past=is_past(event, v),
    )


def events_of(catalogue: Catalogue, product: Product) -> list[Event]:
    """The events ``product`` takes part in (itself or through its producer), by date."""
    return [e for e in catalogue.events if e.involves(product)]


def links_for_product(v: Views, product: Product) -> list[EventLink]:
    """The product's events for its page: upcoming first (soonest first), then past."""
    found = events_of(v.catalogue, product)
    upcoming = [e for e in found if not is_past(e, v)]
    past = [e for e in reversed(found) if is_past(e, v)]
    return [link(e, v) for e in (*upcoming, *past)]


def links_for_producer(v: Views, producer: str) -> list[EventLink]:
    products = v.catalogue.products_of(producer)
    found = [
        e
        for e in v.catalogue.events
        if producer in e.producers or any(p.slug in e.products for p in products)
    ]
    upcoming = [e for e in found if not is_past(e, v)]
    past = [e for e in reversed(found) if is_past(e, v)]
    return [link(e, v) for e in (*upcoming, *past)]


def map_url(coordinates: Coordinates | None) -> str | None:
    if coordinates is None:
        return None
    lat, lon = coordinates.lat, coordinates.lon
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=15/{lat}/{lon}"


def jsonld(event: Event, v: Views) -> Any:
    """The schema.org ``Event`` of ``event`` in the language of ``v``."""
    venue = event.venue
    address: dict[str, Any] = {
        "@type": "PostalAddress",
        "addressRegion": v.province_name(venue.province),
        "addressCountry": "VN",
    }
    if venue.address:
        address["streetAddress"] = v.text(venue.address).text
    place: dict[str, Any] = {"@type": "Place", "name": v.text(venue.name).text, "address": address}
    if venue.coordinates:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": venue.coordinates.lat,
            "longitude": venue.coordinates.lon,
        }
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": v.text(event.title).text,
        "startDate": event.starts.isoformat(),
        "endDate": event.ends.isoformat(),
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": place,
        "url": v.urls.absolute(Route("event", event.slug), v.lang),
    }
    if event.summary:
        data["description"] = v.text(event.summary).text
    if event.organiser:
        data["organizer"] = {"@type": "Organization", "name": v.text(event.organiser).text}
    if event.photos:
        data["image"] = [
            v.urls.absolute_from_href(v.picture(p, v.text(event.title), "").src)
            for p in event.photos
        ]
    return script_json(data)


# --- iCalendar --------------------------------------------------------------------


def _vevent(event: Event, v: Views, urls: Urls) -> icalendar.Event:
    import icalendar  # here: only calendar files need it, and a partial build makes none

    item = icalendar.Event()
    host = urls.base_url.split("//", 1)[-1].split("/", 1)[0]
    item.add("uid", f"{event.starts.isoformat()}-{event.slug}@{host}")
    # the build date, not the clock: the same input gives the same bytes
    item.add("dtstamp", dt.datetime.combine(v.as_of, dt.time(0, 0), tzinfo=dt.UTC))
    item.add("dtstart", event.starts)
    item.add("dtend", event.ends + dt.timedelta(days=1))  # DTEND of a date is exclusive
    item.add("summary", v.text(event.title).text)
    venue = event.venue
    place = [v.text(venue.name).text]
    if venue.address:
        place.append(v.text(venue.address).text)
    place.append(v.province_name(venue.province))
    item.add("location", ", ".join(place))
    if venue.coordinates:
        item.add("geo", (venue.coordinates.lat, venue.coordinates.lon))
    if event.summary:
        item.add("description", v.text(event.summary).text)
    item.add("url", urls.absolute(Route("event", event.slug), v.lang))
    return item


def calendar(events: Iterable[Event], v: Views, name: str) -> bytes:
    """An iCalendar file of ``events`` in the language of ``v``."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(_vevent(event, v, v.urls))
    return bytes(cal.to_ical())


def calendar_files(catalogue: Catalogue, views: Iterable[Views]) -> dict[str, bytes]:
    """Every calendar file: one per event and one feed of every event, per language."""
    files: dict[str, bytes] = {}
    for v in views:
        urls = v.urls
        title = f"{v.text(catalogue.config.title).text} · {v.t('events.title')}"
        files[urls.output_path(Route("calendar"), v.lang)] = calendar(catalogue.events, v, title)
        for event in catalogue.events:
            route = Route("event_ics", event.slug)
            files[urls.output_path(route, v.lang)] = calendar([event], v, v.text(event.title).text)
    return files


# --- pages --------------------------------------------------------------------------


def _list_data(catalogue: Catalogue, past: bool) -> Any:
    def data(v: Views) -> dict[str, Any]:
        chosen = [e for e in catalogue.events if is_past(e, v) == past]
        if past:
            chosen.reverse()  # the most recent first
        return {
            "events": [link(e, v) for e in chosen],
            "past": past,
            "other_url": v.href(Route("events" if past else "past_events")),
            "calendar_url": v.href(Route("calendar")),
        }

    return data


def _event_data(catalogue: Catalogue, event: Event) -> Any:
    def data(v: Views) -> dict[str, Any]:
        title = v.text(event.title)
        venue = event.venue
        return {
            "event": link(event, v),
            "summary": v.maybe_text(event.summary),
            "starts": v.date(event.starts),
            "ends": v.date(event.ends),
            "venue": {
                "name": v.text(venue.name),
                "address": v.maybe_text(venue.address),
                "province": v.province_name(venue.province),
                "map_url": map_url(venue.coordinates),
            },
            "organiser": v.maybe_text(event.organiser),
            "url": event.url,
            "demo": event.demo,
            "body": v.body(event.body),
            "pictures": [
                v.picture(p, title, "(min-width: 48rem) 44rem, 100vw") for p in event.photos
            ],
            "cards": [v.card_of(catalogue.product_by_slug[slug]) for slug in event.products],
            "producers": [v.producer_card(catalogue.producers[slug]) for slug in event.producers],
            "ics_url": v.href(Route("event_ics", event.slug)),
            "calendar_url": v.href(Route("calendar")),
            "events_url": v.href(Route("events")),
            "jsonld": jsonld(event, v),
        }

    return data


def event_pages(catalogue: Catalogue) -> list[PageSpec]:
    """The list of upcoming events, the list of past ones, and a page per event."""
    specs = [
        PageSpec(
            Route("events"),
            "events.html",
            _list_data(catalogue, past=False),
            lambda v: v.t("events.title"),
            description=lambda v: v.t("events.intro"),
            depends=showing(*catalogue.events),
        ),
        PageSpec(
            Route("past_events"),
            "events.html",
            _list_data(catalogue, past=True),
            lambda v: v.t("events.past_title"),
            depends=showing(*catalogue.events),
        ),
    ]
    specs.extend(_event_page(catalogue, event) for event in catalogue.events)
    return specs


def _event_page(catalogue: Catalogue, event: Event) -> PageSpec:
    def title(v: Views) -> str:
        return v.text(event.title).text

    def description(v: Views) -> str:
        if event.summary:
            return v.text(event.summary).text
        return f"{when(event, v)}, {link(event, v).venue}"

    def image(v: Views) -> str | None:
        return v.picture(event.photos[0], v.text(event.title), "").src if event.photos else None

    return PageSpec(
        Route("event", event.slug),
        "event.html",
        _event_data(catalogue, event),
        title,
        description=description,
        og_type="article",
        image=image,
        depends=showing(
            event,
            *(catalogue.product_by_slug[slug] for slug in event.products),
            *(catalogue.producers[slug] for slug in event.producers),
        ),
    )
