"""The re-rating schedule: OCOP ratings and certificates that expire soon, for officials.

:func:`due` lists what expires within the site's ``expiring_within_days`` of the
build date (or any other number of days, for ``ocopsite report expiring``), and what
expired in as many days before it without being renewed (overdue: what officials most
need to act on), by province and producer, with the decision or certificate to renew. The site
publishes it as a page that search engines are asked not to index, a CSV and an
Atom feed, in each language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ocopsite.load.catalogue import Catalogue
from ocopsite.model import Text
from ocopsite.view.pages import PageSpec
from ocopsite.view.urls import Route, Urls
from ocopsite.view.views import Views

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Due:
    """A rating or certificate that expires within the window, or has expired unrenewed
    (``days_left`` below zero)."""

    province: str  # slug
    producer: str  # slug
    holder_kind: str  # product or producer
    holder: str  # slug
    item: str  # "rating" or a certification scheme
    stars: int  # of a rating; 0 for a certificate
    decision: str  # the rating decision, or the certificate's number
    authority: str  # the granting level, or the certificate's issuer
    expires: dt.date
    days_left: int
    #: The certificate's issuer in every language it is written in (None for a rating).
    issuer: Text | None = None


#: The last :func:`due` worked out, by catalogue, window and day: the page, the CSV and
#: the feeds in every language list the same entries, and a build asks for them once each.
_memo: dict[tuple[int, int, dt.date], tuple[Catalogue, tuple[Due, ...]]] = {}


def due(catalogue: Catalogue, days: int, as_of: dt.date | None = None) -> tuple[Due, ...]:
    """What expires from ``as_of`` (default: the build date) to ``days`` later, inclusive,
    and what expired in the ``days`` before ``as_of`` and has not been renewed (a product's
    rating is its latest; a certificate is renewed by another of the same scheme, or
    "other" one of the same label, on the same holder, that expires later). What lapsed
    longer ago is left out: at national scale it runs to thousands, which product pages
    and search results show as expired.

    Suspended and revoked ratings and certificates are left out: there is
    nothing to renew. Sorted by province, producer, expiry date (what is overdue first)
    and holder. The callers with the same arguments share one tuple.
    """
    today = as_of or catalogue.config.build_date
    key = (id(catalogue), days, today)
    memo = _memo.get(key)
    if memo is not None and memo[0] is catalogue:
        return memo[1]
    found = tuple(_due(catalogue, days, today))
    _memo.clear()  # only the latest: a long-lived process builds many catalogues
    _memo[key] = (catalogue, found)
    return found


def _due(catalogue: Catalogue, days: int, today: dt.date) -> list[Due]:
    first, last = today - dt.timedelta(days=days), today + dt.timedelta(days=days)
    producers = catalogue.producers
    found: list[Due] = []

    def add(producer: str, kind: str, holder: str, item: str, stars: int, thing: Any) -> None:
        province = producers[producer].province
        left = (thing.expires - today).days
        if item == "rating":
            authority, decision, issuer = thing.granted_by, thing.decision, None
        else:
            authority, decision, issuer = thing.issuer.first(), thing.number, thing.issuer
        found.append(
            Due(province, producer, kind, holder, item, stars, decision, authority,
                thing.expires, left, issuer)
        )  # fmt: skip

    def certificates(producer: str, kind: str, holder: str, held: Sequence[Any]) -> None:
        for cert in held:
            if cert.status != "active" or not cert.expires or not first <= cert.expires <= last:
                continue
            # renewed: the holder has a later one of its kind ("other" ones by their label)
            renewed = any(
                other.scheme == cert.scheme
                and (cert.scheme != "other" or other.label == cert.label)
                and other.status == "active"
                and (not other.expires or other.expires > cert.expires)
                for other in held
            )
            if not renewed:
                add(producer, kind, holder, cert.scheme, 0, cert)

    for product in catalogue.products:
        rating = product.ocop
        if rating.status == "active" and rating.expires and first <= rating.expires <= last:
            add(product.producer, "product", product.slug, "rating", rating.stars, rating)
        certificates(product.producer, "product", product.slug, product.certifications)
    for producer in producers.values():
        certificates(producer.slug, "producer", producer.slug, producer.certifications)
    found.sort(key=lambda d: (d.province, d.producer, d.expires, d.holder, d.item))
    return found


def describe(entry: Due, v: Views) -> str:
    """What is due, in the language of ``v``: "OCOP 4 stars" or a certificate's name."""
    if entry.item == "rating":
        return v.t("expiring.rating", n=entry.stars)
    return v.t(f"scheme.{entry.item}")


def _holder(entry: Due, v: Views) -> tuple[str, str]:
    """(name, link) of the product or producer that holds what is due."""
    if entry.holder_kind == "product":
        return v.text(v.catalogue.product_by_slug[entry.holder].name).text, v.href(
            Route("product", entry.holder)
        )
    return v.text(v.catalogue.producers[entry.holder].name).text, v.href(
        Route("producer", entry.holder)
    )


