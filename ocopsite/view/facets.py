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
    """The facet values of ``product`` at the build date, keyed by facet name.

    Worked out once per product of a catalogue: the browse pages and the search index
    of each language ask for every product's (the result is shared: do not change it).
    """
    memo: dict[int, tuple[Product, dict[str, tuple[str, ...]]]]
    memo = vars(catalogue).setdefault(_MEMO, {})
    found = memo.get(id(product))
    if found is not None and found[0] is product:
        return found[1]
    facets = _product_facets(catalogue, product)
    memo[id(product)] = (product, facets)  # the product is kept, so its id() is not reused
    return facets


#: Where :func:`product_facets` keeps what it worked out, in the catalogue's own attributes
#: (as :func:`functools.cached_property` does): they go when the catalogue goes.
_MEMO = "_product_facets"


def _product_facets(catalogue: Catalogue, product: Product) -> dict[str, tuple[str, ...]]:
    as_of = catalogue.config.build_date
    producer = catalogue.producers[product.producer]
    ocop = product.ocop
    grant = ocop.grant
    rating = validity(ocop.status, grant.date, grant.expires, as_of)
    certifications = (*product.certifications, *producer.certifications)
    schemes = {
        cert.scheme
        for cert in certifications
        if validity(cert.status, cert.issued, cert.expires, as_of).in_force
    }
    return {
        "category": (product.category,),
        "province": (producer.province,),
        "stars": (str(grant.stars or 0),) if rating.in_force else (),
        "certification": tuple(s for s in CERTIFICATION_SCHEMES if s in schemes) if schemes else (),
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
