"""What templates see: records turned into language-specific, display-ready views.

Templates do no logic beyond loops and conditions. Every text here is already in
the page's language (or marked as a fallback), every date formatted, every
status computed at the build date, every link made by :mod:`ocopsite.urls`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from .model import (
    ANY_LANGUAGE,
    CHANNEL_KINDS,
    Body,
    Certification,
    Photo,
    Producer,
    Product,
    Rating,
    Text,
)
from .provinces import provinces
from .status import Validity, validity
from .urls import Route
from .vietnamese import looks_vietnamese

if TYPE_CHECKING:
    from .catalogue import Catalogue
    from .i18n import Strings
    from .images import Rendition
    from .urls import Urls

_EN_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


@dataclass(frozen=True)
class Localized:
    """A text in the page's language, or in the default one when untranslated.

    Rendered into HTML it carries ``lang`` when it fell back, so screen readers
    pronounce it right, followed by ``note`` (such as "in Vietnamese") when there
    is one, so readers see it too; ``.text`` is the bare string for attributes.
    """

    text: str
    lang: str
    fallback: bool
    note: str = ""

    def __html__(self) -> str:
        if self.fallback:
            marked = f'<span lang="{self.lang}">{escape(self.text)}</span>'
            if self.note:
                return f'{marked} <small class="in-lang">{escape(self.note)}</small>'
            return marked
        return str(escape(self.text))

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class DateView:
    iso: str
    text: str

    def __html__(self) -> str:
        return f'<time datetime="{self.iso}">{escape(self.text)}</time>'


@dataclass(frozen=True)
class StatusView:
    state: str
    label: str
    in_force: bool
    issued: DateView
    expires: DateView | None


@dataclass(frozen=True)
class PictureView:
    webp_srcset: str
    jpeg_srcset: str
    src: str
    width: int
    height: int
    alt: str
    sizes: str


@dataclass(frozen=True)
class RatingView:
    stars: int
    label: str  # "4 trên 5 sao"
    short: str  # "4 sao OCOP"
    granted_by: str
    year: int
    decision: Localized
    status: StatusView
    note: Localized | None
    meaning: str  # "90–100 points: a national OCOP product, …"
    about_url: str  # the explanation of this star level


@dataclass(frozen=True)
class CertificationView:
    name: Localized | str
    scheme: str
    number: str
    issuer: Localized
    url: str | None
    status: StatusView
    about_url: str  # the explanation of this scheme


@dataclass(frozen=True)
class ListingView:
    name: Localized
    url: str | None
    address: Localized | None


@dataclass(frozen=True)
class ChannelGroup:
    kind: str
    label: str
    listings: tuple[ListingView, ...]


@dataclass(frozen=True)
class ProducerCard:
    url: str
    name: Localized
    kind: str
    commune: Localized
    province: str
    address: Localized | None
    former_address: Localized | None
    phone: str | None
    email: str | None
    website: str | None
    person: str | None
    map_url: str | None


@dataclass(frozen=True)
class ProductCard:
    url: str
    name: Localized
    picture: PictureView | None
    rating: RatingView
    producer: Localized
    province: str


@dataclass(frozen=True)
class BodyView:
    html: Markup
    lang: str
    untranslated: bool


class Views:
    """Builds views for one language. ``render_markdown`` turns Markdown into safe HTML."""

    def __init__(
        self,
        catalogue: Catalogue,
        urls: Urls,
        strings: Strings,
        renditions: dict[str, Rendition],
        render_markdown: object,
    ) -> None:
        self.catalogue = catalogue
        self.config = catalogue.config
        self.urls = urls
        self.t = strings
        self.lang = strings.lang
        self.renditions = renditions
        self._markdown = render_markdown
        self.as_of = self.config.build_date
        default = self.config.default_language
        self._in_default = "" if self.lang == default else strings(f"note.in_{default}")
        #: Results that many pages of one language share, computed once (see render._ranked).
        self.memo: dict[str, dict[Any, Any]] = {}

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
        default = self.config.default_language
        if own is not None:
            written_once = value.values[0][0] == ANY_LANGUAGE
            if self.lang == default or not written_once or not looks_vietnamese(own):
                return Localized(own, self.lang, False)
            return Localized(own, default, True, self._in_default)
        return Localized(value.first(), value.values[0][0], True, self._in_default)

    def name(self, value: str) -> Localized:
        """A proper name or identifier (a commune, a decision number): never translated,
        but marked as the default language's on other pages when it has Vietnamese letters."""
        if self.lang != self.config.default_language and looks_vietnamese(value):
            return Localized(value, self.config.default_language, True)
        return Localized(value, self.lang, False)

    def maybe_name(self, value: str | None) -> Localized | None:
        return None if value is None else self.name(value)

    def maybe_text(self, value: Text | None) -> Localized | None:
        return None if value is None else self.text(value)

    def date(self, day: dt.date) -> DateView:
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
        return StatusView(
            state.state,
            self.t(f"status.{state.state}"),
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

    def rating_validity(self, rating: Rating) -> Validity:
        # Asked for by every listing a product is ranked in, so worked out once per rating.
        memo = self.memo.setdefault("rating_validity", {})
        found = memo.get(id(rating))
        if found is None or found[0] is not rating:
            found = memo[id(rating)] = (
                rating,
                validity(rating.status, rating.issued, rating.expires, self.as_of),
            )
        return found[1]

    def rating(self, rating: Rating) -> RatingView:
        return RatingView(
            stars=rating.stars,
            label=self.t("stars.label", n=rating.stars),
            short=self.t("stars.short", n=rating.stars),
            granted_by=self.t(f"granted.{rating.granted_by}"),
            year=rating.issued.year,
            decision=self.name(rating.decision),
            status=self.status(self.rating_validity(rating)),
            note=self.maybe_text(rating.status_note),
            meaning=self.t(f"stars.meaning.{rating.stars}"),
            about_url=self.about(f"stars-{rating.stars}"),
        )

    def certification(self, cert: Certification) -> CertificationView:
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
            rating=self.rating(product.ocop),
            producer=self.text(producer.name),
            province=self.province_name(producer.province),
        )
