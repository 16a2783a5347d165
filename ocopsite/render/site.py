"""The *render* stage: which pages a site has, and what each shows.

:func:`plan_pages` lists every page as a :class:`PageSpec`: its route, its
template, a function that builds its data from a language's
:class:`~ocopsite.view.views.Views`, and what it depends on.
:class:`~ocopsite.render.renderer.Renderer` renders a spec in a language.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ocopsite.load.catalogue import Catalogue
from ocopsite.model import Lot, NewsItem, Producer, Product
from ocopsite.model import gtin as gtins
from ocopsite.render import offline, opendata, schedule, stats
from ocopsite.render.events import event_pages, links_for_producer, links_for_product
from ocopsite.render.explainer import explainer_page
from ocopsite.trace import lots as trace
from ocopsite.view import jsonld
from ocopsite.view.facets import facet_index, facet_label
from ocopsite.view.pages import PageSpec, Pagination, paginate, showing
from ocopsite.view.urls import FACETS, SCANNED, Route
from ocopsite.view.views import Views

#: How many products (the first of the ranking) and news items the home page shows.
HOME_FEATURED, HOME_NEWS = 8, 3


def ranked(products: Sequence[Product], views: Views) -> list[Product]:
    """In-force ratings first, then by stars (high first), then by name.

    Every page of a listing asks for the same order, so it is computed once per
    list and language (the lists are the catalogue's own tuples, kept alive by it).
    The whole catalogue is sorted once per language; a product's place in that order
    (the same place for products that tie) is then the key of every other list.
    """
    memo = views.memo.setdefault("ranked", {})
    key_of = (id(products), len(products))
    found = memo.get(key_of)
    if found is None:
        places = _places(views)
        try:
            order = sorted(products, key=lambda p: places[id(p)])
        except KeyError:  # not one of the catalogue's products: ranked on its own
            order = sorted(products, key=partial(_rank_key, views))
        found = memo[key_of] = (products, order)
    return found[1]


def _rank_key(views: Views, p: Product) -> tuple[int, int, str]:
    """What :func:`ranked` orders by."""
    in_force = views.rating_validity(p.ocop).in_force
    return (0 if in_force else 1, -p.ocop.stars, views.text(p.name).text.casefold())


def _places(views: Views) -> dict[int, int]:
    """Each product's place in the ranking of the whole catalogue, by id() (the catalogue
    keeps its products alive); products that tie (same key) share a place, so that sorting
    by place is sorting by the key itself."""
    memo = views.memo.setdefault("rank_places", {})
    found: dict[int, int] | None = memo.get("all")
    if found is None:
        products = views.catalogue.products
        keys = [_rank_key(views, p) for p in products]
        found = memo["all"] = {}
        place, last = -1, None
        for index in sorted(range(len(products)), key=keys.__getitem__):
            key = keys[index]
            if key != last:
                place, last = place + 1, key
            found[id(products[index])] = place
    return found


def plan_pages(
    catalogue: Catalogue,
    cache: Path | None = None,
    skip: Container[str] = frozenset(),
    owners: dict[Route, str] | None = None,
    block: list[int] | None = None,
) -> list[PageSpec]:
    """Every page of the site, in a stable order.

    ``cache`` is the build's cache folder, where the open data files, whose sizes a
    page shows, are kept between builds (see :func:`~ocopsite.render.opendata.data_files`).
    The pages of a product (see :func:`record_pages`) whose slug is in ``skip`` are left
    out; ``owners`` is given the slug of the product of each of those pages planned, by route.
    ``block`` is given where the products' pages start and end in the list returned (see
    :func:`listed_routes`).
    """
    per_page = catalogue.config.per_page
    facets = facet_index(catalogue)
    specs: list[PageSpec] = []

    def product_listing(
        route: Route, items: Sequence[Product], heading: Callable[[Views], str]
    ) -> None:
        ordered_slugs = [p.slug for p in items]
        for page_route, _, pagination in paginate(route, ordered_slugs, per_page):
            number = page_route.page

            def data(
                v: Views, number: int = number, pagination: Any = pagination
            ) -> dict[str, Any]:
                shown = ranked(items, v)[(number - 1) * per_page : number * per_page]
                return {
                    "heading": heading(v),
                    "cards": [v.card_of(p) for p in shown],
                    "count": len(items),
                    "pagination": pagination(v),
                }

            def title(v: Views, number: int = number) -> str:
                base = heading(v)
                return base if number == 1 else f"{base} · {v.t('pagination.page', n=number)}"

            def shows(views: Sequence[Views], number: int = number) -> list[object]:
                # the products it shows, in each language's order, and how many there are
                start = (number - 1) * per_page
                shown: list[object] = [len(items)]
                for v in views:  # a slice at a time: some 200,000 products at 16,000
                    shown += ranked(items, v)[start : start + per_page]
                return shown

            specs.append(PageSpec(page_route, "listing.html", data, title, depends=shows))

    specs.append(
        PageSpec(
            Route("home"),
            "home.html",
            lambda v: {
                "featured": [v.card_of(p) for p in ranked(catalogue.products, v)[:HOME_FEATURED]],
                "news": [_news_item(v, n) for n in catalogue.news[:HOME_NEWS]],
                "categories": _facet_links(v, facets, "category"),
                "count": len(catalogue.products),
            },
            lambda v: v.text(catalogue.config.title).text,
            description=lambda v: (
                v.text(catalogue.config.description).text if catalogue.config.description else ""
            ),
            depends=partial(_home_shows, catalogue, facets),
        )
    )
    product_listing(Route("products"), catalogue.products, lambda v: v.t("nav.products"))
    planned = [product for product in catalogue.products if product.slug not in skip]
    start = len(specs)
    own = [_product_page(catalogue, product) for product in planned]
    traced = [trace.product_trace_pages(catalogue, product_jsonld, p) for p in planned]
    # a product's GTIN, lot and label pages right after its own: they show what its page
    # shows (structured data, verdict, certificates), which Views.recent keeps for a few
    # records only. The sitemap still lists them after every product's page (feeds._listed).
    for page, of_product in zip(own, traced, strict=True):
        specs.append(page)
        specs += of_product
    if block is not None:
        block[:] = [start, len(specs)]
    if owners is not None:
        for product, page, of_product in zip(planned, own, traced, strict=True):
            owners.update((spec.route, product.slug) for spec in (page, *of_product))
    producer_list = list(catalogue.producers.values())
    for page_route, chunk, pagination in paginate(Route("producers"), producer_list, per_page):
        specs.append(_producers_page(catalogue, page_route, chunk, pagination))
    specs.extend(_producer_page(catalogue, p) for p in catalogue.producers.values())

    def browse(v: Views) -> dict[str, Any]:
        return {"facets": [(f, v.t(f"facet.{f}"), _facet_links(v, facets, f)) for f in FACETS]}

    specs.append(PageSpec(Route("browse"), "browse.html", browse, lambda v: v.t("nav.browse")))
    for facet in FACETS:
        for value, items in facets[facet].items():
            product_listing(
                Route("facet", facet, value), items, partial(_facet_heading, facet, value)
            )
    for page_route, chunk, pagination in paginate(Route("news_index"), catalogue.news, per_page):
        specs.append(_news_index_page(page_route, chunk, pagination))
    specs.extend(_news_page(catalogue, item) for item in catalogue.news)
    specs.append(PageSpec(Route("search"), "search.html", browse, lambda v: v.t("nav.search")))
    specs.append(explainer_page())
    specs.extend(event_pages(catalogue))
    specs.append(offline.page())
    specs.append(opendata.page(catalogue, cache and cache / opendata.DATA_CACHE))
    specs.append(stats.page(catalogue))
    specs.append(schedule.page(catalogue))
    specs.append(
        PageSpec(
            Route("not_found"),
            "404.html",
            trace.unknown_code,
            lambda v: v.t("notfound.title"),
            in_sitemap=False,
            meta={"autolang": True},
            depends=showing(),  # the site's settings and UI strings only
        )
    )
    return specs


def _home_shows(
    catalogue: Catalogue, facets: dict[str, dict[str, tuple[Product, ...]]], views: Sequence[Views]
) -> list[object]:
    """What the home page shows: how many products there are, the first products of the
    ranking in each language (their cards), the latest news, and how many products each
    category holds (its name is a UI string, which the site key covers)."""
    return [
        len(catalogue.products),
        *(p for v in views for p in ranked(catalogue.products, v)[:HOME_FEATURED]),
        *catalogue.news[:HOME_NEWS],
        *(f"{value}:{len(items)}" for value, items in facets["category"].items()),
    ]


def listed_routes(
    catalogue: Catalogue, specs: Sequence[PageSpec], block: Sequence[int]
) -> list[Route]:
    """The routes of the pages the sitemap lists, as :func:`plan_pages` plans them all.

    ``specs`` are what it planned while leaving some products out, and ``block`` where it said
    the products' pages are among them: every product's listed pages are then named from its
    record (its own page, and :func:`~ocopsite.trace.lots.listed_trace_routes`) instead of
    planned again, which at 16,000 products took a worker a second and 190 MB after an edit.
    """
    start, end = block
    routes = [spec.route for spec in specs[:start] if spec.in_sitemap]
    for product in catalogue.products:
        routes.append(Route("product", product.slug))
        routes += trace.listed_trace_routes(product)
    routes += (spec.route for spec in specs[end:] if spec.in_sitemap)
    return routes


def _product_cards(v: Views, items: Sequence[Product]) -> list[Any]:
    """The cards of ``items``, best first (see :func:`ranked`)."""
    return [v.card_of(p) for p in ranked(items, v)]


def _producers_page(
    catalogue: Catalogue,
    route: Route,
    chunk: Sequence[Producer],
    pagination: Callable[[Views], Pagination],
) -> PageSpec:
    def data(v: Views) -> dict[str, Any]:
        return {
            "producers": [
                (v.producer_card(producer), len(catalogue.products_of(producer.slug)))
                for producer in chunk
            ],
            "pagination": pagination(v),
        }

    def title(v: Views) -> str:
        heading = v.t("nav.producers")
        return heading if route.page == 1 else f"{heading} · {v.t('pagination.page', n=route.page)}"

    def shows(views: Sequence[Views]) -> list[object]:
        counts = [len(catalogue.products_of(producer.slug)) for producer in chunk]
        return [len(catalogue.producers), *chunk, *counts]

    return PageSpec(route, "producers.html", data, title, depends=shows)


def record_pages(catalogue: Catalogue, record: Product | Producer) -> list[PageSpec]:
    """The pages of one product (its own, and its GTIN, lot and label pages) or producer,
    as :func:`plan_pages` plans them: for a page open in the preview, made before the rest."""
    if isinstance(record, Producer):
        return [_producer_page(catalogue, record)]
    return [
        _product_page(catalogue, record),
        *trace.product_trace_pages(catalogue, product_jsonld, record),
    ]


def _producer_page(catalogue: Catalogue, producer: Producer) -> PageSpec:
    def data(v: Views) -> dict[str, Any]:
        return {
            "card": v.producer_card(producer),
            "body": v.body(producer.body),
            "certifications": [v.certification(c) for c in producer.certifications],
            "cards": _product_cards(v, catalogue.products_of(producer.slug)),
            "pictures": [
                v.picture(ph, v.text(producer.name), "(min-width: 48rem) 44rem, 100vw")
                for ph in producer.photos
            ],
            "events": links_for_producer(v, producer.slug),
        }

    return PageSpec(
        Route("producer", producer.slug),
        "producer.html",
        data,
        lambda v: v.text(producer.name).text,
        og_type="profile",
        depends=showing(producer, *catalogue.products_of(producer.slug), *catalogue.events),
        image=lambda v: (
            v.picture(producer.photos[0], v.text(producer.name), "").src
            if producer.photos
            else None
        ),
    )


def _facet_heading(facet: str, value: str, v: Views) -> str:
    return f"{v.t(f'facet.{facet}')}: {facet_label(facet, value, v.catalogue, v.t)}"


def _news_index_page(
    route: Route, chunk: Sequence[NewsItem], pagination: Callable[[Views], Pagination]
) -> PageSpec:
    return PageSpec(
        route,
        "news_index.html",
        lambda v: {"items": [_news_item(v, n) for n in chunk], "pagination": pagination(v)},
        lambda v: v.t("nav.news"),
    )


def _news_page(catalogue: Catalogue, item: NewsItem) -> PageSpec:
    return PageSpec(
        Route("news", item.slug),
        "news.html",
        lambda v: {
            "item": _news_item(v, item),
            "body": v.body(item.body),
            "cards": _product_cards(v, [catalogue.product_by_slug[s] for s in item.products]),
        },
        lambda v: v.text(item.title).text,
        description=lambda v: v.text(item.summary).text if item.summary else "",
        og_type="article",
        image=lambda v: v.picture(item.cover, v.text(item.title), "").src if item.cover else None,
        depends=showing(item, *(catalogue.product_by_slug[s] for s in item.products)),
    )


def _facet_links(
    v: Views, facets: dict[str, dict[str, tuple[Product, ...]]], facet: str
) -> list[Any]:
    return [
        (
            facet_label(facet, value, v.catalogue, v.t),
            v.href(Route("facet", facet, value)),
            len(items),
        )
        for value, items in facets[facet].items()
    ]


def _news_item(v: Views, item: NewsItem) -> dict[str, Any]:
    return {
        "url": v.href(Route("news", item.slug)),
        "title": v.text(item.title),
        "date": v.date(item.date),
        "summary": v.maybe_text(item.summary),
        "cover": v.picture(item.cover, v.text(item.title), "(min-width: 48rem) 44rem, 100vw")
        if item.cover
        else None,
    }


def product_jsonld(v: Views, product: Product, lot: Lot | None = None) -> Markup:
    """The schema.org JSON-LD of a product (or of one of its lots) in the language of ``v``.

    The product's is made once per language, as its page and its GTIN page show it; a
    lot's is the product's with the lot's production date (see :func:`jsonld.of_lot`).
    """
    found = v.recent("jsonld", id(product), lambda: _product_jsonld(v, product), product)
    return found if lot is None else jsonld.of_lot(found, lot)


def _product_jsonld(v: Views, product: Product) -> Markup:
    name = v.text(product.name)
    images = [v.urls.absolute_from_href(v.picture(p, name, "").src) for p in product.photos]
    canonical = v.urls.absolute(Route("product", product.slug), v.lang)
    digital_link = v.urls.qr_uri(Route("gtin", product.gtin)) if product.gtin else None
    return jsonld.product(v, product, canonical, images, digital_link)


def _product_page(catalogue: Catalogue, product: Product) -> PageSpec:
    def data(v: Views) -> dict[str, Any]:
        producer = catalogue.producers[product.producer]
        name = v.text(product.name)
        pictures = [v.picture(p, name, "(min-width: 48rem) 44rem, 100vw") for p in product.photos]
        return {
            "name": name,
            "summary": v.maybe_text(product.summary),
            "category": v.t(f"category.{product.category}"),
            "category_url": v.href(Route("facet", "category", product.category)),
            "rating": v.rating(product.ocop, producer),
            "certifications": [v.certification(c) for c in product.certifications],
            "producer_certifications": [v.certification(c) for c in producer.certifications],
            "channels": v.channels(product),
            "producer": v.producer_card(producer),
            "body": v.body(product.body),
            "pictures": pictures,
            "gtin": gtins.display(product.gtin) if product.gtin else None,
            "price": v.money(product.price) if product.price is not None else None,
            "unit": v.maybe_text(product.unit),
            "net_content": product.net_content,
            "shelf_life": v.maybe_text(product.shelf_life),
            "tags": product.tags,
            "jsonld": product_jsonld(v, product),
            "verdict": trace.verdict(v, product),
            "related": [v.card_of(p) for p in catalogue.related(product)],
            "events": links_for_product(v, product),
            **trace.product_trace(v, product),
        }

    def description(v: Views) -> str:
        if product.summary:
            return v.text(product.summary).text
        producer = catalogue.producers[product.producer]
        return f"{v.text(product.name).text} – {v.text(producer.name).text}"

    def image(v: Views) -> str | None:
        return (
            v.picture(product.photos[0], v.text(product.name), "").src if product.photos else None
        )

    return PageSpec(
        Route("product", product.slug),
        "product.html",
        data,
        lambda v: v.text(product.name).text,
        description=description,
        og_type="product",
        image=image,
        # a product without a GTIN: its QR code opens this page, asking (?scan) for the
        # reader's language as a GTIN's page does; an address without it never is switched
        meta={} if product.gtin else {"autolang": SCANNED},
        depends=showing(*product_shows(catalogue, product)),
    )


def product_shows(catalogue: Catalogue, product: Product) -> list[object]:
    """The records a product's page shows: itself, its related products, its events."""
    return [
        product,
        *catalogue.related(product),
        *(event for event in catalogue.events if event.involves(product)),
    ]
