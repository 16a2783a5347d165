"""Machine-readable files: an Atom feed per language, the sitemap and robots.txt.

All are built from escaped values (the feed with ElementTree), and all dates come from the
records, so they are as deterministic as the pages.
"""

from __future__ import annotations

import contextlib
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from ocopsite.keptfiles import keep, kept
from ocopsite.load.catalogue import Catalogue
from ocopsite.load.recordcache import code_fingerprint
from ocopsite.view.pages import PageSpec
from ocopsite.view.urls import Route, Urls
from ocopsite.view.views import Views

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return _DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def atom_feed(catalogue: Catalogue, views: Views, urls: Urls) -> str:
    """The news of the site as an Atom 1.0 feed in the language of ``views``."""
    ET.register_namespace("", ATOM)
    lang = views.lang
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": lang})
    ET.SubElement(feed, f"{{{ATOM}}}title").text = views.text(catalogue.config.title).text
    ET.SubElement(feed, f"{{{ATOM}}}id").text = urls.absolute(Route("feed"), lang)
    ET.SubElement(
        feed, f"{{{ATOM}}}link", {"rel": "self", "href": urls.absolute(Route("feed"), lang)}
    )
    ET.SubElement(feed, f"{{{ATOM}}}link", {"href": urls.absolute(Route("news_index"), lang)})
    newest = max((n.date for n in catalogue.news), default=catalogue.config.build_date)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = f"{newest.isoformat()}T00:00:00Z"
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = views.text(catalogue.config.title).text
    for item in catalogue.news:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        link = urls.absolute(Route("news", item.slug), lang)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = views.text(item.title).text
        ET.SubElement(entry, f"{{{ATOM}}}id").text = link
        ET.SubElement(entry, f"{{{ATOM}}}link", {"href": link})
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = f"{item.date.isoformat()}T00:00:00Z"
        if item.summary:
            ET.SubElement(entry, f"{{{ATOM}}}summary").text = views.text(item.summary).text
        body = views.body(item.body)
        if body is not None:
            content = ET.SubElement(entry, f"{{{ATOM}}}content", {"type": "html"})
            content.text = str(body.html)
    return _xml(feed)


#: The sitemap protocol's limit of URLs per file; a larger site gets a sitemap index.
MAX_SITEMAP_URLS = 50_000
#: The folder, in the build's cache, of the sitemap files kept between builds.
SITEMAP_CACHE = "sitemap"


def sitemaps(specs: Iterable[PageSpec], urls: Urls, cache: Path | None = None) -> dict[str, bytes]:
    """:func:`sitemap_files` of the pages ``specs`` plans."""
    return sitemap_files([spec.route for spec in specs if spec.in_sitemap], urls, cache)


def sitemap_files(
    routes: Iterable[Route], urls: Urls, cache: Path | None = None
) -> dict[str, bytes]:
    """Every listed page in every language, each with its hreflang alternates.

    ``routes`` are those of the pages the sitemap lists, in the order
    :func:`~ocopsite.render.site.plan_pages` plans them (see :func:`_in_order`).

    Returns ``{"sitemap.xml": ...}``; above :data:`MAX_SITEMAP_URLS` URLs,
    ``sitemap.xml`` is a sitemap index of ``sitemap-1.xml``, ``sitemap-2.xml``, ...
    Entries are written as text, one at a time: at national scale an element
    tree of every URL would be the largest thing the build holds in memory.

    The files show nothing but the routes of the listed pages and the site's URLs: with
    ``cache`` (a folder) they are kept there under a hash of those and ocopsite's code,
    and taken from there while it is the same, as after an edit that adds no page. A
    missing or damaged entry is made again; only the latest is kept.
    """
    listed = _in_order(routes)
    entry = None
    if cache is not None:
        digest = hashlib.sha256(code_fingerprint().encode())
        digest.update(f"\0{urls.base_url}\0{'/'.join(urls.languages)}\0".encode())
        digest.update(
            "\n".join(f"{r.kind}\0{r.key}\0{r.value}\0{r.page}" for r in listed).encode(
                "utf-8", "surrogatepass"
            )
        )
        entry = cache / f"{digest.hexdigest()[:24]}.zip"
        found = kept(entry)
        if found is not None and set(found) == _sitemap_names(urls, len(found)):
            return found
    files = _sitemaps(listed, urls)
    if entry is not None:
        with contextlib.suppress(OSError):  # a read-only cache: made again next time
            entry.parent.mkdir(parents=True, exist_ok=True)
            keep(entry, files, "*.zip")
    return files


