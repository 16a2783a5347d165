"""Markdown from records, rendered to HTML that is safe to embed.

Records are untrusted: raw HTML in Markdown is escaped rather than passed
through, and links or images whose address is not http(s), mailto, tel, or
relative are dropped to their text, so ``javascript:`` can never reach a page.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_SAFE_SCHEMES = {"", "http", "https", "mailto", "tel"}


def is_safe_url(url: str) -> bool:
    """True for web, mail and phone links and relative paths; never for script schemes."""
    # Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url)
    return urlsplit(cleaned).scheme.lower() in _SAFE_SCHEMES


class _SafeLinks(Treeprocessor):
    """Drop unsafe link targets and images; open external links safely."""

    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            for child in list(parent):
                if child.tag == "a":
                    href = child.get("href", "")
                    if not is_safe_url(href):
                        del child.attrib["href"]
                    elif href.startswith(("http://", "https://")):
                        child.set("rel", "noopener nofollow")
                elif child.tag == "img":
                    src = child.get("src", "")
                    if not is_safe_url(src):
                        parent.remove(child)
                    else:
                        child.set("loading", "lazy")
                elif child.tag in ("h1", "h2"):
                    # The page title is the only h1; record headings start below it.
                    child.tag = "h2" if child.tag == "h1" else "h3"


class SafeMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "ocop_safe_links", 0)


@functools.cache
def _converter() -> markdown.Markdown:
    # Setting up a converter costs more than converting a record's text, so each
    # process keeps one and resets it between texts, as Python-Markdown allows.
    return markdown.Markdown(
        extensions=[SafeMarkdown(), "markdown.extensions.tables", "markdown.extensions.sane_lists"],
        output_format="html",
    )


def render_markdown(source: str) -> str:
    """HTML for the Markdown ``source``, with raw HTML escaped and unsafe links removed."""
    converter = _converter()
    try:
        return converter.convert(source)
    finally:
        converter.reset()
