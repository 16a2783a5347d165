"""The browse facets of a product: category, province, stars, certification and channel.

One definition serves the pre-rendered browse pages and the search index, so a
product is listed under the same values in both. A star level or certification
counts only while it is in force at the build date: a revoked 5-star rating
must not put a product on the "5 stars" page.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ocopsite.model import CATEGORIES, CERTIFICATION_SCHEMES, STAR_LEVELS
from ocopsite.model.provinces import provinces
from ocopsite.model.status import validity
from ocopsite.view.urls import FACETS

if TYPE_CHECKING:
    from ocopsite.load.catalogue import Catalogue
    from ocopsite.model import Product
    from ocopsite.view.i18n import Strings


def product_facets(catalogue: Catalogue, product: Product) -> dict[str, tuple[str, ...]]:
    """The facet values of ``product`` at the build date, keyed by facet name."""
    as_of = catalogue.config.build_date
    producer = catalogue.producers[product.producer]
    rating = validity(product.ocop.status, product.ocop.issued, product.ocop.expires, as_of)
    schemes = {
        cert.scheme
        for cert in (*product.certifications, *producer.certifications)
        if validity(cert.status, cert.issued, cert.expires, as_of).in_force
    }
    return {
        "category": (product.category,),
        "province": (producer.province,),
        "stars": (str(product.ocop.stars),) if rating.in_force else (),
        "certification": tuple(s for s in CERTIFICATION_SCHEMES if s in schemes),
        "channel": tuple(dict.fromkeys(item.channel for item in product.retail)),
    }


def facet_index(catalogue: Catalogue) -> dict[str, dict[str, tuple[Product, ...]]]:
    """For each facet, its values in display order, each with its products (by slug).

    Values no product has are left out, so no browse page is ever empty.
    """
    found: dict[str, dict[str, list[Product]]] = {f: defaultdict(list) for f in FACETS}
    for product in catalogue.products:
        for facet, values in product_facets(catalogue, product).items():
            for value in values:
                found[facet][value].append(product)
    order = {
        "category": list(CATEGORIES),
        "province": list(provinces()),
        "stars": [str(s) for s in reversed(STAR_LEVELS)],
        "certification": list(CERTIFICATION_SCHEMES),
        "channel": list(catalogue.config.retailers),
    }
    return {
        facet: {
            value: tuple(found[facet][value]) for value in order[facet] if value in found[facet]
        }
        for facet in FACETS
    }


def facet_label(facet: str, value: str, catalogue: Catalogue, t: Strings) -> str:
    """The human name of one facet value in the language of ``t``."""
    if facet == "category":
        return t(f"category.{value}")
    if facet == "province":
        return provinces()[value].name(t.lang)
    if facet == "stars":
        return t("stars.short", n=int(value))
    if facet == "certification":
        return t(f"scheme.{value}")
    retailer = catalogue.config.retailers[value].name
    return retailer.get(t.lang) or retailer.first()
