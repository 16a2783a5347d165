"""Fairs and events: their pages, their places on participants' pages, JSON-LD and iCalendar."""

from __future__ import annotations

import datetime as dt
import json
import re

import icalendar
from conftest import BuiltSite


def _jsonld(html: str) -> list[dict[str, object]]:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(text) for text in found]


def test_upcoming_and_past_lists(bilingual_site: BuiltSite) -> None:
    upcoming = bilingual_site.page("en/events/")
    past = bilingual_site.page("en/events/past/")
    assert "Winter OCOP fair" in upcoming and "New Year OCOP week" not in upcoming
    assert "New Year OCOP week" in past and "Winter OCOP fair" not in past
    assert 'href="/ocop/en/events/calendar.ics"' in upcoming
    assert "Hội chợ OCOP mùa đông" in bilingual_site.page("events/")


def test_event_page_with_venue_map_participants_and_json_ld(bilingual_site: BuiltSite) -> None:
    html = bilingual_site.page("en/events/hoi-cho-dong/")
    assert "<h1>Winter OCOP fair</h1>" in html
    assert "the dates and place of this event are invented" in html  # demo: true
    assert "https://www.openstreetmap.org/?mlat=21.5928&amp;mlon=105.8442" in html
    assert 'href="/ocop/en/products/mien-dong/"' in html
    assert 'href="/ocop/en/producers/htx-tai-hoan/"' in html
    assert 'href="/ocop/en/events/hoi-cho-dong/event.ics"' in html
    (event,) = _jsonld(html)
    assert event["@type"] == "Event"
    assert event["startDate"] == "2026-12-10" and event["endDate"] == "2026-12-12"
    assert event["location"]["name"] == "Provincial square"  # type: ignore[index]
    assert event["location"]["geo"]["latitude"] == 21.5928  # type: ignore[index]
    assert event["organizer"]["name"] == "Department of Agriculture"  # type: ignore[index]
    assert event["url"] == "https://example.org/ocop/en/events/hoi-cho-dong/"


def test_participants_pages_list_their_events(bilingual_site: BuiltSite) -> None:
    product = bilingual_site.page("en/products/mien-dong/")
    assert 'href="/ocop/en/events/hoi-cho-dong/"' in product
    # the producer takes part, so its other product is at the fair too
    assert 'href="/ocop/en/events/hoi-cho-dong/"' in bilingual_site.page("en/products/mang-kho/")
    assert 'href="/ocop/events/hoi-cho-dong/"' in bilingual_site.page("producers/htx-tai-hoan/")
    ruoc = bilingual_site.page("en/products/ruoc-hau/")
    assert 'href="/ocop/en/events/tuan-le-tet/"' in ruoc and "(past)" in ruoc
    assert "hoi-cho-dong" not in bilingual_site.page("en/products/dao-canh/")


def test_calendars_parse_back_as_rfc5545(bilingual_site: BuiltSite) -> None:
    feed = icalendar.Calendar.from_ical(
        (bilingual_site.out / "en/events/calendar.ics").read_bytes()
    )
    assert str(feed["version"]) == "2.0" and "ocopsite" in str(feed["prodid"])
    events = {str(e["uid"]): e for e in feed.walk("VEVENT")}
    assert set(events) == {
        "2026-02-12-tuan-le-tet@example.org",
        "2026-12-10-hoi-cho-dong@example.org",
    }
    fair = events["2026-12-10-hoi-cho-dong@example.org"]
    assert str(fair["summary"]) == "Winter OCOP fair"
    assert fair.decoded("dtstart") == dt.date(2026, 12, 10)
    assert fair.decoded("dtend") == dt.date(2026, 12, 13)  # exclusive: the fair ends on the 12th
    assert "Provincial square" in str(fair["location"])
    assert str(fair["url"]) == "https://example.org/ocop/en/events/hoi-cho-dong/"
    vi = icalendar.Calendar.from_ical(
        (bilingual_site.out / "events/hoi-cho-dong/event.ics").read_bytes()
    )
    (one,) = vi.walk("VEVENT")
    assert str(one["summary"]) == "Hội chợ OCOP mùa đông"


def test_every_page_has_a_share_image_and_lot_pages_a_description(
    bilingual_site: BuiltSite,
) -> None:
    for path in bilingual_site.out.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in html or 'name="robots" content="noindex"' in html:
            continue
        assert '<meta property="og:image" content="https://example.org/ocop/' in html, path
    lot = bilingual_site.page("en/01/09520000001018/10/TH2510A/")
    description = re.search(r'<meta name="description" content="([^"]*)"', lot)
    assert description is not None
    assert description.group(1).startswith(
        "Tai Hoan arrowroot vermicelli · Lot TH2510A · Produced 15 Oct 2025 · where it"
    )
    assert '<meta property="og:image" content="https://example.org/ocop/media/' in lot


def test_product_page_leads_with_photo_price_and_shops_and_suggests_related(
    bilingual_site: BuiltSite,
) -> None:
    html = bilingual_site.page("en/products/mien-dong/")
    article = html.split('<article class="product">', 1)[1]
    order = [
        article.index("<picture>"),
        article.index("<h1>"),
        article.index('class="stars"'),
        article.index('class="verdict'),
        article.index('class="price"'),
        article.index('class="wtb"'),
        article.index('id="rating-h"'),
        article.index('id="cert-h"'),
    ]
    assert order == sorted(order)
    related = article.split('id="rel-h"', 1)[1].split("</section>", 1)[0]
    assert 'href="/ocop/en/products/mang-kho/"' in related  # same producer
    assert "mien-dong" not in related
