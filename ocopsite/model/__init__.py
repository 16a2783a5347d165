"""The validated catalogue: frozen dataclasses that later stages can trust.

Nothing here is raw user input any more. Every value has been checked by
:mod:`ocopsite.load.records` or :mod:`ocopsite.load.config`, dates are ``datetime.date``,
references between records resolve, and translatable texts always carry the
site's default language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

#: The six OCOP product groups of Decision 148/QĐ-TTg (2023), in the decision's order.
CATEGORIES: tuple[str, ...] = (
    "food",
    "beverages",
    "herbal",
    "handicraft",
    "ornamental",
    "tourism",
)
STAR_LEVELS: tuple[int, ...] = (3, 4, 5)
#: Who granted a rating: district only before the two-level government of 1 July 2025.
GRANTING_LEVELS: tuple[str, ...] = ("district", "province", "national")
RATING_STATUSES: tuple[str, ...] = ("active", "suspended", "revoked")
#: What can happen to a product's OCOP rating, as recorded in its history (see ratings.py).
#: granted, rerated (công nhận lại) and upgraded (thăng hạng) are *grants*: they set the
#: stars and a new 36-month validity; potential (5-star potential forwarded to the
#: national council) changes nothing in force; the other three change the status.
GRANT_EVENTS: tuple[str, ...] = ("granted", "rerated", "upgraded")
RATING_EVENTS: tuple[str, ...] = (*GRANT_EVENTS, "potential", "suspended", "reinstated", "revoked")
CERTIFICATION_SCHEMES: tuple[str, ...] = (
    "vietgap",
    "globalgap",
    "haccp",
    "iso22000",
    "organic",
    "gacp",
    "gmp",
    "safe-food-chain",
    "other",
)
PRODUCER_KINDS: tuple[str, ...] = ("enterprise", "cooperative", "cooperative-group", "household")
CHANNEL_KINDS: tuple[str, ...] = ("supermarket", "marketplace", "showroom", "portal", "direct")
#: The language code of a text written once for all languages.
ANY_LANGUAGE = "*"
#: A rating certificate is valid for 36 months from its date of issue.
RATING_VALIDITY_MONTHS = 36


@dataclass(frozen=True)
class Text:
    """A short text in one or more languages; always has the site's default language.

    A text written as a plain string (a proper name, a brand) is the same in every
    language and is stored under the code :data:`ANY_LANGUAGE`.
    """

    values: tuple[tuple[str, str], ...]

    def has(self, lang: str) -> bool:
        return self.get(lang) is not None

    def get(self, lang: str) -> str | None:
        for code, value in self.values:
            if code in (lang, ANY_LANGUAGE):
                return value
        return None

    def first(self) -> str:
        """The text in the first language given, which validation makes the default one."""
        return self.values[0][1]

    @staticmethod
    def plain(value: str) -> Text:
        return Text(((ANY_LANGUAGE, value),))


@dataclass(frozen=True)
class Coordinates:
    lat: float
    lon: float


@dataclass(frozen=True)
class BundleFile:
    """A file inside a record's bundle folder, already checked to exist there."""

    name: str  # as written, relative to the bundle
    path: Path  # absolute, resolved, inside the bundle
    width: int = 0  # for images
    height: int = 0


@dataclass(frozen=True)
class Photo:
    file: BundleFile
    alt: Text | None = None


@dataclass(frozen=True)
class RatingEvent:
    """One dated decision in a product's OCOP life.

    Grants (:data:`GRANT_EVENTS`) carry ``stars``, ``granted_by`` and ``expires``;
    the other kinds leave them ``None``. ``authority`` is the issuing organisation
    when the record names it; otherwise :func:`ocopsite.model.ratings.authority` derives it.
    ``dated`` is False for the status of a one-grant record (``status: revoked``),
    whose date was not recorded: it then counts from the grant's own date.
    """

    kind: str
    date: dt.date
    decision: str | None = None
    stars: int | None = None
    granted_by: str | None = None
    expires: dt.date | None = None
    authority: str | None = None
    reason: Text | None = None
    dated: bool = True

    @property
    def is_grant(self) -> bool:
        return self.kind in GRANT_EVENTS


