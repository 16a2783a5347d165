"""Every URL and output path of a site, computed here and nowhere else.

A page is named by a :class:`Route` (what it shows) and a language. The default
language lives at the site root, every other under ``/<lang>/``. Links inside the
site are root-relative and include the base URL's path, so a site built for
``https://example.org/ocop/`` works under that sub-path on any static host; the
canonical, hreflang, sitemap and feed URLs are absolute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

FACETS: tuple[str, ...] = ("category", "province", "stars", "certification", "channel")

_PATTERNS: dict[str, str] = {
    "home": "",
    "products": "products/",
    "product": "products/{key}/",
    "producers": "producers/",
    "producer": "producers/{key}/",
    "browse": "browse/",
    "facet": "{key}/{value}/",
    "news_index": "news/",
    "news": "news/{key}/",
    "search": "search/",
    "about_ocop": "ocop/",
    "offline": "offline/",
    "events": "events/",
    "past_events": "events/past/",
    "event": "events/{key}/",
    "event_ics": "events/{key}/event.ics",
    "calendar": "events/calendar.ics",
    # GS1 Digital Link paths (key: GTIN-14, value: lot code); the QR codes point here.
    "gtin": "01/{key}/",
    "lot": "01/{key}/10/{value}/",
    # Lots of products without a GTIN (key: product slug).
    "slug_lot": "products/{key}/lots/{value}/",
    # Printable A4 label sheets.
    "gtin_label": "01/{key}/label/",
    "lot_label": "01/{key}/10/{value}/label/",
    "product_label": "products/{key}/label/",
    "slug_lot_label": "products/{key}/lots/{value}/label/",
    "not_found": "404.html",
    "feed": "feed.xml",
    # The province's pages: open data (beside its files), figures, and the re-rating schedule.
    "opendata": "data/",
    "statistics": "statistics/",
    "expiring": "expiring/",
    "expiring_feed": "expiring/feed.xml",
    "expiring_csv": "expiring/expiring.csv",
}
_PAGINATED = {"products", "producers", "facet", "news_index"}
#: Stands for a product's slug in a product URL given to a script as a pattern (the search
#: index's, the 404 page's): the script puts the slug in; the URL itself is made here.
SLOT = "0slug0"
#: What the QR code of a product without a GTIN adds to its page's address (``?scan``):
#: that page is switched to the reader's language only then (as a GTIN's page always
#: is), so that crawlers and links see the page they asked for.
SCANNED = "scan"
#: A product's thumbnail (for search results), stored beside its page: see :meth:`Urls.file_in`.
THUMBNAIL = "thumb.jpg"
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def _segment(text: str) -> str:
    """``text`` percent-encoded as one path segment."""
    # Slugs, GTINs and most lot codes need no encoding; quote() is the slowest
    # part of computing a URL, and a national build computes millions.
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe="")


class Route(NamedTuple):
    """What a page shows, independent of language: ``Route("product", "mien-dong")``.

    A named tuple: routes are made, hashed and compared by the hundred thousand when a
    national catalogue is planned, which a tuple does in C.
    """

    kind: str
    key: str = ""
    value: str = ""
    page: int = 1

    def with_page(self, page: int) -> Route:
        return Route(self.kind, self.key, self.value, page)

    @property
    def segment(self) -> str:
        """The name ``build --only`` selects this page by: its kind, or a facet's name."""
        return self.key if self.kind == "facet" else self.kind


#: Every name ``build --only`` accepts.
SEGMENTS: tuple[str, ...] = tuple(k for k in _PATTERNS if k != "facet") + FACETS


