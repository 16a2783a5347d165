"""A page of the site as a specification: its route, template and data, in every language."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .urls import Route

if TYPE_CHECKING:
    from .views import Views

DataBuilder = Callable[["Views"], dict[str, Any]]


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Pagination:
    page: int
    pages: int
    previous: str | None
    next: str | None
    links: tuple[tuple[int, str], ...]


def paginate(
    route: Route, items: Sequence[Any], per_page: int
) -> list[tuple[Route, Sequence[Any], Callable[[Views], Pagination]]]:
    pages = max(1, math.ceil(len(items) / per_page))
    result = []
    for number in range(1, pages + 1):

        def pagination(views: Views, number: int = number) -> Pagination:
            def link(n: int) -> str:
                return views.href(route.with_page(n))

            return Pagination(
                page=number,
                pages=pages,
                previous=link(number - 1) if number > 1 else None,
                next=link(number + 1) if number < pages else None,
                links=tuple((n, link(n)) for n in range(1, pages + 1)),
            )

        chunk = items[(number - 1) * per_page : number * per_page]
        result.append((route.with_page(number), chunk, pagination))
    return result