@dataclass(frozen=True)
class Rating:
    """A product's OCOP rating as its history: events in date order, the first a grant.

    The properties describe the latest grant and the status after the last event,
    for code that needs one answer; what holds on a given day is
    :func:`ocopsite.model.ratings.state_on`.
    """

    events: tuple[RatingEvent, ...]

    @property
    def grant(self) -> RatingEvent:
        return [e for e in self.events if e.is_grant][-1]

    @property
    def stars(self) -> int:
        return self.grant.stars or 0

    @property
    def granted_by(self) -> str:
        return self.grant.granted_by or ""

    @property
    def decision(self) -> str:
        return self.grant.decision or ""

    @property
    def issued(self) -> dt.date:
        return self.grant.date

    @property
    def expires(self) -> dt.date:
        assert self.grant.expires is not None
        return self.grant.expires

    @property
    def status(self) -> str:
        """The administrative status after the last event: active, suspended or revoked."""
        status = "active"
        for event in self.events:
            if event.is_grant or event.kind == "reinstated":
                status = "active"
            elif event.kind in ("suspended", "revoked"):
                status = event.kind
        return status


@dataclass(frozen=True)
class Certification:
    scheme: str
    number: str
    issuer: Text
    issued: dt.date
    expires: dt.date | None = None
    label: Text | None = None
    url: str | None = None
    status: str = "active"


@dataclass(frozen=True)
class RetailListing:
    channel: str  # a key of the site's retailer registry
    url: str | None = None
    address: Text | None = None


@dataclass(frozen=True)
class TraceEvent:
    date: dt.date
    step: Text
    place: Text | None = None
    actor: Text | None = None
    note: Text | None = None


@dataclass(frozen=True)
class LabTest:
    lab: Text
    report: str
    date: dt.date
    result: Text
    document: BundleFile | None = None


@dataclass(frozen=True)
class Recall:
    date: dt.date
    reason: Text


@dataclass(frozen=True)
class Lot:
    code: str
    produced: dt.date
    expires: dt.date
    quantity: Text | None = None
    area: Text | None = None
    coordinates: Coordinates | None = None
    recalled: Recall | None = None
    events: tuple[TraceEvent, ...] = ()
    lab_tests: tuple[LabTest, ...] = ()


@dataclass(frozen=True)
class Body:
    """The long Markdown text of a record, one source per language that has one."""

    sources: tuple[tuple[str, str], ...]

    def get(self, lang: str) -> str | None:
        for code, text in self.sources:
            if code == lang:
                return text
        return None


@dataclass(frozen=True)
class Contact:
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    person: str | None = None


@dataclass(frozen=True)
class Product:
    slug: str
    bundle: Path
    name: Text
    producer: str
    category: str
    ocop: Rating
    body: Body
    gtin: str | None = None  # normalised to 14 digits
    certifications: tuple[Certification, ...] = ()
    retail: tuple[RetailListing, ...] = ()
    price: int | None = None  # VND
    unit: Text | None = None
    net_content: str | None = None
    shelf_life: Text | None = None
    photos: tuple[Photo, ...] = ()
    tags: tuple[str, ...] = ()
    lots: tuple[Lot, ...] = ()
    summary: Text | None = None


@dataclass(frozen=True)
class Producer:
    slug: str
    bundle: Path
    name: Text
    kind: str
    province: str  # a province slug from the reference list
    commune: str
    body: Body
    address: Text | None = None
    former_address: str | None = None
    coordinates: Coordinates | None = None
    contact: Contact = field(default_factory=Contact)
    certifications: tuple[Certification, ...] = ()
    photos: tuple[Photo, ...] = ()


@dataclass(frozen=True)
class NewsItem:
    slug: str
    bundle: Path
    date: dt.date
    title: Text
    body: Body
    cover: Photo | None = None
    products: tuple[str, ...] = ()
    summary: Text | None = None