def rows(entries: Iterable[Due], v: Views) -> list[dict[str, Any]]:
    """Each entry as the page, the CSV and the feed show it in the language of ``v``."""
    shown = []
    for entry in entries:
        name, href = _holder(entry, v)
        shown.append({
            "entry": entry, "what": describe(entry, v), "name": name, "href": href,
            "province": v.province_name(entry.province),
            "producer": v.text(v.catalogue.producers[entry.producer].name).text,
            "expires": v.date(entry.expires),
            "authority": (
                v.t(f"granted.{entry.authority}") if entry.issuer is None
                else v.text(entry.issuer).text
            ),
        })  # fmt: skip
    return shown


def page(catalogue: Catalogue) -> PageSpec:
    """The schedule page; kept out of search engines and the sitemap."""
    days = catalogue.config.expiring_within_days

    def data(v: Views) -> dict[str, Any]:
        groups: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for row in rows(due(catalogue, days), v):
            groups.setdefault(row["province"], {}).setdefault(row["producer"], []).append(row)
        return {
            "intro": v.t(
                "expiring.intro", days=days, date=v.date(catalogue.config.build_date).text
            ),
            "groups": groups,
            "csv_url": v.href(Route("expiring_csv")),
            "feed_url_expiring": v.href(Route("expiring_feed")),
        }

    return PageSpec(
        Route("expiring"),
        "expiring.html",
        data,
        lambda v: v.t("expiring.title"),
        in_sitemap=False,
        meta={"noindex": True},
    )


CSV_COLUMNS = (
    *("province", "producer", "holder", "what"),
    *("decision", "authority", "expires", "days_left"),
)


def to_csv(
    entries: Sequence[Due], v: Views | None, shown: list[dict[str, Any]] | None = None
) -> str:
    """The schedule as CSV: localized names with ``v``, machine keys without (for scripts).

    ``shown`` is ``rows(entries, v)`` when the caller has it already."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    headings = ("holder", "what", "decision", "authority", "expires", "days_left")
    writer.writerow(
        CSV_COLUMNS
        if v is None
        else [v.t(f"expiring.{name}") for name in ("province", "producer", *headings)]
    )
    listed: Sequence[dict[str, Any] | None] = [None] * len(entries)
    if v is not None:
        listed = shown if shown is not None else rows(entries, v)
    for entry, row in zip(entries, listed, strict=True):
        writer.writerow([
            row["province"] if row else entry.province,
            row["producer"] if row else entry.producer,
            row["name"] if row else entry.holder,
            row["what"] if row else entry.item + (f"-{entry.stars}" if entry.stars else ""),
            entry.decision, row["authority"] if row else entry.authority,
            entry.expires.isoformat(), entry.days_left,
        ])  # fmt: skip
    return buffer.getvalue()


def atom(
    catalogue: Catalogue, v: Views, urls: Urls, shown: list[dict[str, Any]] | None = None
) -> str:
    """The schedule as an Atom feed in the language of ``v``, one entry per item due.

    ``shown`` is ``rows(due(...), v)`` when the caller has it already."""
    ET.register_namespace("", ATOM)
    lang, config = v.lang, catalogue.config
    page_url = urls.absolute(Route("expiring"), lang)
    updated = f"{config.build_date.isoformat()}T00:00:00Z"
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": lang})
    ET.SubElement(
        feed, f"{{{ATOM}}}title"
    ).text = f"{v.t('expiring.title')} · {v.text(config.title).text}"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = urls.absolute(Route("expiring_feed"), lang)
    self_url = urls.absolute(Route("expiring_feed"), lang)
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"href": page_url})
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = v.text(config.title).text
    if shown is None:
        shown = rows(due(catalogue, config.expiring_within_days), v)
    for row in shown:
        entry: Due = row["entry"]
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        said = "expiring.entry" if entry.days_left >= 0 else "expiring.entry_overdue"
        title = v.t(said, what=row["what"], name=row["name"], date=row["expires"].text)
        ET.SubElement(item, f"{{{ATOM}}}title").text = title
        key = f"{entry.holder_kind}/{entry.holder}/{entry.item}/{entry.decision}/{entry.expires}"
        ET.SubElement(item, f"{{{ATOM}}}id").text = f"{page_url}#{key}"
        ET.SubElement(item, f"{{{ATOM}}}link", {"href": urls.absolute_from_href(row["href"])})
        ET.SubElement(item, f"{{{ATOM}}}updated").text = updated
        ET.SubElement(
            item, f"{{{ATOM}}}summary"
        ).text = f"{row['province']} · {row['producer']} · {entry.decision} ({row['authority']})"
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, "unicode") + "\n"


def files(catalogue: Catalogue, views: Iterable[Views], urls: Urls) -> dict[str, bytes]:
    """The schedule's CSV (UTF-8 with a byte order mark, for Excel) and Atom feed in each
    language, by output path."""
    days = catalogue.config.expiring_within_days
    entries = due(catalogue, days)
    made: dict[str, bytes] = {}
    for v in views:
        shown = rows(entries, v)  # the CSV and the feed list the same, named the same
        # with a byte order mark: the officials who download it open it in Excel, which
        # reads a CSV without one in the system's code page and garbles the Vietnamese
        table = "\ufeff" + to_csv(entries, v, shown)
        made[urls.output_path(Route("expiring_csv"), v.lang)] = table.encode()
        made[urls.output_path(Route("expiring_feed"), v.lang)] = atom(
            catalogue, v, urls, shown
        ).encode()
    return made
