"""Markdown links with encoded schemes: no record text can put script on a page.

Every payload below once was, or could become, a live ``javascript:`` link or
an event handler. The unit test checks the rendered HTML; the browser test
clicks every link of a page full of them in Chromium and watches for anything
that runs.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import BUILD_DATE
from sitekit import SITES, copy_site, serve_folder

from ocopsite.build import build
from ocopsite.view.markup import is_safe_url, render_markdown

PAYLOADS = [
    "[a](javascript:alert(1))",
    "[b](jav&#x09;ascript:alert(2))",
    "[c](javascript&colon;alert(3))",
    "[d](&#106;avascript:alert(4))",
    "[e][r1]",
    "[f][r2]",
    "[g][r3]",
    "[h](JaVaScRiPt:alert(8))",
    "[i](&#x6A;avascript&#x3A;alert(9))",
    "[j](javascript&#58;alert(10))",
    "[k](&Tab;javascript:alert(11))",
    "[l](<javascript:alert(12)>)",
    '[m](javascript:alert(13) "title")',
    "[n](data:text/html,<script>alert(14)</script>)",
    "[o](vbscript:msgbox(15))",
    "<javascript:alert(16)>",
    "![p](javascript:alert(17))",
    "![q](x.jpg)",
    '<a href="javascript:alert(18)">raw link</a>',
    "<img src=x onerror=alert(19)>",
    "<svg onload=alert(20)>",
    "<script>alert(21)</script>",
    "[s](jav&NewLine;ascript:alert(22))",
    "[t](java&#0000009;script:alert(23))",
    "[safe web](https://example.org/) [safe mail](mailto:a@example.org) [safe tel](tel:+84123)",
]
DEFINITIONS = [
    "[r1]: jav&#x09;ascript:alert(5)",
    "[r2]: javascript&colon;alert(6)",
    "[r3]: &#106;avascript:alert(7)",
]
MARKDOWN = "\n\n".join(PAYLOADS) + "\n\n" + "\n".join(DEFINITIONS) + "\n"


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [(tag, name, value or "") for name, value in attrs]


def _attributes(fragment: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, decoded value) of each attribute in ``fragment``, as browsers parse it."""
    parser = _Attributes()
    parser.feed(fragment)
    parser.close()
    return parser.found


def test_markdown_links_with_encoded_schemes_are_never_live() -> None:
    rendered = render_markdown(MARKDOWN)
    attributes = _attributes(rendered)
    addresses = [value for _, name, value in attributes if name in ("href", "src")]
    assert len(addresses) == 4, rendered  # the photo and the three safe links
    for address in addresses:
        assert is_safe_url(address), address
        assert "script" not in re.sub(r"[\x00-\x20]", "", address).lower(), address
    assert not [name for _, name, _ in attributes if name.startswith("on")], rendered
    assert {tag for tag, _, _ in attributes} <= {"a", "img"}
    assert "<script" not in rendered and "<svg" not in rendered
    assert 'href="https://example.org/"' in rendered and 'href="tel:+84123"' in rendered
    assert render_markdown("[up](../)") == '<p><a href="../">up</a></p>'


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("jav&#x09;ascript:alert(1)", False),
        ("javascript&colon;alert(1)", False),
        ("&#106;avascript:alert(1)", False),
        ("&#x6A;avascript&#x3A;x", False),
        ("https://example.org/?a=1&amp;b=2", True),
        ("tel:+84123", True),
    ],
)
def test_encoded_schemes_are_read_as_a_browser_reads_them(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe


@pytest.mark.browser
def test_markdown_links_with_encoded_schemes_run_nothing_in_chromium(
    browser,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    (site / "content/products/mat-ong/vi.md").write_text(MARKDOWN, encoding="utf-8")
    build(site, tmp_path / "public", build_date=BUILD_DATE)
    with serve_folder(tmp_path / "public") as root:
        page = browser.new_page()
        ran: list[str] = []
        visited: list[str] = []
        page.on("dialog", lambda dialog: (ran.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: ran.append(str(error)))
        page.on("framenavigated", lambda frame: visited.append(frame.url))
        # Nothing leaves 127.0.0.1: a safe external link gets a stand-in page.
        page.route(
            re.compile(r"^(?!http://127\.0\.0\.1)"),
            lambda route: route.fulfill(status=200, content_type="text/html", body="elsewhere"),
        )
        product = root + "products/mat-ong/"
        page.goto(product)
        links = page.locator(".prose a")
        count = links.count()
        assert count == len(re.findall(r"<a[ >]", render_markdown(MARKDOWN))) >= 20
        for index in range(count):
            if page.url != product:  # a safe link was followed: come back
                page.goto(product)
            link = links.nth(index)
            # The scheme as Chromium itself reads the link, after all its decoding.
            protocol = link.evaluate("a => a.getAttribute('href') === null ? null : a.protocol")
            assert protocol in (None, "http:", "https:", "mailto:", "tel:"), (index, protocol)
            if protocol in ("http:", "https:"):
                with page.expect_navigation():
                    link.click()
            else:  # nothing to follow: the click must do nothing
                link.click(no_wait_after=True)
                page.wait_for_timeout(100)
        page.goto(product)
        page.wait_for_timeout(200)
        assert ran == []
        assert not [url for url in visited if not url.startswith(("http:", "https:"))], visited
        page.close()
