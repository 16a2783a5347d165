"""Machine-readable files: an Atom feed per language, the sitemap and robots.txt.

All are built with ElementTree from escaped values, and all dates come from the
records, so they are as deterministic as the pages.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from .catalogue import Catalogue
from .pages import PageSpec
from .urls import Route, Urls
from .views import Views

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


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


def sitemap(specs: Iterable[PageSpec], urls: Urls) -> str:
    """Every listed page in every language, each with its hreflang alternates."""
    ET.register_namespace("", SITEMAP)
    ET.register_namespace("xhtml", XHTML)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for spec in specs:
        if not spec.in_sitemap:
            continue
        for lang in urls.languages:
            entry = ET.SubElement(root, f"{{{SITEMAP}}}url")
            ET.SubElement(entry, f"{{{SITEMAP}}}loc").text = urls.absolute(spec.route, lang)
            for other in (*urls.languages, "x-default"):
                target = urls.languages[0] if other == "x-default" else other
                ET.SubElement(
                    entry,
                    f"{{{XHTML}}}link",
                    {
                        "rel": "alternate",
                        "hreflang": other,
                        "href": urls.absolute(spec.route, target),
                    },
                )
    return _xml(root)


def robots(urls: Urls) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.sitemap()}\n"
