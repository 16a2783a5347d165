"""What each product gives the columns of the search index, kept between builds.

:func:`~ocopsite.search.index.build_index` orders, filters and shows products by
columns of values, one per product. Working a product's values out (its facets at
the build date, when its rating changes, its certifications' labels) is most of the
cost of an index, and an edit changes one product's: so each product's values, in
every language, are kept in the build's cache with its token (the stamps of its
bundle and of its producer's, which is all they are made from), and only a product
whose token changed is worked out again (see :func:`columns`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ocopsite.keptfiles import KeptParts, environment
from ocopsite.load.catalogue import Catalogue
from ocopsite.load.recordcache import code_fingerprint
from ocopsite.model import CATEGORIES, CERTIFICATION_SCHEMES, Product, ratings
from ocopsite.model.status import STATES, validity
from ocopsite.model.vietnamese import slugify
from ocopsite.view.facets import product_facets

#: The folder, in the build's cache, of the products' values kept between builds.
ROWS_CACHE = "search-rows"
#: The columns of :func:`~ocopsite.search.index.build_index` that are the same in every
#: language ("m" holds the producer's key here, its position in the index), then those
#: that are not: a row is these, then the second for each language in turn.
COMMON = ("m", "c", "k", "e", "u", "x", "h", "g", "i")
IN_LANGUAGE = ("n", "v", "s", "o")
#: The order of the columns in an index.
ORDER = "nvsmckeuxohgi"
#: The one column of the kept parts: each product's row, as JSON.
ROW = "rows"
#: Version of the rows' layout, part of every entry's name.
_LAYOUT = 1


def _text(value: Any, lang: str) -> str:
    return value.get(lang) or value.first()


def changes(product: Product, as_of: dt.date) -> list[int]:
    """When the rating's state changes after the build: [days after it, state index, ...]."""
    flat: list[int] = []
    state = ratings.state_on(product.ocop, as_of).state
    for day in ratings.turning_days(product.ocop):
        if day > as_of:
            now = ratings.state_on(product.ocop, day).state
            if now != state:
                flat += [(day - as_of).days, STATES.index(now)]
                state = now
    return flat


def other_labels(catalogue: Catalogue, product: Product, lang: str) -> str:
    """The printed names of a product's "other" certifications in force, "|"-separated."""
    producer = catalogue.producers[product.producer]
    as_of = catalogue.config.build_date
    labels = [
        _text(cert.label, lang)
        for cert in (*product.certifications, *producer.certifications)
        if cert.label and validity(cert.status, cert.issued, cert.expires, as_of).in_force
    ]
    return "|".join(dict.fromkeys(labels))


_SCHEME_BIT = {key: 1 << n for n, key in enumerate(CERTIFICATION_SCHEMES)}
_CATEGORY = {key: n for n, key in enumerate(CATEGORIES)}


def row(catalogue: Catalogue, product: Product, langs: Sequence[str]) -> list[Any]:
    """The values of ``product`` in the columns :data:`COMMON`, then in
    :data:`IN_LANGUAGE` for each of ``langs``."""
    config = catalogue.config
    as_of = config.build_date
    retailers = list(config.retailers)
    facets = product_facets(catalogue, product)
    stars = product.ocop.stars
    made: list[Any] = [
        product.producer,
        _CATEGORY[product.category],
        stars if facets["stars"] else -stars,
        STATES.index(ratings.state_on(product.ocop, as_of).state),
        changes(product, as_of),
        sum(_SCHEME_BIT[s] for s in facets["certification"]),
        [retailers.index(c) for c in facets["channel"]],
        ",".join(product.tags),
        1 if product.photos else 0,
    ]
    default = config.default_language
    for lang in langs:
        name = _text(product.name, lang)
        own = _text(product.name, default)
        made += [
            name,
            own if own != name else "",
            "" if slugify(name) == product.slug else product.slug,
            other_labels(catalogue, product, lang),
        ]
    return made


