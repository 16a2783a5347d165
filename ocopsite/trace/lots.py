"""Traceability: the pages a label's QR code leads to, and the files that go with them.

A product with a GTIN gets a page at its GS1 Digital Link path ``/01/<GTIN-14>/``
and each of its lots one at ``/01/<GTIN-14>/10/<lot>/``; a product without one
has its lots' pages under its product page (``/products/<slug>/lots/<lot>/``), and its
QR code opens its product page with ``?scan``, which switches that page to the
reader's language as a GTIN page is. Every product and lot has an SVG and a
PNG QR code, a printable A4 label sheet (HTML, and a 300 dpi PNG), and every
GTIN a linkset (RFC 9264) naming its pages with GS1 Web Vocabulary link types:
those files are made by :mod:`ocopsite.trace.files`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from ocopsite.load.catalogue import Catalogue
from ocopsite.model import Lot, Producer, Product, ratings
from ocopsite.trace import labels
from ocopsite.view.pages import PageSpec, showing
from ocopsite.view.urls import SLOT, Route
from ocopsite.view.views import Views
from ocopsite.view.viewtypes import CertificationView, DateView, Localized, fast_init

GS1_VOC = "https://gs1.org/voc/"
#: The JSON of a verdict's data and texts (one encoder each, not one a page).
_DATA_JSON = json.JSONEncoder(separators=(",", ":"))
_TEXTS_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@fast_init
@dataclass(frozen=True)
class Verdict:
    """The one answer at the top of a scanned page: may this product carry its mark today?

    ``key`` names it (see :func:`ocopsite.model.ratings.verdict_key`) and ``state`` is the
    key's first part, which the page's colours follow. ``data`` (the rating's
    history, the lot's recall and best-before dates) and ``texts`` (the sentence of
    every verdict the page can come to from the build date on) let the page's
    script re-check it against the reader's own date.
    """

    key: str
    state: str
    text: str
    data: str
    texts: str

    @property
    def bad(self) -> bool:
        return self.state != "valid"


@fast_init
@dataclass(frozen=True)
class EventView:
    date: DateView
    step: Localized
    place: Localized | None
    actor: Localized | None
    note: Localized | None


@fast_init
@dataclass(frozen=True)
class LabTestView:
    lab: Localized
    report: str
    date: DateView
    result: Localized
    document: str | None  # href


@fast_init
@dataclass(frozen=True)
class LotLink:
    code: str
    url: str
    produced: DateView
    recalled: bool


@dataclass(frozen=True)
class Recall:
    """A recalled lot, as the top of its product's pages warns of it."""

    text: str
    url: str


def product_route(product: Product) -> Route:
    """The page a product's own QR code leads to."""
    return Route("gtin", product.gtin) if product.gtin else Route("product", product.slug)


def lot_route(product: Product, lot: Lot) -> Route:
    if product.gtin:
        return Route("lot", product.gtin, lot.code)
    return Route("slug_lot", product.slug, lot.code)


def label_route(product: Product, lot: Lot | None = None) -> Route:
    if product.gtin:
        return (
            Route("lot_label", product.gtin, lot.code) if lot else Route("gtin_label", product.gtin)
        )
    return (
        Route("slug_lot_label", product.slug, lot.code)
        if lot
        else Route("product_label", product.slug)
    )


@dataclass(frozen=True)
class _Course:
    """What a verdict is worked out from, the same in every language."""

    #: Each verdict key the page can come to from the build date on, with its first day
    #: and the rating's state on that day.
    keys: tuple[tuple[str, dt.date, ratings.RatingState], ...]
    key: str  # the key on the build date
    data: str
    named: dict[int, str | None]  # the authority of each rating event, by id()


#: The course last worked out, with what it was worked out from: the languages of a page
#: are rendered one after the other, and ask for the same course.
_last_course: tuple[Product, Lot | None, Producer, dt.date, _Course] | None = None


