"""Rebuilding only what an edit affects, and writing only files whose bytes changed.

Every page gets a *key*: a hash of everything it shows. That is the site-wide
key (config, theme, ocopsite's code, build date and base URL), the page's
route, and the stamps of the records it shows. A product page shows the
product and its producer; a listing shows every product in its list (so
re-ordering is caught); the home, browse and other site-wide pages depend on
every record. A page whose key is the one recorded for its file by the last
build, and whose file is still there, is not rendered again.

Files are replaced by writing a temporary file beside them and renaming it,
so a reader of the live site never sees half a file, and a file whose new
bytes equal its old ones is not touched at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .catalogue import Catalogue
from .config import CONFIG_NAME
from .facets import facet_index
from .model import Product
from .pages import PageSpec
from .render import ranked
from .urls import Urls
from .views import Views

MANIFEST = "output-manifest.json"
FORMAT = 2
_PRODUCT_ROUTES = {"product", "slug_lot", "product_label", "slug_lot_label"}
_GTIN_ROUTES = {"gtin", "lot", "gtin_label", "lot_label"}


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]


def page_keys(
    catalogue: Catalogue, specs: Iterable[PageSpec], site_key: str, views: Iterable[Views]
) -> list[str]:
    """The key of each spec (the same in every language: the language is in the path).

    A page of a listing depends on the products it shows in each language (in
    the listing's order) and on the listing's length, so an edit re-renders
    only the pages a product leaves, joins or is shown on.
    """
    stamps = catalogue.stamps
    producers = catalogue.producers
    # What a product's card or page shows comes from it and its producer; looked up
    # once here by slug, as a listing asks for it on every page (Path keys are slow).
    product_deps = {
        p.slug: f"{stamps[p.bundle]}:{stamps[producers[p.producer].bundle]}"
        for p in catalogue.products
    }

    def of(products: Iterable[Product]) -> list[str]:
        return [product_deps[product.slug] for product in products]

    everything = _hash(site_key, *sorted(stamps.values()))
    by_slug = catalogue.product_by_slug
    by_gtin = {p.gtin: p for p in catalogue.products if p.gtin}
    facets = facet_index(catalogue)
    languages = list(views)
    per_page = catalogue.config.per_page
    news = {n.slug: n for n in catalogue.news}
    keys = []
    for spec in specs:
        route = spec.route
        if route.kind == "product":  # also shows related products and its events
            product = by_slug[route.key]
            deps = of([product, *catalogue.related(product)])
            deps += [stamps[e.bundle] for e in catalogue.events if e.involves(product)]
        elif route.kind in _PRODUCT_ROUTES:
            deps = of([by_slug[route.key]])
        elif route.kind in _GTIN_ROUTES:
            deps = of([by_gtin[route.key]])
        elif route.kind == "producers":  # a page of the list of producers
            start = (route.page - 1) * per_page
            shown = list(producers.values())[start : start + per_page]
            deps = [str(len(producers))]
            for producer in shown:
                deps += [stamps[producer.bundle], str(len(catalogue.products_of(producer.slug)))]
        elif route.kind == "producer":
            producer = producers[route.key]
            deps = [stamps[producer.bundle], *of(catalogue.products_of(route.key))]
            deps += [stamps[e.bundle] for e in catalogue.events]  # the events it takes part in
        elif route.kind in ("facet", "products"):
            items = facets[route.key][route.value] if route.kind == "facet" else catalogue.products
            start = (route.page - 1) * per_page
            deps = [str(len(items))]
            for language in languages:
                deps += of(ranked(items, language)[start : start + per_page])
        elif route.kind == "news":
            item = news[route.key]
            deps = [stamps[item.bundle], *of(by_slug[s] for s in item.products)]
        else:  # home, lists of everything, browse, search, 404
            deps = [everything]
        keys.append(_hash(site_key, repr(route), *deps))
    return keys


@dataclass(frozen=True)
class Manifest:
    """What the last build into a folder made: each page's key, and every file."""

    pages: dict[str, str]
    files: frozenset[str]


def load(cache_dir: Path, out: Path, site_key: str) -> Manifest | None:
    """The manifest of the last build into ``out``, if it had the same site key."""
    try:
        record = json.loads((cache_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(record, dict)
        or record.get("version") != FORMAT
        or record.get("out") != str(out)
        or record.get("site") != site_key
        or not isinstance(record.get("pages"), dict)
        or not isinstance(record.get("files"), list)
    ):
        return None  # another build's, an older ocopsite's, or damaged: build in full
    return Manifest(record["pages"], frozenset(record["files"]))


def save(cache_dir: Path, out: Path, site_key: str, manifest: Manifest) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = cache_dir / f".{MANIFEST}.{os.getpid()}"
    record = {
        "version": FORMAT,
        "out": str(out),
        "site": site_key,
        "pages": manifest.pages,
        "files": sorted(manifest.files),
    }
    temporary.write_text(json.dumps(record), "utf-8")
    temporary.replace(cache_dir / MANIFEST)


def write_if_changed(root: Path, rel: str, data: bytes | str) -> bool:
    """Write ``data`` to ``root/rel`` by temporary file and rename, unless it is already there."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target = root / rel
    try:
        if target.stat().st_size == len(payload) and target.read_bytes() == payload:
            return False
    except OSError:
        target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(payload)
    temporary.replace(target)
    return True


def remove(root: Path, stale: Iterable[str]) -> int:
    """Delete the files ``stale`` under ``root``, and the folders that leaves empty."""
    removed = 0
    folders: set[Path] = set()
    for rel in stale:
        path = root / rel
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed += 1
        folders.update(path.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_relative_to(root) and folder != root:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when empty
    return removed


def site_key(urls: Urls, catalogue: Catalogue, theme_fingerprint: str, code: str) -> str:
    """What every page depends on: config, theme, ocopsite, build date and base URL."""
    config = catalogue.config
    return _hash(
        urls.base_url,
        config.build_date.isoformat(),
        theme_fingerprint,
        code,
        stamps_of_config(config.root),
    )


def stamps_of_config(root: Path) -> str:
    try:
        return hashlib.sha256((root / CONFIG_NAME).read_bytes()).hexdigest()
    except OSError:
        return ""


def forget(cache_dir: Path) -> None:
    """Drop the manifest, so that the next build renders everything."""
    (cache_dir / MANIFEST).unlink(missing_ok=True)
