"""Real headless Chromium (Debian's /usr/bin/chromium) against the built site on http.server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from conftest import BuiltSite
from playwright.sync_api import expect
from sitekit import serve_folder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(bilingual_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bilingual site (base_url https://example.org/ocop/) served under /ocop/."""
    root = tmp_path_factory.mktemp("webroot")
    shutil.copytree(bilingual_site.out, root / "ocop")
    with serve_folder(root) as url:
        yield url + "ocop/"


def _watch_console(page) -> list[str]:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    # a click that leaves the page cancels the images still loading (net::ERR_ABORTED): that is
    # the browser's doing, not a broken file, which shows as a refused connection or a 4xx below
    page.on(
        "requestfailed",
        lambda r: (
            problems.append(f"failed: {r.url} ({r.failure})")
            if r.failure != "net::ERR_ABORTED"
            else None
        ),
    )
    page.on(
        "response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None
    )
    return problems


def test_product_page_language_switch_and_star_label(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    problems = _watch_console(page)
    page.goto(served + "products/mien-dong/")
    assert page.locator("html").get_attribute("lang") == "vi"
    stars = page.get_by_role("img", name="5 trên 5 sao")
    assert stars.is_visible()
    assert stars.bounding_box()["y"] < 844  # type: ignore[index]

    page.get_by_role("link", name="English").click()
    page.wait_for_url(served + "en/products/mien-dong/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("img", name="5 out of 5 stars").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "Tai Hoan arrowroot vermicelli"

    page.get_by_role("link", name="Tiếng Việt").click()
    page.wait_for_url(served + "products/mien-dong/")
    assert page.get_by_role("heading", level=1).inner_text() == "Miến dong Tài Hoan"
    assert problems == []
    page.close()


def test_revoked_status_is_said_in_words_without_javascript(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(served + "en/products/mang-kho/")
    alert = page.get_by_role("alert")
    assert "revoked" in alert.inner_text()
    assert alert.bounding_box()["y"] + alert.bounding_box()["height"] < 844  # type: ignore[index]
    context.close()


def test_the_code_box_is_offered_only_with_javascript(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    """A code is looked up by search.js: without JavaScript the box would lead to a page
    that says so, a dead end for a shopper holding a pack, so it is not shown."""
    for enabled in (False, True):
        context = browser.new_context(java_script_enabled=enabled)
        page = context.new_page()
        page.goto(served)
        assert page.locator("form.codebox").is_visible() is enabled
        context.close()


def test_browse_pages_and_404_work(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    problems = _watch_console(page)
    page.goto(served + "en/browse/")
    page.get_by_role("link", name="Food").first.click()
    page.wait_for_url(served + "en/category/food/")
    assert page.locator(".card").count() == 2  # paginated at 2 per page
    page.get_by_role("link", name="Next ›").click()
    page.wait_for_url(served + "en/category/food/page/2/")
    assert problems == []
    response = page.goto(served + "no-such-page/")
    assert response is not None and response.status == 404
    page.close()


# --- pages reached by scanning a label -------------------------------------------------


@pytest.fixture(scope="module")
def scanned_lot_uri(bilingual_site: BuiltSite, served: str) -> str:
    """The URI decoded from lot TH2512B's QR code, pointed at the local server."""
    import zxingcpp
    from PIL import Image

    with Image.open(bilingual_site.out / "01/09520000001018/10/TH2512B/qr.png") as img:
        (code,) = zxingcpp.read_barcodes(img)
    assert code.text == "https://example.org/ocop/01/09520000001018/10/TH2512B"
    return served + code.text.removeprefix("https://example.org/ocop/")


def _in_first_screen(locator, height: int = 844) -> bool:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    return box is not None and locator.is_visible() and box["y"] + box["height"] <= height


def test_scanned_lot_shows_verdict_and_lot_code_in_first_screen(
    browser, scanned_lot_uri: str
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    problems = _watch_console(page)
    page.goto(scanned_lot_uri)
    assert page.url == scanned_lot_uri + "/"  # the static host's redirect to the folder
    assert page.locator("html").get_attribute("lang") == "vi"
    # one verdict, the worst of all: the recall, in the first screen
    assert page.locator(".verdict").count() == 1
    assert _in_first_screen(page.locator(".verdict"))
    assert "Lô TH2512B đã bị thu hồi" in page.locator(".verdict").inner_text()
    assert page.locator(".verdict").get_attribute("class") == "verdict verdict-recalled"
    assert _in_first_screen(page.get_by_text("Lô TH2512B", exact=True))
    assert _in_first_screen(page.get_by_role("img", name="5 trên 5 sao"))
    assert problems == []
    context.close()


def test_english_preferring_browser_gets_english(browser, scanned_lot_uri: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.goto(scanned_lot_uri)
    page.wait_for_url("**/ocop/en/01/09520000001018/10/TH2512B/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Lot TH2512B has been recalled" in page.locator(".verdict").inner_text()
    assert _in_first_screen(page.locator(".verdict"))
    # a reader who then picks Vietnamese is not switched back
    page.get_by_role("link", name="Tiếng Việt").click()
    page.wait_for_url(scanned_lot_uri + "/")
    page.goto(scanned_lot_uri)
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "vi"
    context.close()


def test_a_product_without_a_gtin_is_scanned_into_the_readers_language(  # type: ignore[no-untyped-def]
    browser, served: str, bilingual_site: BuiltSite
) -> None:
    """The QR code of a product without a GTIN opens its page with ?scan: switched to the
    reader's language as a GTIN's page is; the same page reached any other way (a link,
    a crawler) is the one asked for."""
    from test_trace import decode

    code = decode(bilingual_site.out / "products/dao-canh/qr.png")
    assert code == ["https://example.org/ocop/products/dao-canh/?scan"]
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(served + "products/dao-canh/?scan")
    page.wait_for_url(served + "en/products/dao-canh/?scan")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(served + "products/dao-canh/")
    page.wait_for_load_state("load")
    assert page.url == served + "products/dao-canh/"
    assert page.locator("html").get_attribute("lang") == "vi"
    context.close()


def test_an_unlisted_lot_of_a_product_without_a_gtin_is_said_so(  # type: ignore[no-untyped-def]
    browser, sample_site: BuiltSite
) -> None:
    """The theme's 404 page (the address after its #, as the language switch passes it)
    names the product of an unlisted lot of a product without a GTIN, from the product's
    page, and whom to tell."""
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    with serve_folder(sample_site.out) as url:
        page.goto(url + "404.html#/products/dao-canh-nhat-tan/lots/X1/")
        box = page.locator(".unknown")
        expect(box.get_by_role("link")).to_have_text("Đào thế Nhật Tân")
        assert box.get_by_role("link").get_attribute("href") == "/products/dao-canh-nhat-tan/"
        assert "Lô X1 của sản phẩm này không có trong danh mục." in box.inner_text()
        assert "hàng giả" in box.inner_text()
    context.close()


def test_scanned_lot_works_without_javascript(browser, scanned_lot_uri: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(scanned_lot_uri)
    assert page.locator("html").get_attribute("lang") == "vi"  # no script, no switch
    assert _in_first_screen(page.locator(".verdict"))
    assert _in_first_screen(page.get_by_text("Lô TH2512B", exact=True))
    assert page.get_by_role("link", name="English").is_visible()
    assert "Thông tin tính đến ngày 22/11/2026" in page.locator(".asof").inner_text()
    context.close()


def test_verdict_turns_expired_when_the_readers_date_has_passed(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    """Built on 2026-11-22 with the rating valid until 2026-12-20; read on 2027-01-05."""
    import datetime as dt

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.clock.set_fixed_time(dt.datetime(2027, 1, 5, 9, 0))
    page.goto(served + "01/09520000001018/")
    verdict = page.locator(".verdict")
    assert "đã hết hạn ngày 20/12/2026" in verdict.inner_text()
    assert verdict.get_attribute("class") == "verdict verdict-expired"
    assert verdict.get_attribute("role") == "alert"
    assert "Đã kiểm tra lại theo ngày hôm nay" in page.locator(".asof").first.inner_text()
    context.close()

    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.clock.set_fixed_time(dt.datetime(2026, 11, 23, 9, 0))
    page.goto(served + "01/09520000001018/")
    # four weeks before the end the shopper reads "valid until", not a warning
    assert "còn hiệu lực đến ngày 20/12/2026" in page.locator(".verdict").inner_text()
    assert "sắp hết hạn" not in page.content()
    assert "kiểm tra lại" not in page.locator(".asof").first.inner_text()
    context.close()


def test_an_unlisted_gtin_is_offered_as_a_lot_number(browser, sample_site: BuiltSite) -> None:  # type: ignore[no-untyped-def]
    """Digits typed into a code box whose check digit happens to be right open their GTIN's
    page: unlisted, the 404 page says so, and offers to look the number up as a lot number
    before it speaks of counterfeits. A lot's own address is not offered that."""
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    with serve_folder(sample_site.out) as url:
        page.goto(url + "404.html#/01/09520000009997/")
        box = page.locator(".unknown")
        link = box.get_by_role("link", name="tra số lô")
        expect(link).to_have_attribute("href", "/search/?q=09520000009997")
        texts = box.locator("p").all_inner_texts()
        assert texts[0] == "Sản phẩm có mã vạch 09520000009997 không có trong danh mục."
        assert texts[1].startswith("Nếu số này in cạnh chữ “Lô”") and "hàng giả" in texts[2]
        page.goto("about:blank")  # (a new hash alone would not load the page again)
        page.goto(url + "404.html#/01/09520000009997/10/L1/")
        expect(box).to_contain_text("Lô L1 của sản phẩm có mã vạch")
        assert box.get_by_role("link", name="tra số lô").count() == 0
    context.close()