def _course(product: Product, lot: Lot | None, producer: Producer, day: dt.date) -> _Course:
    global _last_course
    last = _last_course
    if (
        last is not None
        and last[0] is product
        and last[1] is lot
        and last[2] is producer
        and last[3] == day
    ):
        return last[4]
    rating = product.ocop
    named = dict((id(event), body) for event, body in ratings.authorities(rating, producer))
    recalled = lot.recalled.date if lot and lot.recalled else None
    best_before = lot.expires if lot else None
    first: dict[str, dt.date] = {}
    for when in ratings.verdict_days(rating, day, recalled, best_before):
        first.setdefault(ratings.verdict_key(rating, when, recalled, best_before), when)
    data: dict[str, Any] = {"h": ratings.compact(rating)}
    if recalled:
        data["r"] = recalled.isoformat()
    if best_before:
        data["b"] = best_before.isoformat()
    course = _Course(
        tuple((key, when, ratings.state_on(rating, when)) for key, when in first.items()),
        ratings.verdict_key(rating, day, recalled, best_before),
        _DATA_JSON.encode(data),
        named,
    )
    _last_course = (product, lot, producer, day, course)
    return course


def verdict(v: Views, product: Product, lot: Lot | None = None) -> Verdict:
    """The verdict on the build date for ``product`` (scanned through ``lot``, if given).

    A product's own is made once per language: its page and its GTIN page show it.
    """
    if lot is None:
        return v.recent("verdict", id(product), lambda: _verdict(v, product, None), product)
    return _verdict(v, product, lot)


def _verdict(v: Views, product: Product, lot: Lot | None) -> Verdict:
    producer = v.catalogue.producers[product.producer]
    course = _course(product, lot, producer, v.as_of)
    named = course.named

    def sentence(key: str, state: ratings.RatingState) -> str:
        grant = state.grant
        kind = key.split("@")[0]
        if kind == "recalled":
            assert lot is not None and lot.recalled is not None
            reason = v.text(lot.recalled.reason).text
            said = v.t("verdict.recalled", code=lot.code, date=v.date(lot.recalled.date).text)
            return f"{said} {reason}"
        if kind == "lot_expired":
            assert lot is not None
            return v.t("verdict.lot_expired", code=lot.code, date=v.date(lot.expires).text)
        said = v.t(
            f"verdict.{kind}",
            stars=grant.stars or 0,
            date=v.date(grant.expires or grant.date).text,
            issued=v.date(grant.date).text,
        )
        cause = state.cause
        if cause is None:
            return said
        issuer = v.issuer(named.get(id(cause)))
        parts = [
            cause.decision and v.t("product.decision_no", number=cause.decision),
            v.date(cause.date).text if cause.dated else None,
            issuer.text if issuer else None,
        ]
        detail = ", ".join(p for p in parts if p)
        reason = v.text(cause.reason).text if cause.reason else ""
        if detail:
            said = f"{said.rstrip('.')} ({detail})."
        return f"{said} {reason}" if reason else said

    # a key's sentence is said of the first day it holds on
    texts = {key: sentence(key, state) for key, _, state in course.keys}
    key = course.key
    return Verdict(
        key=key,
        state=key.split("@")[0],
        text=texts[key],
        data=course.data,
        texts=_TEXTS_JSON.encode(texts),
    )


def _qr_links(
    v: Views, route: Route, label: Route, product: Product, lot: Lot | None = None
) -> dict[str, str | None]:
    sheets = v.config.label_sheets
    printable = sheets and label_withheld(product, lot, v.as_of) is None
    return {
        "uri": v.urls.qr_uri(route),
        "svg": v.urls.file_in(route, "qr.svg")[0],
        "png": v.urls.file_in(route, "qr.png")[0],
        "sheet": v.href(label) if sheets else None,
        "sheet_png": v.urls.file_in(label, "label.png")[0] if printable else None,
    }


def head(
    v: Views, catalogue: Catalogue, product: Product, lot: Lot | None = None
) -> dict[str, Any]:
    """What a scanned page shows first: name, photo, stars, verdict, certificates now."""
    name = v.text(product.name)
    producer = catalogue.producers[product.producer]
    return {
        "certs_now": [
            v.certification(c) for c in (*product.certifications, *producer.certifications)
        ],
        "name": name,
        "thumb": v.picture(product.photos[0], name, "6rem") if product.photos else None,
        "rating": v.rating(product.ocop, producer),
        "verdict": verdict(v, product, lot),
        "product_url": v.href(Route("product", product.slug)),
    }