#: The kinds of the pages a product's code leads to (see :func:`~ocopsite.trace.lots.
#: product_trace_pages`), planned right after the product's own page.
_TRACE_KINDS = frozenset({"gtin", "lot", "slug_lot"})


def _listed(specs: Iterable[PageSpec]) -> list[Route]:
    """The routes of the listed pages of ``specs``, in the sitemap's order (:func:`_in_order`)."""
    return _in_order([spec.route for spec in specs if spec.in_sitemap])


def _in_order(routes: Iterable[Route]) -> list[Route]:
    """The routes of the listed pages in the sitemap's order: every product's own page,
    then every product's GTIN and lot pages, whichever way :func:`plan_pages` interleaves
    them (the order of the sitemap does not follow the order pages are rendered in)."""
    listed = list(routes)
    traced = [route for route in listed if route.kind in _TRACE_KINDS]
    if not traced:
        return listed
    rest = [route for route in listed if route.kind not in _TRACE_KINDS]
    last = max((i for i, route in enumerate(rest) if route.kind == "product"), default=None)
    if last is None:
        return listed
    return [*rest[: last + 1], *traced, *rest[last + 1 :]]


def _sitemap_names(urls: Urls, count: int) -> set[str]:
    """The output paths of ``count`` sitemap files, as :func:`_sitemaps` names them."""
    numbered = range(1, count) if count > 1 else ()
    return {urls.sitemap_file()[1], *(urls.sitemap_file(n)[1] for n in numbered)}


def _sitemaps(listed: list[Route], urls: Urls) -> dict[str, bytes]:
    # here: xml.sax.saxutils imports urllib.request, and a partial build writes no sitemap
    from xml.sax.saxutils import escape, quoteattr

    languages = urls.languages
    head = f'{_DECLARATION}<urlset xmlns="{SITEMAP}" xmlns:xhtml="{XHTML}">\n'.encode()
    tail = b"</urlset>\n"
    # each file is joined once its entries are all there, and they are dropped: the
    # entries of every file at once, with their copies, took a hundred megabytes at
    # 16,000 products
    whole = len(listed) * len(languages) <= MAX_SITEMAP_URLS
    bodies: list[bytes] = []
    entries: list[bytes] = []
    for route in listed:
        # each language's URL is worked out once, for its entry and every entry's alternates
        absolute = [urls.absolute(route, code) for code in languages]
        quoted = [quoteattr(url) for url in absolute]
        alternates = "".join(
            f'<xhtml:link rel="alternate" hreflang="{other}" href={href}/>'
            for other, href in (*zip(languages, quoted, strict=True), ("x-default", quoted[0]))
        )
        for url in absolute:
            if len(entries) == MAX_SITEMAP_URLS:
                bodies.append(b"".join([head, *entries, tail]))
                entries = []
            entries.append(f"<url><loc>{escape(url)}</loc>{alternates}</url>\n".encode())
    bodies.append(b"".join([head, *entries, tail]))
    del entries
    if whole:
        return {urls.sitemap_file()[1]: bodies[0]}
    files: dict[str, bytes] = {}
    index = ""
    for number, body in enumerate(bodies, start=1):
        url, path = urls.sitemap_file(number)
        files[path] = body
        index += f"<sitemap><loc>{escape(url)}</loc></sitemap>\n"
    files[urls.sitemap_file()[1]] = (
        f'{_DECLARATION}<sitemapindex xmlns="{SITEMAP}">\n{index}</sitemapindex>\n'
    ).encode()
    return files


def robots(urls: Urls) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.sitemap()}\n"
