"""The typed views templates see: frozen, display-ready values in one language.

:class:`~ocopsite.view.views.Views` makes them from the validated records; a template
reads their fields and renders them (a :class:`Localized` text or a :class:`DateView`
renders its own HTML), and does no logic beyond loops and conditions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from ocopsite.model import Product
    from ocopsite.view.views import Views

T = TypeVar("T")


def fast_init(cls: type[T]) -> type[T]:
    """A ``@dataclass(frozen=True)`` class, made faster to create.

    A frozen dataclass's ``__init__`` sets each field with ``object.__setattr__``, a
    call for each; a product page makes some hundred views, whose making was a tenth
    of rendering it. The ``__init__`` made here writes the fields into the new
    instance's ``__dict__`` instead: the same instance, made in half the time, and as
    immutable afterwards.
    """
    if hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
        raise TypeError(
            f"{cls.__name__}: no __post_init__ or slots (the __init__ made here has neither)"
        )
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    defaults: dict[str, object] = {}
    params = []
    for f in fields:
        if f.default_factory is not dataclasses.MISSING or not f.init or f.name in ("d", "self"):
            raise TypeError(f"{cls.__name__}.{f.name}: only plain fields and defaults")
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            defaults[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
    body = "".join(f"\n    d[{f.name!r}] = {f.name}" for f in fields)
    source = f"def __init__(self, {', '.join(params)}):\n    d = self.__dict__{body}\n"
    namespace: dict[str, Any] = {}
    exec(source, defaults, namespace)  # made from the field names above
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    setattr(cls, "__init__", init)  # noqa: B010 - mypy refuses a method assigned
    return cls


@fast_init
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


@fast_init
@dataclass(frozen=True)
class DateView:
    iso: str
    text: str

    def __html__(self) -> str:
        return f'<time datetime="{self.iso}">{escape(self.text)}</time>'


@fast_init
@dataclass(frozen=True)
class StatusView:
    state: str
    label: str
    in_force: bool
    issued: DateView
    expires: DateView | None


@fast_init
@dataclass(frozen=True)
class PictureView:
    webp_srcset: str
    jpeg_srcset: str
    src: str
    width: int
    height: int
    alt: str
    sizes: str


@fast_init
@dataclass(frozen=True)
class RatingEventView:
    """One line of a rating's timeline."""

    kind: str
    text: str  # "Re-rated 4★", "Suspended"
    date: DateView | None  # None when the record gives no date
    decision: str | None
    authority: str | None  # as the decision names it (structured data, open data)
    issuer: Localized | None  # the same, as the page's language names it (see Views.issuer)
    reason: Localized | None


@fast_init
@dataclass(frozen=True)
class RatingView:
    stars: int
    label: str  # "4 trên 5 sao"
    short: str  # "4 sao OCOP"
    granted_by: str
    year: int
    decision: Localized
    status: StatusView
    note: Localized | None  # why it is suspended or revoked (the reason of that decision)
    authority: str | None  # the organisation that granted the rating in force
    issuer: Localized | None  # the same, as the page's language names it (see Views.issuer)
    history: tuple[RatingEventView, ...]
    #: The history as ``ocop.js`` reads it (see ratings.compact), for the re-check.
    data: str
    #: The suspension or revocation in force: "Decision 12/QĐ-UBND, 10/01/2027, UBND tỉnh X".
    cause: str | None
    meaning: str  # "90–100 points: a national OCOP product."
    about_url: str  # the explanation of this star level


@fast_init
@dataclass(frozen=True)
class CertificationView:
    name: Localized | str
    scheme: str
    number: str
    issuer: Localized
    url: str | None
    status: StatusView
    about_url: str  # the explanation of this scheme


@fast_init
@dataclass(frozen=True)
class ListingView:
    name: Localized
    url: str | None
    address: Localized | None


@fast_init
@dataclass(frozen=True)
class ChannelGroup:
    kind: str
    label: str
    listings: tuple[ListingView, ...]


@fast_init
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


@fast_init
@dataclass(frozen=True)
class ProductCard:
    url: str
    name: Localized
    picture: PictureView | None
    rating: RatingView
    producer: Localized
    province: str


class CardOf:
    """A product's card as lists of products pass it: its address, and its view on demand.

    A card's HTML is rendered once per language and process, and shared by every page
    that lists the product (``fragment('card', c.url, c)``, which asks for :meth:`view`
    only then). Its view is therefore not kept: some 50 MB in each worker at national
    scale. Other attributes are the view's, for templates that show a card themselves.
    """

    __slots__ = ("_product", "_views", "url")

    def __init__(self, url: str, product: Product, views: Views) -> None:
        self.url = url
        self._product = product
        self._views = views

    def view(self) -> ProductCard:
        return self._views.product_card(self._product)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy, pickle and the like ask before __init__ has run
            raise AttributeError(name)
        return getattr(self.view(), name)


@fast_init
@dataclass(frozen=True)
class BodyView:
    html: Markup
    lang: str
    untranslated: bool