def product_trace(v: Views, product: Product) -> dict[str, Any]:
    """The traceability parts of a product page: its lots and QR downloads. A lot counts
    as recalled from its recall's date (a recall entered ahead of its date is not yet
    said, as the label of such a lot still carries the mark)."""
    today = v.catalogue.config.build_date

    def recalled(lot: Lot) -> bool:
        return lot.recalled is not None and lot.recalled.date <= today

    return {
        "lots": [
            LotLink(lot.code, v.href(lot_route(product, lot)), v.date(lot.produced), recalled(lot))
            for lot in product.lots
        ],
        # a recalled lot named at the top of the product's pages, not only in the list
        # of lots further down: a shopper checks the product, not always the lot
        "recalls": [
            Recall(
                v.t("lot.recall_alert", code=lot.code, date=v.date(lot.recalled.date).text),
                v.href(lot_route(product, lot)),
            )
            for lot in product.lots
            if lot.recalled is not None and recalled(lot)
        ],
        "qr": _qr_links(v, product_route(product), label_route(product), product),
        "verify_url": v.href(Route("gtin", product.gtin)) if product.gtin else None,
    }


def _lot_data(v: Views, catalogue: Catalogue, product: Product, lot: Lot) -> dict[str, Any]:
    producer = catalogue.producers[product.producer]
    route = lot_route(product, lot)
    valid_then: list[CertificationView] = [
        v.certification(cert)
        for cert in (*product.certifications, *producer.certifications)
        if cert.issued <= lot.produced and (cert.expires is None or lot.produced <= cert.expires)
    ]
    return {
        **head(v, catalogue, product, lot),
        "lot": {
            "code": lot.code,
            "produced": v.date(lot.produced),
            "expires": v.date(lot.expires),
            "quantity": v.maybe_text(lot.quantity),
            "area": v.maybe_text(lot.area),
            "map_url": (
                f"https://www.openstreetmap.org/?mlat={lot.coordinates.lat}&mlon={lot.coordinates.lon}"
                if lot.coordinates
                else None
            ),
        },
        "recall": (
            {"date": v.date(lot.recalled.date), "reason": v.text(lot.recalled.reason)}
            if lot.recalled
            else None
        ),
        "events": [
            EventView(
                v.date(e.date),
                v.text(e.step),
                v.maybe_text(e.place),
                v.maybe_text(e.actor),
                v.maybe_text(e.note),
            )
            for e in lot.events
        ],
        "lab_tests": [
            LabTestView(
                v.text(t.lab),
                t.report,
                v.date(t.date),
                v.text(t.result),
                v.urls.file_in(route, t.document.name)[0] if t.document else None,
            )
            for t in lot.lab_tests
        ],
        "valid_then": valid_then,
        "producer": v.producer_card(producer),
        "channels": v.channels(product),
        "qr": _qr_links(v, route, label_route(product, lot), product, lot),
    }


def _gtin_data(v: Views, catalogue: Catalogue, product: Product) -> dict[str, Any]:
    producer = catalogue.producers[product.producer]
    return {
        **head(v, catalogue, product),
        **product_trace(v, product),
        "certifications": [
            v.certification(c) for c in (*product.certifications, *producer.certifications)
        ],
        "producer": v.producer_card(producer),
        "channels": v.channels(product),
    }


def label_withheld(product: Product, lot: Lot | None, day: dt.date) -> tuple[str, str] | None:
    """Why no label sheet may be printed on ``day``, as (UI string, rating state), or None.

    Only a rating in force may carry the OCOP mark, and a recalled lot, or one past its
    best-before date (old stock, which must not be relabelled for sale), gets no labels.
    """
    if lot is not None and lot.recalled is not None and lot.recalled.date <= day:
        return "label.recalled", ""
    if lot is not None and lot.expires < day:
        return "label.lot_expired", ""
    state = ratings.state_on(product.ocop, day)
    if not state.in_force:
        return "label.not_in_force", state.state
    return None


def _label_data(v: Views, product: Product, route: Route, lot: Lot | None) -> dict[str, Any]:
    withheld = label_withheld(product, lot, v.as_of)
    reason = None
    if withheld is not None:
        key, state = withheld
        said = v.t(key, code=lot.code if lot else "", state=v.t(f"status.{state}") if state else "")
        reason = v.t("label.withheld", reason=said)
    return {
        "withheld": reason,
        "name": v.text(product.name),
        "rating": v.rating(product.ocop, v.catalogue.producers[product.producer]),
        "lot": lot.code if lot else None,
        "qr_svg": v.urls.file_in(route, "qr.svg")[0],
        "qr_uri": v.urls.qr_uri(route),
        "count": labels.COLUMNS * labels.ROWS,
    }


