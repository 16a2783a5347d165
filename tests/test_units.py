"""Small pure functions: GTINs, validity, dates, Markdown safety, UI strings, URLs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ocopsite.diagnostics import Diagnostics
from ocopsite.model import gtin
from ocopsite.model.ratings import add_months
from ocopsite.model.status import validity
from ocopsite.view.i18n import MissingString, Strings, load_strings
from ocopsite.view.markup import is_safe_url, render_markdown
from ocopsite.view.urls import Route, Urls


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("9520000001018", True),
        ("4006381333931", True),
        ("96385074", True),
        ("036000291452", True),
        ("09520000001018", True),
        ("9520000001017", False),
        ("95200000010", False),
        ("95200000010x8", False),
    ],
)
def test_gtin_check_digits(code: str, ok: bool) -> None:
    assert (gtin.problem(code) is None) is ok


def test_gtin14_padding_and_display() -> None:
    assert gtin.to_gtin14("96385074") == "00000096385074"
    assert gtin.display("09520000001018") == "9520000001018"


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2023, 12, 20), 36) == dt.date(2026, 12, 20)
    assert add_months(dt.date(2024, 2, 29), 36) == dt.date(2027, 2, 28)


@pytest.mark.parametrize(
    ("status", "on", "state"),
    [
        ("active", dt.date(2025, 1, 1), "valid"),
        ("active", dt.date(2026, 10, 2), "valid"),  # due for re-rating, still valid
        ("active", dt.date(2026, 10, 1), "valid"),
        ("active", dt.date(2026, 12, 31), "valid"),  # the last day is still valid
        ("active", dt.date(2027, 1, 1), "expired"),
        ("active", dt.date(2023, 12, 31), "pending"),
        ("suspended", dt.date(2025, 1, 1), "suspended"),
        ("revoked", dt.date(2025, 1, 1), "revoked"),
    ],
)
def test_validity_states(status: str, on: dt.date, state: str) -> None:
    result = validity(status, dt.date(2024, 1, 1), dt.date(2026, 12, 31), on)
    assert result.state == state
    assert result.in_force is (state == "valid")
    # "expiring soon" is for officials' re-rating schedule, never a state shown to shoppers
    assert result.expiring_soon is (state == "valid" and on >= dt.date(2026, 10, 2))


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://a.vn/", True),
        ("/x/", True),
        ("x.pdf", True),
        ("mailto:a@b.vn", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("java\tscript:x", False),
        (" javascript:x", False),
        ("data:text/html,x", False),
        ("vbscript:x", False),
    ],
)
def test_safe_urls(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe


def test_markdown_escapes_raw_html_and_demotes_headings() -> None:
    html = render_markdown("# Tiêu đề\n\n<img src=x onerror=alert(1)>\n\n![a](javascript:x)\n")
    assert "<h2>Tiêu đề</h2>" in html
    assert "<img src=x" not in html and "&lt;img" in html
    assert "javascript" not in html


def test_ui_strings_must_be_complete(tmp_path: Path) -> None:
    (tmp_path / "vi.yaml").write_text("a: A\nb: B\n", encoding="utf-8")
    (tmp_path / "en.yaml").write_text("a: A\n", encoding="utf-8")
    diagnostics = Diagnostics(relative_to=tmp_path)
    assert load_strings(tmp_path, ("vi", "en"), diagnostics) is None
    assert diagnostics.report() == (
        "en.yaml:1: error: missing UI string 'b' (defined in vi.yaml)\n"
        "    hint: every language of the theme must define every string"
    )


def test_missing_language_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "vi.yaml").write_text("a: A\n", encoding="utf-8")
    diagnostics = Diagnostics(relative_to=tmp_path)
    assert load_strings(tmp_path, ("vi", "fr"), diagnostics) is None
    assert "fr.yaml: error: the theme has no UI strings for language 'fr'" in diagnostics.report()


def test_unknown_ui_string_raises() -> None:
    strings = Strings("vi", {"stars.label": "{n} trên 5 sao"})
    assert strings("stars.label", n=4) == "4 trên 5 sao"
    with pytest.raises(MissingString):
        strings("nope")


def test_urls_for_default_and_other_languages() -> None:
    urls = Urls("https://example.org/ocop/", ("vi", "en"))
    route = Route("product", "mien-dong")
    assert urls.href(route, "vi") == "/ocop/products/mien-dong/"
    assert urls.href(route, "en") == "/ocop/en/products/mien-dong/"
    assert urls.absolute(route, "en") == "https://example.org/ocop/en/products/mien-dong/"
    assert urls.output_path(Route("home"), "vi") == "index.html"
    assert urls.output_path(Route("not_found"), "en") == "en/404.html"
    assert urls.path(Route("facet", "stars", "5", page=3), "vi") == "stars/5/page/3/"
    with pytest.raises(ValueError):
        urls.path(Route("product", "x", page=2), "vi")


def test_pagination_shows_a_window_of_pages() -> None:
    from ocopsite.view.pages import shown_pages

    assert shown_pages(1, 1) == [1]
    assert shown_pages(1, 3) == [1, 2, 3]
    assert shown_pages(6, 402) == [1, 0, 4, 5, 6, 7, 8, 0, 402]
    assert shown_pages(402, 402) == [1, 0, 400, 401, 402]
    assert shown_pages(3, 6) == [1, 2, 3, 4, 5, 6]
