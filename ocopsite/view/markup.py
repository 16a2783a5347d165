"""Markdown from records, rendered to HTML that is safe to embed.

Records are untrusted, so a record's text goes through two independent guards:

1. Markdown itself escapes raw HTML instead of passing it through, and drops
   link and image addresses whose scheme, read the way a browser reads it
   (character references decoded, control characters and spaces removed), is
   not http(s), mailto, tel or relative.
2. The HTML it produces is then cleaned by ``nh3`` (the maintained Rust
   ``ammonia`` sanitiser) against an allow-list of tags, attributes and URL
   schemes, so that no Markdown extension or parser quirk, present or future,
   can put a script, an event handler or a ``javascript:`` link on a page.
"""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_SAFE_SCHEMES = {"", "http", "https", "mailto", "tel"}
#: What record texts may contain once rendered: Markdown's own output, nothing more.
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
#: Attributes that may only take these values (added by :class:`_SafeLinks`).
FIXED_ATTRIBUTE_VALUES = {"a": {"rel": {"noopener nofollow"}}, "img": {"loading": {"lazy"}}}


def is_safe_url(url: str) -> bool:
    """True for web, mail and phone links and relative paths; never for script schemes.

    The scheme is read as a browser reads it: after decoding character references
    (``jav&#x09;ascript:``, ``javascript&colon;``) and dropping the control
    characters and spaces that browsers ignore inside a scheme (``java\\tscript:``).
    """
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(url))
    try:
        return urlsplit(cleaned).scheme.lower() in _SAFE_SCHEMES
    except ValueError:  # an address urllib cannot even split is no address to follow
        return False


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


@functools.cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=FIXED_ATTRIBUTE_VALUES,
        link_rel=None,
        url_schemes=_SAFE_SCHEMES - {""},
        filter_style_properties={"text-align"},
        strip_comments=True,
    )


def sanitise(fragment: str) -> str:
    """``fragment`` with every tag, attribute and URL scheme outside the allow-lists removed."""
    return _cleaner().clean(fragment)


#: A text that Markdown would only cut into paragraphs: every line empty, or starting with
#: a letter and made of letters, digits, spaces and punctuation that no Markdown
#: syntax (block or inline, of the extensions used) starts with, that neither Markdown
#: nor the sanitiser escapes, and that no line ends with (two spaces make a line break).
_PLAIN_LINE = r"(?:[^\W\d_](?:[^\W_]|[ .,;:?!()'\"%/+\-–—…“”‘’])*(?<! )|)"
_PLAIN = re.compile(rf"{_PLAIN_LINE}(?:\n{_PLAIN_LINE})*")
_PARAGRAPH_BREAK = re.compile(r"\n\n+")


def _plain_paragraphs(source: str) -> str | None:
    """What :func:`render_markdown` makes of ``source`` if it is plain text (see
    :data:`_PLAIN`): its paragraphs, each in ``<p>``; None for any other text.

    Most record texts are such plain paragraphs, and Markdown costs about as much as the
    rest of the page; the tests check that both ways give the same bytes.
    """
    if not _PLAIN.fullmatch(source):
        return None
    paragraphs = _PARAGRAPH_BREAK.split(source.strip("\n"))
    if not paragraphs[0]:
        return None  # no text at all: Markdown's own answer
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


def render_markdown(source: str) -> str:
    """HTML for the Markdown ``source``: raw HTML escaped, unsafe links removed, sanitised."""
    plain = _plain_paragraphs(source)
    if plain is not None:
        return plain
    converter = _converter()
    try:
        return sanitise(converter.convert(source))
    finally:
        converter.reset()