@dataclass(frozen=True)
class Urls:
    base_url: str  # absolute, ends with "/"
    languages: tuple[str, ...]

    @cached_property
    def base_path(self) -> str:
        """The path part of the base URL, ``/`` or a sub-path such as ``/ocop/``."""
        return urlsplit(self.base_url).path or "/"

    def _lang_prefix(self, lang: str) -> str:
        return "" if lang == self.languages[0] else f"{lang}/"

    @cached_property
    def _paths(self) -> dict[str, dict[Route, str]]:
        """Every page path worked out so far, by language and route: a page's path is
        asked for by its own output, its QR codes and label, and every link to it."""
        return {}

    def __getstate__(self) -> dict[str, object]:
        # the paths are worked out again where they are needed: not sent to another process
        return {"base_url": self.base_url, "languages": self.languages}

    def path(self, route: Route, lang: str) -> str:
        """The page's path relative to the site root, such as ``en/products/x/``."""
        paths = self._paths.get(lang)
        if paths is None:
            paths = self._paths[lang] = {}
        found = paths.get(route)
        if found is not None:
            return found
        pattern = _PATTERNS[route.kind]
        rel = pattern.format(key=_segment(route.key), value=_segment(route.value))
        if route.page > 1:
            if route.kind not in _PAGINATED:
                raise ValueError(f"{route.kind} pages are not paginated")
            rel += f"page/{route.page}/"
        found = paths[route] = self._lang_prefix(lang) + rel
        return found

    def href(self, route: Route, lang: str) -> str:
        """The root-relative link to a page, for use inside the site."""
        return self.base_path + self.path(route, lang)

    def absolute(self, route: Route, lang: str) -> str:
        return self.base_url + self.path(route, lang)

    def output_path(self, route: Route, lang: str) -> str:
        """The file that serves the page, relative to the output folder.

        Static servers decode the request path before they look for the file, so a
        lot code such as ``L01/2024``, ``L01%2F2024`` in the URL, is stored in the
        folders ``L01/2024/``.
        """
        rel = self.path(route, lang)
        if "%" in rel:
            rel = unquote(rel)
        return rel + "index.html" if rel == "" or rel.endswith("/") else rel

    def asset(self, name: str) -> str:
        return f"{self.base_path}assets/{name}"

    def asset_output(self, name: str) -> str:
        return f"assets/{name}"

    def media(self, name: str) -> str:
        return f"{self.base_path}media/{name}"

    def media_output(self, name: str) -> str:
        return f"media/{name}"

    def href_of_output(self, rel: str) -> str:
        """The link to the output file ``rel`` (a path relative to the output folder)."""
        return self.base_path + rel

    def output_of_href(self, href: str) -> str:
        """The output file that serves ``href``, a link made by this class."""
        rel = href.removeprefix(self.base_path)
        return rel + "index.html" if rel == "" or rel.endswith("/") else rel

    def root_file(self, name: str) -> tuple[str, str]:
        """(href, output path) of a file at the site root: the service worker, the web
        app manifest, the offline packs (``name`` may hold a folder: ``packs/x.json``)."""
        return self.base_path + name, name

    def search_file(self, name: str) -> tuple[str, str]:
        """(href, output path) of a search index file."""
        return f"{self.base_path}search/{name}", f"search/{name}"

    def data_file(self, name: str) -> tuple[str, str]:
        """(href, output path) of an open data file; one set for all languages."""
        return f"{self.base_path}data/{name}", f"data/{name}"

    def schema_file(self, kind: str) -> tuple[str, str]:
        """(href, output path) of the JSON Schema of a record kind."""
        return f"{self.base_path}schemas/{kind}.schema.json", f"schemas/{kind}.schema.json"

    @cached_property
    def _origin(self) -> str:
        """The scheme and host of the base URL: ``https://example.org``."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def absolute_from_href(self, href: str) -> str:
        """An absolute URL for a root-relative ``href`` made by this class."""
        return self._origin + href

    def file_in(self, route: Route, name: str) -> tuple[str, str]:
        """A language-neutral file stored beside a page (its QR code, a lab report).

        Returns (href, output path); the file lives in the default language's folder.
        """
        rel = self.path(route, self.languages[0]) + (
            name if _UNRESERVED.fullmatch(name) else quote(name)
        )
        return self.base_path + rel, unquote(rel) if "%" in rel else rel

    def qr_uri(self, route: Route) -> str:
        """What a label's QR code encodes: the GS1 Digital Link URI, without language.

        GTIN and lot pages get ``<base>/01/<GTIN-14>[/10/<lot>]`` with no trailing
        slash (the host redirects to the folder); a product's page (a product without a
        GTIN) its absolute URL and ``?scan``, which asks it to open in the reader's
        language (:data:`SCANNED`); other pages their absolute URL.
        """
        if route.kind in ("gtin", "lot"):
            return self.base_url + self.path(route, self.languages[0]).rstrip("/")
        if route.kind == "product":
            return f"{self.absolute(route, self.languages[0])}?{SCANNED}"
        return self.absolute(route, self.languages[0])

    def sitemap(self) -> str:
        return self.sitemap_file()[0]

    def sitemap_file(self, part: int | None = None) -> tuple[str, str]:
        """(absolute URL, output path) of ``sitemap.xml``, or of part ``part`` of a split one."""
        name = "sitemap.xml" if part is None else f"sitemap-{part}.xml"
        return self.base_url + name, name
