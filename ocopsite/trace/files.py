"""The files beside the traceability pages: every product's and lot's QR code (SVG and PNG),
printable label sheets, lab documents, the GTIN's linkset (RFC 9264, with GS1 Web
Vocabulary link types) and the site's ``/.well-known/gs1resolver`` description.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from ocopsite import sitefiles
from ocopsite.assets import cache
from ocopsite.load.catalogue import Catalogue
from ocopsite.model import Product
from ocopsite.trace import labels, qr
from ocopsite.trace.lots import GS1_VOC, label_route, label_withheld, lot_route, product_route
from ocopsite.view.urls import Route, Urls


def qr_uris(catalogue: Catalogue, urls: Urls) -> set[str]:
    """What every QR code of the site encodes: each product's URI and each lot's."""
    return {
        urls.qr_uri(route)
        for product in catalogue.products
        for route in (product_route(product), *(lot_route(product, lot) for lot in product.lots))
    }


#: One of a product's outputs: (paths, make its files by path, what it depends on).
ProductOutput = tuple[tuple[str, ...], Callable[[], dict[str, bytes]], Callable[[], list[object]]]


def _qr_files(uri: str, svg: str, png: str) -> dict[str, bytes]:
    code = qr.make(uri)  # made once, for both files
    return {svg: code.svg, png: code.png}


def _one(path: str, make: Callable[[], bytes]) -> dict[str, bytes]:
    return {path: make()}


def product_outputs(
    catalogue: Catalogue,
    urls: Urls,
    product: Product,
    cache_root: Path | None = None,
) -> list[ProductOutput]:
    """A product's QR codes, label sheets, lab documents and linkset, with their dependencies.

    The paths are known without making anything, so a rebuild can tell which
    files belong to the site and which changed. A QR code depends on its URI, a
    label on what it prints; lab documents and the linkset on the product's
    record. Label sheets, the slowest to draw, are kept in ``cache_root/labels``.
    """
    label_cache = cache_root / "labels" if cache_root is not None else None
    default = catalogue.config.default_language
    name = product.name.get(default) or product.name.first()
    targets = [(product_route(product), label_route(product), None)] + [
        (lot_route(product, lot), label_route(product, lot), lot) for lot in product.lots
    ]
    outputs: list[ProductOutput] = []
    for route, label, lot in targets:
        uri = urls.qr_uri(route)
        svg, png = urls.file_in(route, "qr.svg")[1], urls.file_in(route, "qr.png")[1]
        outputs.append(((svg, png), partial(_qr_files, uri, svg, png), partial(list, [uri])))
        if catalogue.config.label_sheets and not label_withheld(
            product, lot, catalogue.config.build_date
        ):
            sheet = labels.Label(uri, name, product.ocop.stars, lot.code if lot else None)
            path = urls.file_in(label, "label.png")[1]
            make = partial(_one, path, partial(_label_png, sheet, label_cache))
            outputs.append(((path,), make, partial(list, [repr(sheet)])))
        for test in lot.lab_tests if lot else ():
            if test.document:
                path = urls.file_in(route, test.document.name)[1]
                document = test.document.path
                read = partial(sitefiles.read_bytes, document, document.parent)
                make = partial(_one, path, read)
                outputs.append(((path,), make, partial(list, [product])))
    if product.gtin:
        path = urls.file_in(Route("gtin", product.gtin), "linkset.json")[1]
        make = partial(_one, path, partial(linkset, catalogue, urls, product))
        outputs.append(((path,), make, partial(list, [product])))
    return outputs


def _label_png(sheet: labels.Label, cache_dir: Path | None) -> bytes:
    """A label sheet's PNG, kept in ``cache_dir`` (when given) under its content's key."""
    return cache.cached_bytes(
        cache_dir,
        cache.key("label", labels.VERSION, qr.encoder(), repr(sheet)) + ".png",
        lambda: labels.sheet_png(sheet),
    )


def _link(urls: Urls, route: Route, title: str, lang: str) -> dict[str, Any]:
    return {
        "href": urls.absolute(route, lang),
        "title": title,
        "type": "text/html",
        "hreflang": [lang],
    }


def linkset(catalogue: Catalogue, urls: Urls, product: Product) -> bytes:
    """The RFC 9264 linkset of a GTIN and its lots, with GS1 Web Vocabulary link types."""
    assert product.gtin is not None
    languages = catalogue.config.languages
    title = {lang: product.name.get(lang) or product.name.first() for lang in languages}
    gtin_route = Route("gtin", product.gtin)
    certificates = [c for c in product.certifications if c.url]
    entries: list[dict[str, Any]] = [
        {
            "anchor": urls.qr_uri(gtin_route),
            f"{GS1_VOC}defaultLink": [_link(urls, gtin_route, title[languages[0]], languages[0])],
            f"{GS1_VOC}pip": [
                _link(urls, Route("product", product.slug), title[lang], lang) for lang in languages
            ],
            f"{GS1_VOC}traceability": [
                _link(urls, lot_route(product, lot), f"{title[lang]} · {lot.code}", lang)
                for lot in product.lots
                for lang in languages
            ],
            **(
                {
                    f"{GS1_VOC}certificationInfo": [
                        {"href": c.url, "title": f"{c.scheme} {c.number}"} for c in certificates
                    ]
                }
                if certificates
                else {}
            ),
        }
    ]
    for lot in product.lots:
        route = lot_route(product, lot)
        entries.append(
            {
                "anchor": urls.qr_uri(route),
                f"{GS1_VOC}defaultLink": [
                    _link(urls, route, f"{title[languages[0]]} · {lot.code}", languages[0])
                ],
                f"{GS1_VOC}traceability": [
                    _link(urls, route, f"{title[lang]} · {lot.code}", lang) for lang in languages
                ],
            }
        )
    entries = [{k: v for k, v in e.items() if v} for e in entries]
    # one line: with an indent, the standard library encodes in Python, not in C (3× slower)
    return (json.dumps({"linkset": entries}, ensure_ascii=False) + "\n").encode()


def resolver_description(catalogue: Catalogue, urls: Urls) -> bytes:
    """The ``/.well-known/gs1resolver`` document of a static (non-resolving) site."""
    title = catalogue.config.title
    data = {
        "name": title.get(catalogue.config.default_language) or title.first(),
        "resolverRoot": urls.base_url.rstrip("/"),
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
    }
    return (json.dumps(data, indent=1) + "\n").encode()