def trace_pages(catalogue: Catalogue, jsonld: Any) -> list[PageSpec]:
    """The GTIN, lot and label pages of every product, in every language."""
    specs: list[PageSpec] = []
    for product in catalogue.products:
        specs.extend(product_trace_pages(catalogue, jsonld, product))
    return specs


def listed_trace_routes(product: Product) -> list[Route]:
    """The routes of the pages of :func:`product_trace_pages` that the sitemap lists (its
    GTIN and lot pages, not its label sheets), in the same order, without planning them."""
    return [
        *([Route("gtin", product.gtin)] if product.gtin else []),
        *(lot_route(product, lot) for lot in product.lots),
    ]


def product_trace_pages(catalogue: Catalogue, jsonld: Any, product: Product) -> list[PageSpec]:
    """One product's GTIN page, its lots' pages and its label sheets' pages."""
    specs: list[PageSpec] = []

    def name(v: Views) -> str:
        return v.text(product.name).text

    if product.gtin:
        specs.append(
            PageSpec(
                Route("gtin", product.gtin),
                "gtin.html",
                lambda v: {**_gtin_data(v, catalogue, product), "jsonld": jsonld(v, product)},
                name,
                description=lambda v: f"{v.text(product.name).text} · {v.t('trace.description')}",
                og_type="product",
                image=partial(_photo, product=product),
                meta={"autolang": True},
                depends=showing(product),
            )
        )
    specs.extend(_lot_page(catalogue, jsonld, product, lot) for lot in product.lots)
    for labelled in (None, *product.lots) if catalogue.config.label_sheets else ():
        page_route = product_route(product) if labelled is None else lot_route(product, labelled)
        specs.append(
            PageSpec(
                label_route(product, labelled),
                "label.html",
                partial(_label_data, product=product, route=page_route, lot=labelled),
                lambda v: f"{v.t('label.title')}: {v.text(product.name).text}",
                in_sitemap=False,
                meta={"noindex": True},
                depends=showing(product),
            )
        )
    return specs


def _lot_page(catalogue: Catalogue, jsonld: Any, product: Product, lot: Lot) -> PageSpec:
    return PageSpec(
        lot_route(product, lot),
        "lot.html",
        lambda v: {**_lot_data(v, catalogue, product, lot), "jsonld": jsonld(v, product, lot)},
        lambda v: f"{v.text(product.name).text} · {v.t('lot.code')} {lot.code}",
        # no verdict here: a description is read long after the build, with no date beside it
        description=lambda v: (
            f"{v.text(product.name).text} · {v.t('lot.code')} {lot.code} · "
            f"{v.t('lot.produced')} {v.date(lot.produced).text} · {v.t('lot.description')}"
        ),
        og_type="product",
        image=partial(_photo, product=product),
        meta={"autolang": True},
        depends=showing(product),
    )


def _photo(v: Views, product: Product) -> str | None:
    """The product's first photo, for the page's share card."""
    return v.picture(product.photos[0], v.text(product.name), "").src if product.photos else None


#: The UI strings (``unknown.*``) of the 404 page's script.
UNKNOWN_TEXTS = (
    "lot",
    "slug_lot",
    "product",
    "see",
    "what",
    "what_product",
    "lot_number",
    "look_up",
)


def unknown_code(v: Views) -> dict[str, Any]:
    """What the 404 page needs to explain a scanned code that has no page.

    The page's script reads the address it was served for: ``/01/<GTIN>/10/<lot>``
    of a lot not in the catalogue names the product if its GTIN is known (from the
    GTIN's linkset), links to its page, and says whom to tell; a bare ``/01/<digits>/``
    not listed also offers to look the number up as a lot number (typed into a code box,
    a numeric lot code passes for a GTIN one time in ten). URLs are patterns
    with a GTIN of zeros for the script to fill in.
    """
    zero = "0" * 14
    contact = v.config.contact
    whom = " · ".join(x for x in (contact.email, contact.phone) if x) or v.t("unknown.nocontact")
    texts = {
        key: v.t(f"unknown.{key}", lot="{lot}", gtin="{gtin}", contact=whom)
        for key in UNKNOWN_TEXTS
    }
    return {
        "unknown": {
            "gtin": v.href(Route("gtin", zero)),
            "product": v.href(Route("product", SLOT)),
            "linkset": v.urls.file_in(Route("gtin", zero), "linkset.json")[0],
            "search": v.href(Route("search")),
            "texts": json.dumps(texts, ensure_ascii=False, separators=(",", ":")),
        }
    }
