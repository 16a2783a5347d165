"""The code tables of the search index: what a GTIN or a lot code typed, or read under a
barcode, finds.

Each language has its own tables (a match links to a page in that language), in shards
of :data:`CODES_PER_SHARD` products, so that no file is large: search.js reads only the
shard of the code typed (:func:`code_shard`, which it computes the same way).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocopsite.keptfiles import kept
from ocopsite.load.catalogue import Catalogue
from ocopsite.model import gtin
from ocopsite.model.vietnamese import NON_WORD, fold
from ocopsite.search.encoding import cache_entry, encode, keep_entry
from ocopsite.trace.lots import lot_route, product_route
from ocopsite.view.views import Views

#: Products per shard of the code tables (GTINs and lot codes), so that no file is large.
CODES_PER_SHARD = 4000


def code_key(code: str) -> str:
    """How a GTIN or lot code is looked up: folded, without spaces or punctuation.

    Eight or more digits become the 14-digit form of a GTIN, so the digits under a
    barcode find it with or without leading zeros. search.js computes the same key.
    """
    key = NON_WORD.sub("", fold(code))
    if key.isdigit() and len(key) >= 8 and len(key.lstrip("0")) <= 14:
        return key.lstrip("0").zfill(14)
    return key


def code_shard(key: str, shards: int) -> int:
    """The shard of the code tables that holds ``key`` (search.js computes the same)."""
    return sum(ord(ch) for ch in key) % shards


def code_shards(catalogue: Catalogue, views: Views) -> list[bytes]:
    """The code tables of one language, split into shards by :func:`code_shard`.

    Each maps a :func:`code_key` to its matches, [product position, href, code as
    printed]: a GTIN to its product's scan page, a lot code to its lot's page
    (a lot code may be shared by lots of several products).
    """
    entries: list[tuple[str, int, str, str]] = []
    for position, product in enumerate(catalogue.products):
        if product.gtin:
            entries.append(
                (
                    code_key(product.gtin),
                    position,
                    views.href(product_route(product)),
                    gtin.display(product.gtin),
                )
            )
        for lot in product.lots:
            entries.append(
                (code_key(lot.code), position, views.href(lot_route(product, lot)), lot.code)
            )
    shards = max(1, -(-len(catalogue.products) // CODES_PER_SHARD))
    tables: list[dict[str, list[Any]]] = [{} for _ in range(shards)]
    for key, position, href, code in entries:
        tables[code_shard(key, shards)].setdefault(key, []).append([position, href, code])
    return [encode(table) for table in tables]


#: The folder, in the build's cache, of the code shards kept between builds.
CODES_CACHE = "search-codes"


def code_files(
    catalogue: Catalogue, views: Views, cache: Path | None = None, read: str | None = None
) -> list[bytes]:
    """:func:`code_shards`, kept in ``cache`` (a folder) between builds.

    They are kept under a hash of everything :func:`code_shards` reads (the language, the
    addresses, each product's slug, GTIN and lot codes in order) and of ocopsite's code,
    and taken from there when that hash is the same: an edit that changes no code (a
    rating, a name, a photo) does not make every code's link again. A missing or damaged
    entry is made again; only the latest entry of each language is kept.
    """
    if cache is None:
        return code_shards(catalogue, views)
    entry = cache_entry(
        cache,
        views.lang,
        {
            "lang": views.lang,
            "urls": repr(views.urls),
            "per_shard": CODES_PER_SHARD,
            "products": read if read is not None else code_inputs(catalogue),
        },
    )
    found = kept(entry)
    if found is not None and list(found) == [str(n) for n in range(len(found))]:
        return list(found.values())
    shards = code_shards(catalogue, views)
    keep_entry(entry, {str(number): shard for number, shard in enumerate(shards)})
    return shards


def code_inputs(catalogue: Catalogue) -> str:
    """What :func:`code_shards` reads of the products, in every language: each one's slug,
    GTIN and lot codes in order, as the ``repr`` of a list (see
    :func:`~ocopsite.search.encoding.cache_entry`)."""
    return repr([(p.slug, p.gtin or "", [lot.code for lot in p.lots]) for p in catalogue.products])
