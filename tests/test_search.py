"""Search in real Chromium: folding identical to Python's, the query table, facets, URL state."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from conftest import BuiltSite
from sitekit import ROOT, serve_folder

from ocopsite.provinces import provinces
from ocopsite.search import fold, slugify

pytestmark = pytest.mark.browser
CASES: list[dict[str, Any]] = yaml.safe_load((ROOT / "tests/search_cases.yaml").read_text("utf-8"))


def vietnamese_letters() -> list[str]:
    """Every Vietnamese vowel with every tone, đ, in both cases."""
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    letters = [unicodedata.normalize("NFC", v + t) for v in vowels for t in tones] + ["đ"]
    letters += [letter.upper() for letter in letters]
    return letters + [unicodedata.normalize("NFD", letter) for letter in letters]


@pytest.fixture(scope="module")
def served(sample_site: BuiltSite) -> Iterator[str]:
    with serve_folder(sample_site.out) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser, served: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="vi-VN", viewport={"width": 1000, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert errors == []


def open_search(
    page, served: str, lang: str, q: str, filters: dict[str, str] | None = None
) -> None:  # type: ignore[no-untyped-def]
    params = {"q": q, **(filters or {})}
    page.goto(f"{served}{'en/' if lang == 'en' else ''}search/?{urlencode(params)}")
    page.wait_for_selector("html[data-search-ready]")


def result_slugs(page) -> list[str]:  # type: ignore[no-untyped-def]
    hrefs = page.eval_on_selector_all(
        "#search-app .results a", "links => links.map(a => a.pathname)"
    )
    return [re.search(r"/products/([^/]+)/", h).group(1) for h in hrefs]  # type: ignore[union-attr]


def test_fold_is_identical_in_python_and_javascript(page, served: str, sample_catalogue) -> None:  # type: ignore[no-untyped-def]
    names = [t for p in sample_catalogue.products for _, t in p.name.values]
    names += [t for p in sample_catalogue.producers.values() for _, t in p.name.values]
    names += [p.former_address or "" for p in sample_catalogue.producers.values()]
    names += [n for p in provinces().values() for n in (p.vi, p.en, *(f.vi for f in p.former))]
    samples = vietnamese_letters() + names + ["  Đồng\tVăn \n ", "ĐẶC SẢN", "Ưu đãi"]
    open_search(page, served, "vi", "")
    folded = page.evaluate("s => s.map(OcopSearch.fold)", samples)
    assert folded == [fold(s) for s in samples]
    assert {fold(letter) for letter in vietnamese_letters()} <= set("aeiouyd")
    slugs = page.evaluate(
        "s => s.map(t => OcopSearch.fold(t).split(/[^0-9a-z]+/).filter(Boolean).join('-'))", names
    )
    assert slugs == [slugify(n) for n in names]


def test_query_table_has_enough_cases() -> None:
    assert len(CASES) >= 40
    assert {c["lang"] for c in CASES} == {"vi", "en"}
    assert any(c.get("none") for c in CASES) and any(c.get("filters") for c in CASES)


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c['lang']}:{c['q'] or '-'}:{c.get('filters', '')}"
)
def test_query(page, served: str, case: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    open_search(page, served, case["lang"], case["q"], case.get("filters"))
    slugs = result_slugs(page)
    if case.get("none"):
        assert slugs == []
        note = page.locator("#search-app .note").inner_text()
        assert ("Không tìm thấy" in note) or ("No product matches" in note)
        for word in case.get("unmatched", []):
            assert word in note
        if not case.get("unmatched"):
            assert "Không sản phẩm nào có từ" not in note and "No product has the word" not in note
        return
    if "top" in case:
        assert slugs[: len(case["top"])] == case["top"], slugs
    if "first" in case:
        assert set(slugs[: len(case["first"])]) == set(case["first"]), slugs
    for slug in case.get("includes", []):
        assert slug in slugs, slugs
    if "count" in case:
        assert len(slugs) == case["count"], slugs


def test_index_loads_on_first_focus_not_on_page_load(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="vi-VN")
    tab = context.new_page()
    requested: list[str] = []
    tab.on("request", lambda r: requested.append(r.url))
    tab.goto(served + "products/che-tan-cuong/")
    tab.wait_for_load_state("load")
    assert not [u for u in requested if "/search/" in u or "search." in u]
    tab.focus("#q")
    tab.wait_for_selector("html[data-search-ready]")
    assert [u for u in requested if re.search(r"/search/vi\.[0-9a-f]{10}\.json$", u)]
    tab.keyboard.type("hat dieu")
    tab.wait_for_function(
        "document.querySelector('.search-panel .card .name')?.textContent.startsWith('Hạt điều')"
    )
    assert tab.locator(".search-panel .card").count() == 1
    tab.keyboard.press("ArrowDown")
    assert tab.evaluate("document.activeElement.pathname") == "/products/hat-dieu-rang-muoi/"
    tab.keyboard.press("Escape")
    assert tab.locator(".search-panel").is_hidden()
    context.close()


def test_url_state_back_button_counts_and_announcements(page, served: str) -> None:  # type: ignore[no-untyped-def]
    open_search(page, served, "vi", "")
    # a wide window shows the filters; a phone folds them away (checked below)
    assert page.locator("details.filters").get_attribute("open") is not None
    food = page.get_by_role("button", name=re.compile(r"^Thực phẩm \("))
    total = int(re.search(r"\((\d+)\)", food.inner_text()).group(1))  # type: ignore[union-attr]
    page.fill("#q", "mat ong")
    page.wait_for_function("location.search.includes('q=mat+ong')")
    assert page.get_by_role("button", name="Thực phẩm (1)").is_visible()
    assert total > 1
    assert page.locator("[aria-live=polite]").inner_text() == "1 sản phẩm"
    page.fill("#q", "")
    page.wait_for_function("!location.search.includes('q=mat')")
    page.get_by_role("button", name=re.compile(r"^5★")).click()
    assert "stars=5" in page.url
    assert set(result_slugs(page)) == {"mien-dong-tai-hoan", "nuoc-mam-phu-quoc"}
    assert (
        page.get_by_role("button", name=re.compile(r"^5★")).get_attribute("aria-pressed") == "true"
    )
    page.go_back()
    page.wait_for_function("!location.search.includes('stars')")
    assert len(result_slugs(page)) == 14
    page.keyboard.press("Tab")  # move into the page, then use the arrows from the box
    page.focus("#q")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('.results') !== null")


def test_filters_fold_away_on_a_phone(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    tab = context.new_page()
    open_search(tab, served, "vi", "mien dong")
    assert tab.locator("details.filters").get_attribute("open") is None
    first = tab.locator("#search-app .results .card").first
    assert first.is_visible() and first.bounding_box()["y"] < 844  # type: ignore[index]
    tab.locator("details.filters > summary").click()
    assert tab.get_by_role("button", name="5★ (1)").is_visible()
    context.close()


def test_search_page_without_javascript_offers_browse_links(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(served + "search/?q=mien")
    assert tab.get_by_text("Tìm kiếm cần bật JavaScript").is_visible()
    assert tab.get_by_role("link", name=re.compile(r"^Thực phẩm")).first.is_visible()
    context.close()


def test_index_file_is_content_hashed_and_compact(sample_site: BuiltSite) -> None:
    files = sorted(p.name for p in (sample_site.out / "search").glob("*.json"))
    assert [re.sub(r"\.[0-9a-f]{10}\.", ".#.", f) for f in files] == [
        "en.#.json",
        "manifest.json",
        "vi.#.json",
    ]
    text = (sample_site.out / "search" / files[2]).read_text("utf-8")
    assert "Miến dong Tài Hoan" in text and "\n" not in text
    # pages name the small manifest, which names the content-hashed index of each language
    assert 'data-index="/search/manifest.json"' in sample_site.page("")
    manifest = json.loads((sample_site.out / "search/manifest.json").read_text())
    assert manifest == {"en": "/search/" + files[0], "vi": "/search/" + files[2]}


def test_results_say_when_a_rating_is_not_valid(page, served: str) -> None:  # type: ignore[no-untyped-def]
    open_search(page, served, "vi", "mang kho")
    card = page.locator("#search-app .results .card").first
    assert card.locator(".st-revoked").inner_text() == "Đã bị thu hồi"
    assert card.get_by_role("img", name="3 trên 5 sao").is_visible()
