"""The offline pack: the catalogue, or one province of it, saved on a visitor's phone.

After a build has written every file, :func:`write` lists, per language, what a
visitor needs without signal: the pages of each product (its page, its check page
and its lots' scan pages), of their producers, the home, search and explainer
pages, the theme's files, the search index and the smallest variant of every
photo. Each pack is a content-hashed JSON list of ``[href, bytes, hash]``; the
index ``offline/packs.json`` names every pack with its size, so the size is shown
before anything is downloaded. The service worker ``sw.js`` at the site root
carries a version that changes whenever a pack does: browsers fetch it again on
the next visit, and it then downloads only the files whose hash changed.

Pages keep their "information as of" date and ``ocop.js`` re-checks every validity
date against the reader's day, so a saved scan page never shows a verdict as
current without saying when it was true.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from json.encoder import encode_basestring_ascii as _string
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocopsite import keptfiles
from ocopsite.load.catalogue import Catalogue
from ocopsite.load.recordcache import code_fingerprint
from ocopsite.model import Product
from ocopsite.model.provinces import provinces
from ocopsite.paths import DATA_DIR
from ocopsite.search import index as search
from ocopsite.trace.lots import lot_route, product_route
from ocopsite.view.pages import PageSpec, showing
from ocopsite.view.urls import Route, Urls

if TYPE_CHECKING:
    from ocopsite.view.views import Views

FOLDER = "packs"
INDEX = f"{FOLDER}/index.json"
SCRIPT = "sw.js"
#: A file's size and the start of its SHA-256: how a saved pack tells a changed file.
Digest = tuple[int, str]
#: The bytes an output file (by path) will hold once the build is published.
Reader = Callable[[str], bytes]
#: The digests (size, start of SHA-256) of output files, by path, as far as they are known.
Digests = Mapping[str, Digest]
SCRIPT_SOURCE = DATA_DIR / "sw.js"
WEB_MANIFEST = "manifest.webmanifest"
#: Every pack has the pages a visitor moves between, whichever products it holds.
COMMON_ROUTES = ("home", "search", "about_ocop", "offline", "events", "products", "producers")


@dataclass(frozen=True)
class Pack:
    key: str  # "all" or a province slug
    lang: str
    name: str
    hrefs: tuple[str, ...]
    #: Pages saved as another page: a product's check page (/01/<GTIN>/) as its page.
    aliases: tuple[tuple[str, str], ...]
    products: int


def digest(data: bytes) -> Digest:
    return len(data), hashlib.sha256(data).hexdigest()[:12]


def _product_routes(product: Product) -> list[Route]:
    return [Route("product", product.slug), *(lot_route(product, lot) for lot in product.lots)]


#: A product's files in a pack (hrefs), and its pages saved as another (href, page href).
_ProductFiles = tuple[list[str], list[tuple[str, str]]]
#: The folder, in the build's cache, where the links of each product's pages are kept.
PACK_CACHE = "offline-pages"


def _page_hrefs(urls: Urls, product: Product, lang: str) -> tuple[bytes, bytes]:
    """The links to ``product``'s pages in ``lang`` (a line each), and those of its pages
    saved as another (``href\tpage href`` a line), as kept between builds."""
    hrefs = [urls.href(route, lang) for route in _product_routes(product)]
    aliases = []
    checked = product_route(product)
    if checked.kind != "product":  # the page its QR code opens says the same
        aliases.append(f"{urls.href(checked, lang)}\t{hrefs[0]}")
    return "\n".join(hrefs).encode("utf-8"), "\n".join(aliases).encode("utf-8")


def _page_files(urls: Urls, langs: tuple[str, ...], product: Product) -> list[bytes]:
    return [part for lang in langs for part in _page_hrefs(urls, product, lang)]


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8").split("\n") if data else []


def packs(
    catalogue: Catalogue,
    urls: Urls,
    province_names: dict[str, dict[str, str]],
    assets: Iterable[str],
    search_files: Iterable[str],
    thumbnails: dict[str, str],
    cache: Path | None = None,
) -> list[Pack]:
    """Every pack of the site: the whole catalogue and each province, in each language.

    ``province_names`` maps a language to province names by slug; ``assets`` and
    ``search_files`` are output paths; ``thumbnails`` maps a photo's source path to
    the output path of its smallest variant. With ``cache`` (a folder), the links to
    each product's pages are kept there under its bundle's stamp (see
    :class:`~ocopsite.keptfiles.KeptParts`), and only an edited product's are worked
    out again.
    """
    langs = catalogue.config.languages
    shared = [urls.href_of_output(rel) for rel in (*assets, *search_files, WEB_MANIFEST)]
    by_province: dict[str, list[Product]] = {}
    for product in catalogue.products:
        province = catalogue.producers[product.producer].province
        by_province.setdefault(province, []).append(product)
    environment = (
        keptfiles.environment(catalogue.config.root, code_fingerprint(), urls.base_url, *langs)
        if cache is not None
        else None
    )
    columns = [f"{lang}.{part}" for lang in langs for part in ("pages", "aliases")]
    pages = keptfiles.KeptParts(cache, environment, columns)
    stamps = catalogue.stamps
    # a product is in the whole catalogue's pack and in its province's: its files once
    files: dict[str, dict[str, _ProductFiles]] = {lang: {} for lang in langs}
    for product in catalogue.products:
        kept = pages.get(
            product.slug, stamps.get(product.bundle), partial(_page_files, urls, langs, product)
        )
        photos = [urls.href_of_output(thumbnails[ph.file.path.as_posix()]) for ph in product.photos]
        for index, lang in enumerate(langs):
            hrefs = _lines(kept[2 * index])
            aliases = [
                (alias, page)
                for line in _lines(kept[2 * index + 1])
                for alias, _, page in [line.partition("\t")]
            ]
            files[lang][product.slug] = ([*hrefs, *photos], aliases)
    pages.save()
    result = []
    for lang in langs:
        common = [urls.href(Route(kind), lang) for kind in COMMON_ROUTES]
        producer_hrefs: dict[str, str] = {}

        def pack(
            key: str,
            name: str,
            products: list[Product],
            lang: str = lang,
            common: list[str] = common,
            files: dict[str, _ProductFiles] = files[lang],
            producer_hrefs: dict[str, str] = producer_hrefs,
        ) -> Pack:
            hrefs = [*common, *shared]
            aliases = []
            for slug in sorted({p.producer for p in products}):
                href = producer_hrefs.get(slug)
                if href is None:
                    href = producer_hrefs[slug] = urls.href(Route("producer", slug), lang)
                hrefs.append(href)
            for product in products:
                product_hrefs, product_aliases = files[product.slug]
                hrefs += product_hrefs
                aliases += product_aliases
            return Pack(key, lang, name, tuple(dict.fromkeys(hrefs)), tuple(aliases), len(products))

        result.append(pack("all", "", list(catalogue.products)))
        for province, products in sorted(by_province.items()):
            result.append(pack(province, province_names[lang][province], products))
    return result


def write(
    read: Reader,
    known: Digests,
    urls: Urls,
    site_packs: list[Pack],
    script: bytes,
    title: str,
    icon: str,
) -> dict[str, bytes]:
    """The pack lists, their index, the service worker and the web app manifest, by path.

    ``read`` gives the bytes an output file will have once the build is published
    (OSError for a file the site does not have): the packs list the size and hash of
    every file, so this runs after everything else is made; a file whose digest is
    ``known`` is not read. The web app manifest is among the files the packs list, so
    it is taken from ``manifest`` rather than ``read``.

    A pack lists ``[href, size, hash]`` for each file, and ``[href, 0, "", page]`` for
    each page saved as another, as ``json.dumps(..., separators=(",", ":"))`` writes
    them: each file's entry is encoded once, for every pack it is in.
    """
    manifest = web_manifest(urls, title, icon)
    # by href: the encoded entry and the size of each file, "" and 0 for one the site lacks
    entries: dict[str, str] = {}
    sizes: dict[str, int] = {}

    def add(href: str) -> None:
        rel = urls.output_of_href(href)
        found = digest(manifest) if rel == WEB_MANIFEST else known.get(rel)
        if found is None:
            try:
                found = digest(read(rel))
            except OSError:
                entries[href], sizes[href] = "", 0  # a kind of page this site does not have
                return
        entries[href] = f"[{_string(href)},{found[0]},{_string(found[1])}]"
        sizes[href] = found[0]

    index: dict[str, list[dict[str, object]]] = {}
    written: dict[str, bytes] = {}
    for pack in site_packs:
        # each file's entry made once, for every pack it is in (most are in two), in the
        # pack's order (so that which unreadable file is told first never varies); a pack's
        # hrefs are then looked up without a loop of Python's
        for href in dict.fromkeys(pack.hrefs):
            if href not in entries:
                add(href)
        texts = list(filter(None, map(entries.__getitem__, pack.hrefs)))
        size = sum(map(sizes.__getitem__, pack.hrefs))
        texts += [f'[{_string(href)},0,"",{_string(page)}]' for href, page in pack.aliases]
        data = f"[{','.join(texts)}]".encode()
        name = f"{FOLDER}/{pack.lang}-{pack.key}.{hashlib.sha256(data).hexdigest()[:10]}.json"
        href = urls.root_file(name)[0]
        written[name] = data
        index.setdefault(pack.lang, []).append(
            {
                "key": pack.key,
                "name": pack.name,
                "files": len(texts),
                "products": pack.products,
                "bytes": size,
                "list": href,
            }
        )
    packs_data = json.dumps(index, ensure_ascii=False, sort_keys=True).encode()
    written[INDEX] = packs_data
    version = hashlib.sha256(packs_data).hexdigest()[:12]
    # each language's "Save for offline" page (saved in every pack), by the start of that
    # language's addresses, longest first: what a page not saved opens without a signal
    starts = sorted(
        (
            (urls.href(Route("home"), lang), urls.href(Route("offline"), lang))
            for lang in urls.languages
        ),
        key=lambda pair: -len(pair[0]),
    )
    written[SCRIPT] = (
        script.replace(b"__VERSION__", version.encode())
        .replace(b"__ROOT__", urls.base_path.encode())
        .replace(b"__INDEX__", urls.root_file(INDEX)[0].encode())
        .replace(b"__OFFLINE__", json.dumps(dict(starts), separators=(",", ":")).encode())
    )
    written[WEB_MANIFEST] = manifest
    return written


def web_manifest(urls: Urls, title: str, icon: str) -> bytes:
    """The web app manifest: the site opens from the home screen like an app."""
    base = urls.href(Route("home"), urls.languages[0])
    data = {
        "name": title,
        "short_name": "OCOP",
        "start_url": base,
        "scope": base,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b6e4f",
        "icons": [{"src": icon, "sizes": "any", "type": "image/svg+xml"}],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def search_outputs(read: Reader, urls: Urls) -> list[str]:
    """The search manifest, the index files it names and the files they name
    (:func:`search.index_hrefs`), as output paths."""
    manifest_rel = urls.search_file(search.MANIFEST)[1]
    found = [manifest_rel]
    try:
        named = json.loads(read(manifest_rel).decode("utf-8"))
    except (OSError, ValueError):
        return found
    base = urls.base_path
    values = named.values() if isinstance(named, dict) else []
    indexes = [v[len(base) :] for v in values if isinstance(v, str) and v.startswith(base)]
    found += indexes
    for rel in indexes:
        # an index names its shards, parts and code tables, which the search loads too
        try:
            index = json.loads(read(rel).decode("utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(index, dict):
            continue
        hrefs = search.index_hrefs(index)
        found += [h[len(base) :] for h in hrefs if isinstance(h, str) and h.startswith(base)]
    return found


def build_pack(
    read: Reader,
    known: Digests,
    catalogue: Catalogue,
    urls: Urls,
    assets: dict[str, str],
    thumbnails: dict[str, str],
    cache: Path | None = None,
) -> dict[str, bytes]:
    """Every file of the offline pack, for the site whose files ``read`` gives
    (and whose digests ``known`` gives, as far as they are known: see :func:`write`).

    ``assets`` maps the theme's file names to their hashed names; ``thumbnails``
    a photo's source path to the output path of its smallest variant; ``cache`` is
    where :func:`packs` keeps the links of each product's pages between builds.
    """
    names = {
        lang: {slug: p.name(lang) for slug, p in provinces().items()}
        for lang in catalogue.config.languages
    }
    site_packs = packs(
        catalogue,
        urls,
        names,
        [urls.asset_output(hashed) for hashed in assets.values()],
        search_outputs(read, urls),
        thumbnails,
        cache,
    )
    title = catalogue.config.title.first()
    icon = urls.asset(assets["favicon.svg"]) if "favicon.svg" in assets else ""
    return write(read, known, urls, site_packs, SCRIPT_SOURCE.read_bytes(), title, icon)


def page() -> PageSpec:
    """The page that offers the packs, with their sizes, to save (needs JavaScript)."""

    def data(v: Views) -> dict[str, Any]:
        return {
            "index": v.urls.root_file(INDEX)[0],
            "script": v.urls.root_file(SCRIPT)[0],
            "scope": v.urls.href(Route("home"), v.urls.languages[0]),
            "own": v.href(Route("offline")),
        }

    return PageSpec(
        Route("offline"),
        "offline.html",
        data,
        lambda v: v.t("offline.title"),
        depends=showing(),  # the packs' sizes are read by the page's script
    )
