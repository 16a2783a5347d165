"""A page of the site as a specification: its route, template and data, in every language."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ocopsite.view.urls import Route

if TYPE_CHECKING:
    from ocopsite.view.views import Views

DataBuilder = Callable[["Views"], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One page of the site, in every language."""

    route: Route
    template: str
    data: DataBuilder
    title: Callable[[Views], str]
    description: Callable[[Views], str] | None = None
    in_sitemap: bool = True
    og_type: str = "website"
    image: Callable[[Views], str | None] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: What the page shows, for rebuilds: given the views of every language, the records
    #: (products, producers, news items) and plain values that decide its content; the
    #: page is rendered again when one of them changes. ``None``: it shows the whole
    #: site, and is rendered again after any edit. (A product stands for its producer too.)
    depends: Callable[[Sequence[Views]], Iterable[object]] | None = None


def showing(*things: object) -> Callable[[Sequence[Views]], list[object]]:
    """``PageSpec.depends`` of a page that shows these records in every language."""
    return lambda views: list(things)


#: Page links shown either side of the current page; the first and last are always shown.
WINDOW = 2


@dataclass(frozen=True, slots=True)
class Pagination:
    page: int
    pages: int
    previous: str | None
    next: str | None
    #: (page number, link) of the pages to offer; a number of 0 marks a gap ("…").
    links: tuple[tuple[int, str], ...]


def shown_pages(page: int, pages: int) -> list[int]:
    """1, the pages around ``page``, and the last, with 0 where pages are left out.

    A listing of 400 pages must not put 400 links on each of them.
    """
    numbers = sorted({1, pages, *range(max(1, page - WINDOW), min(pages, page + WINDOW) + 1)})
    shown: list[int] = []
    for number in numbers:
        if shown and number > shown[-1] + 1:
            shown.append(0)
        shown.append(number)
    return shown


def paginate(
    route: Route, items: Sequence[Any], per_page: int
) -> list[tuple[Route, Sequence[Any], Callable[[Views], Pagination]]]:
    pages = max(1, math.ceil(len(items) / per_page))
    result: list[tuple[Route, Sequence[Any], Callable[[Views], Pagination]]] = []
    for number in range(1, pages + 1):

        def pagination(views: Views, number: int = number) -> Pagination:
            def link(n: int) -> str:
                return views.href(route.with_page(n))

            return Pagination(
                page=number,
                pages=pages,
                previous=link(number - 1) if number > 1 else None,
                next=link(number + 1) if number < pages else None,
                links=tuple((n, link(n) if n else "") for n in shown_pages(number, pages)),
            )

        chunk = items[(number - 1) * per_page : number * per_page]
        result.append((route.with_page(number), chunk, pagination))
    return result
