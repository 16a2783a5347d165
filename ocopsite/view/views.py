"""What templates see: records turned into language-specific, display-ready views (the
typed views of :mod:`ocopsite.view.viewtypes`), by one :class:`Views` per language.

Templates do no logic beyond loops and conditions. Every text here is already in
the page's language (or marked as a fallback), every date formatted, every
status computed at the build date, every link made by :mod:`ocopsite.view.urls`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from markupsafe import Markup

from ocopsite.model import (
    ANY_LANGUAGE,
    CHANNEL_KINDS,
    Body,
    Certification,
    Photo,
    Producer,
    Product,
    Rating,
    RatingEvent,
    Text,
    ratings,
)
from ocopsite.model.provinces import provinces
from ocopsite.model.status import Validity, validity
from ocopsite.model.vietnamese import looks_vietnamese
from ocopsite.view.urls import Route
from ocopsite.view.viewtypes import (
    BodyView,
    CardOf,
    CertificationView,
    ChannelGroup,
    DateView,
    ListingView,
    Localized,
    PictureView,
    ProducerCard,
    ProductCard,
    RatingEventView,
    RatingView,
    StatusView,
)

if TYPE_CHECKING:
    from ocopsite.assets.images import Rendition
    from ocopsite.load.catalogue import Catalogue
    from ocopsite.view.i18n import Strings
    from ocopsite.view.urls import Urls

T = TypeVar("T")

#: JSON as compact as the page's scripts read it (one encoder, not one a call).
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))

_EN_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


#: How many results of a kind :meth:`Views.recent` keeps.
RECENT = 128


def _once(
    memo: dict[str, dict[Any, Any]],
    kind: str,
    key: Hashable,
    make: Callable[[], T],
    keep: tuple[object, ...],
) -> T:
    results = memo.get(kind)
    if results is None:
        results = memo[kind] = {}
    found = results.get(key)
    if found is None:
        found = results[key] = (keep, make())
    return found[1]


class Views:
    """Builds views for one language. ``render_markdown`` turns Markdown into safe HTML."""

    def __init__(
        self,
        catalogue: Catalogue,
        urls: Urls,
        strings: Strings,
        renditions: dict[str, Rendition],
        render_markdown: object,
        shared: dict[str, dict[Any, Any]] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.config = catalogue.config
        self.urls = urls
        self.t = strings
        self.lang = strings.lang
        self.renditions = renditions
        self._markdown = render_markdown
        self.as_of = self.config.build_date
        default = self._default = self.config.default_language
        self._in_default = "" if self.lang == default else strings(f"note.in_{default}")
        #: Each date shown, formatted (see :meth:`date`).
        self._dates: dict[dt.date, DateView] = {}
        #: Results that many pages of one language share, computed once (see render._ranked).
        self.memo: dict[str, dict[Any, Any]] = {}
        #: Results the same in every language, shared by the views of all languages.
        self.shared: dict[str, dict[Any, Any]] = {} if shared is None else shared

    def once(self, kind: str, key: Hashable, make: Callable[[], T], *keep: object) -> T:
        """``make()``, worked out once per ``kind`` and ``key`` for this build and language.

        A key made of ``id()`` s must pass the objects it names as ``keep``: they are held
        beside the result, so that an identity is never reused for another object.
        """
        return _once(self.memo, kind, key, make, keep)

    def recent(self, kind: str, key: Hashable, make: Callable[[], T], *keep: object) -> T:
        """As :meth:`once`, for what pages ask for as they come and seldom again later: a
        record's own pages (its page, its GTIN page, its lots' pages, each showing it more
        than once), and a product's card, whose HTML is kept instead (see
        :class:`CardOf`). Kept for the last :data:`RECENT` keys of ``kind`` only, so that a
        worker's memory does not grow with every product it renders (at national scale,
        by some hundred megabytes)."""
        results = self.memo.get(kind)
        if results is None:
            results = self.memo[kind] = {}
        found = results.get(key)
        if found is None:
            if len(results) >= RECENT:
                results.clear()  # cheaper than ordering them: a record's pages come together
            found = results[key] = (keep, make())
        return found[1]

    def once_in_all(self, kind: str, key: Hashable, make: Callable[[], T], *keep: object) -> T:
        """As :meth:`once`, for a result that is the same in every language: worked out once
        for the views of all languages that share :attr:`shared`."""
        return _once(self.shared, kind, key, make, keep)

    # --- small pieces -------------------------------------------------------------

    def href(self, route: Route) -> str:
        return self.urls.href(route, self.lang)

    def about(self, part: str) -> str:
        """A link to a part of the "OCOP explained" page (``stars-4``, ``cert-vietgap``)."""
        return f"{self.href(Route('about_ocop'))}#{part}"

    def text(self, value: Text) -> Localized:
        """``value`` in the page's language; else marked as the default language's, noted.

        A text written once for all languages counts as the default language's
        when it has Vietnamese letters and the page is in another language.
        """
        own = value.get(self.lang)
        default = self._default
        if own is not None:
            if (
                self.lang == default
                or value.values[0][0] != ANY_LANGUAGE  # not written once for all languages
                or not looks_vietnamese(own)
            ):
                return Localized(own, self.lang, False)
            return Localized(own, default, True, self._in_default)
        return Localized(value.first(), value.values[0][0], True, self._in_default)

    def name(self, value: str) -> Localized:
        """A proper name or identifier (a commune, a decision number): never translated,
        but marked as the default language's on other pages when it has Vietnamese letters."""
        if self.lang != self._default and looks_vietnamese(value):
            return Localized(value, self._default, True)
        return Localized(value, self.lang, False)

    def maybe_name(self, value: str | None) -> Localized | None:
        return None if value is None else self.name(value)

    def maybe_text(self, value: Text | None) -> Localized | None:
        return None if value is None else self.text(value)

    def date(self, day: dt.date) -> DateView:
        """``day`` as the page's language writes it: formatted once per build and language."""
        found = self._dates.get(day)
        if found is None:
            found = self._dates[day] = self._date(day)
        return found

    def _date(self, day: dt.date) -> DateView:
        if self.lang == "vi":
            shown = f"{day.day:02d}/{day.month:02d}/{day.year}"
        else:
            shown = f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
        return DateView(day.isoformat(), shown)

    def money(self, amount: int) -> str:
        grouped = f"{amount:,}"
        return f"{grouped.replace(',', '.')} ₫" if self.lang == "vi" else f"{grouped} VND"

    def province_name(self, slug: str) -> str:
        return provinces()[slug].name(self.lang)

    def status(self, state: Validity) -> StatusView:
        label = (
            self.t("status.valid_until", date=self.date(state.expires).text)
            if state.state == "valid" and state.expires
            else self.t(f"status.{state.state}")
        )
        return StatusView(
            state.state,
            label,
            state.in_force,
            self.date(state.issued),
            self.date(state.expires) if state.expires else None,
        )

    def picture(self, photo: Photo, fallback_alt: Localized, sizes: str) -> PictureView:
        rendition = self.renditions[photo.file.path.as_posix()]
        alt = self.text(photo.alt).text if photo.alt else fallback_alt.text
        largest = rendition.largest
        return PictureView(
            webp_srcset=", ".join(f"{self.urls.media(v.name)} {v.width}w" for v in rendition.webp),
            jpeg_srcset=", ".join(f"{self.urls.media(v.name)} {v.width}w" for v in rendition.jpeg),
            src=self.urls.media(rendition.fitting(640).name),
            width=largest.width,
            height=largest.height,
            alt=alt,
            sizes=sizes,
        )

    def body(self, body: Body) -> BodyView | None:
        own = body.get(self.lang)
        if own is not None:
            return BodyView(Markup(self._markdown(own)), self.lang, False)  # type: ignore[operator]
        default = self.config.default_language
        fallback = body.get(default)
        if fallback is None:
            return None
        return BodyView(Markup(self._markdown(fallback)), default, True)  # type: ignore[operator]

    # --- ratings, certificates, shops -------------------------------------------

    def rating_validity(self, rating: Rating) -> ratings.RatingState:
        # Asked for by every listing a product is ranked in, so worked out once per rating,
        # for every language (a rating's state does not depend on the language).
        return self.once_in_all(
            "rating_validity", id(rating), lambda: ratings.state_on(rating, self.as_of), rating
        )

    def rating_event(self, event: RatingEvent, authority: str | None) -> RatingEventView:
        return RatingEventView(
            kind=event.kind,
            text=self.t(f"event.{event.kind}", n=event.stars or 0),
            date=self.date(event.date) if event.dated else None,
            decision=event.decision,
            authority=authority,
            issuer=self.issuer(authority),
            reason=self.maybe_text(event.reason),
        )

    def issuer(self, name: str | None) -> Localized | None:
        """The body that decided on a rating, named in the page's language where its name is
        known in English (:func:`ratings.body_in_english`), else as written, marked."""
        if name is None:
            return None
        if self.lang == "en":
            english = ratings.body_in_english(name)
            if english is not None:
                return Localized(english, self.lang, False)
        return self.name(name)

    def rating(self, rating: Rating, producer: Producer | None = None) -> RatingView:
        """The rating on the build date; with ``producer``, its issuing organisations too.

        Made once per rating and producer while a product's pages are rendered: its
        page, its structured data and each of its lots' pages all show it (and its card,
        whose HTML is kept instead, see :class:`CardOf`).
        """
        return self.recent(
            "rating",
            (id(rating), id(producer)),
            lambda: self._rating(rating, producer),
            rating,
            producer,
        )

    def _rating(self, rating: Rating, producer: Producer | None) -> RatingView:
        state = self.rating_validity(rating)
        grant = state.grant
        named = (
            ratings.authorities(rating, producer)
            if producer is not None
            else [(e, e.authority) for e in rating.events]
        )
        history = tuple(self.rating_event(event, body) for event, body in named)
        cause = None
        if state.cause is not None:
            index = rating.events.index(state.cause)
            line = history[index]
            cause = ", ".join(
                str(part)
                for part in (
                    line.decision and self.t("product.decision_no", number=line.decision),
                    line.date and line.date.text,
                    line.issuer and line.issuer.text,
                )
                if part
            )
        return RatingView(
            stars=grant.stars or 0,
            label=self.t("stars.label", n=grant.stars or 0),
            short=self.t("stars.short", n=grant.stars or 0),
            granted_by=self.t(f"granted.{grant.granted_by}"),
            year=grant.date.year,
            decision=self.name(grant.decision or ""),
            status=self.status(state),
            note=self.maybe_text(state.cause.reason) if state.cause else None,
            authority=history[rating.events.index(grant)].authority,
            issuer=history[rating.events.index(grant)].issuer,
            history=history,
            data=self.rating_data(rating),
            cause=cause or None,
            meaning=self.t(f"stars.meaning.{grant.stars}") if grant.stars else "",
            about_url=self.about(f"stars-{grant.stars}" if grant.stars else "stars"),
        )

    def rating_data(self, rating: Rating) -> str:
        """The rating's history as ``ocop.js`` reads it (see :func:`ratings.compact`), as JSON."""
        return self.once_in_all(
            "rating_data", id(rating), lambda: _COMPACT_JSON.encode(ratings.compact(rating)), rating
        )

    def certification(self, cert: Certification) -> CertificationView:
        """The view of ``cert``: made once, as its product's pages (and a producer's
        certificates, every one of its products' pages) show it, some twice."""
        return self.recent("certification", id(cert), lambda: self._certification(cert), cert)

    def _certification(self, cert: Certification) -> CertificationView:
        name: Localized | str = (
            self.text(cert.label) if cert.label else self.t(f"scheme.{cert.scheme}")
        )
        return CertificationView(
            name=name,
            scheme=cert.scheme,
            number=cert.number,
            issuer=self.text(cert.issuer),
            url=cert.url,
            status=self.status(validity(cert.status, cert.issued, cert.expires, self.as_of)),
            about_url=self.about(f"cert-{cert.scheme}"),
        )

    def channels(self, product: Product) -> tuple[ChannelGroup, ...]:
        """Where ``product`` is sold, by kind of shop: made once, as its product page, its
        GTIN page and each of its lots' pages show it."""
        return self.recent("channels", id(product), lambda: self._channels(product), product)

    def _channels(self, product: Product) -> tuple[ChannelGroup, ...]:
        groups = []
        registry = self.config.retailers
        for kind in CHANNEL_KINDS:
            listings = tuple(
                ListingView(
                    name=self.text(registry[item.channel].name),
                    url=item.url or registry[item.channel].url,
                    address=self.maybe_text(item.address or registry[item.channel].address),
                )
                for item in product.retail
                if registry[item.channel].kind == kind
            )
            if listings:
                groups.append(ChannelGroup(kind, self.t(f"channel.{kind}"), listings))
        return tuple(groups)

    # --- records ---------------------------------------------------------------------

    def producer_card(self, producer: Producer) -> ProducerCard:
        """The card of ``producer``: made once, as it is shown on each of its products' pages."""
        return self.once("producer_card", producer.slug, lambda: self._producer_card(producer))

    def _producer_card(self, producer: Producer) -> ProducerCard:
        coords = producer.coordinates
        return ProducerCard(
            url=self.href(Route("producer", producer.slug)),
            name=self.text(producer.name),
            kind=self.t(f"kind.{producer.kind}"),
            commune=self.name(producer.commune),
            province=self.province_name(producer.province),
            address=self.maybe_text(producer.address),
            former_address=self.maybe_name(producer.former_address),
            phone=producer.contact.phone,
            email=producer.contact.email,
            website=producer.contact.website,
            person=producer.contact.person,
            map_url=(
                f"https://www.openstreetmap.org/?mlat={coords.lat}&mlon={coords.lon}#map=13/"
                f"{coords.lat}/{coords.lon}"
                if coords
                else None
            ),
        )

    def product_card(self, product: Product) -> ProductCard:
        """The card of ``product``, for the page being rendered (listings pass
        :meth:`card_of`, whose view is made only when its HTML is)."""
        return self.recent("product_card", product.slug, lambda: self._product_card(product))

    def card_of(self, product: Product) -> CardOf:
        """The card of ``product`` as a list of products passes it to a template."""
        return CardOf(self.href(Route("product", product.slug)), product, self)

    def _product_card(self, product: Product) -> ProductCard:
        producer = self.catalogue.producers[product.producer]
        name = self.text(product.name)
        return ProductCard(
            url=self.href(Route("product", product.slug)),
            name=name,
            picture=(
                self.picture(product.photos[0], name, "(min-width: 40rem) 12rem, 40vw")
                if product.photos
                else None
            ),
            # made with the card, whose HTML is kept instead (see CardOf); without the
            # issuing organisations, which only the product's own pages show
            rating=self._rating(product.ocop, None),
            producer=self.text(producer.name),
            province=self.province_name(producer.province),
        )