def _environment(catalogue: Catalogue, langs: Sequence[str]) -> str | None:
    """A hash of everything a row is made with besides its product and producer (the site's
    config among them: see :func:`~ocopsite.keptfiles.environment`)."""
    config = catalogue.config
    return environment(
        config.root,
        str(_LAYOUT),
        code_fingerprint(),
        config.build_date.isoformat(),
        config.default_language,
        "\t".join(langs),
        "\t".join(config.retailers),
    )


def _tokens(catalogue: Catalogue) -> list[str | None]:
    """Each product's token (:meth:`~ocopsite.load.catalogue.Catalogue.product_token`), in
    catalogue order."""
    return [catalogue.product_token(product) for product in catalogue.products]


#: Tokens of products without any (a build without a cache).
_NONE = itertools.repeat(None)


def _encode(values: list[Any]) -> bytes:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def columns(
    catalogue: Catalogue, langs: Sequence[str], cache: Path | None = None
) -> dict[str, dict[str, list[Any]]]:
    """The product columns of :func:`~ocopsite.search.index.build_index` in each of
    ``langs``, by language, products in catalogue order.

    With ``cache`` (a folder), each product's row (:func:`row`) is kept there with its
    token, and taken from there while the token and what every row is made with (the
    languages, the build date, the retailers, ocopsite's code) are the same; a missing
    or damaged entry is made again. Only the latest entry is kept.
    """
    kept = KeptParts(cache, _environment(catalogue, langs) if cache else None, (ROW,))
    tokens = _tokens(catalogue) if kept.entry is not None else None
    rows = _rows(catalogue, langs, tokens, kept)
    if rows is None:  # kept rows that are not what was written: all made again
        kept.forget()
        rows = _rows(catalogue, langs, tokens, kept)
        assert rows is not None
    kept.save()
    producer_index = {key: n for n, key in enumerate(catalogue.producers)}
    width = len(COMMON) + len(IN_LANGUAGE) * len(langs)
    transposed = [list(values) for values in zip(*rows, strict=True)]
    transposed = transposed or [[] for _ in range(width)]
    common = dict(zip(COMMON, transposed, strict=False))
    common["m"] = [producer_index[key] for key in common["m"]]
    by_language: dict[str, dict[str, list[Any]]] = {}
    for place, lang in enumerate(langs):
        start = len(COMMON) + place * len(IN_LANGUAGE)
        own = dict(zip(IN_LANGUAGE, transposed[start : start + len(IN_LANGUAGE)], strict=True))
        both = {**common, **own}
        by_language[lang] = {key: both[key] for key in ORDER}
    return by_language


def _rows(
    catalogue: Catalogue,
    langs: Sequence[str],
    tokens: list[str | None] | None,
    kept: KeptParts,
) -> list[list[Any]] | None:
    """Every product's row, taken from ``kept`` while its token is the same (else made and
    given to it); ``None`` if a row taken is not a row."""
    rows: list[Any] = []
    hits: list[int] = []
    for product, token in zip(catalogue.products, tokens or _NONE, strict=False):
        made: list[list[Any]] = []

        def make(product: Product = product, made: list[list[Any]] = made) -> tuple[bytes]:
            made.append(row(catalogue, product, langs))
            return (_encode(made[0]),)

        (part,) = kept.get(product.slug, token, make)
        if made:
            rows.append(made[0])
        else:
            hits.append(len(rows))
            rows.append(part)
    if hits:
        width = len(COMMON) + len(IN_LANGUAGE) * len(langs)
        try:
            taken = json.loads(b"[" + b",".join(rows[n] for n in hits) + b"]")
        except ValueError:
            return None
        if not isinstance(taken, list) or len(taken) != len(hits):
            return None
        if not all(type(r) is list and len(r) == width for r in taken):
            return None
        for n, values in zip(hits, taken, strict=True):
            rows[n] = values
    return rows
