"""The offline pack in real Chromium: save, lose the signal, read; rebuild, and the pack follows."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import BUILD_DATE
from sitekit import SITES, copy_site, serve_folder

from ocopsite.build import build
from ocopsite.render.offline import INDEX, SCRIPT

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _wait_saved(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#offline-app[data-done]", state="attached", timeout=60_000)


def _wait_until_saved_copy_has(page, path: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Poll the saved copy of ``path`` (relative to the page's folder) until it has ``text``."""
    check = """async ([path, text]) => {
        const r = await caches.match(new URL(path, location.href).pathname);
        return Boolean(r) && (await r.text()).includes(text);
    }"""
    for _ in range(600):
        if page.evaluate(check, [path, text]):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the saved copy of {path} never showed {text!r}")


def test_saved_pack_reads_offline_and_follows_a_rebuild(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    root = tmp_path / "webroot"
    root.mkdir()
    (root / "ocop").symlink_to(out)
    assert len((out / SCRIPT).read_bytes()) < 5 * 1024  # the budget is 5 KB gzipped
    assert (out / INDEX).is_file()
    with serve_folder(root) as url:
        base = url + "ocop/"
        context = browser.new_context(viewport=PHONE, locale="vi-VN")
        page = context.new_page()
        page.goto(base + "offline/")
        button = page.locator("#offline-app button[data-pack=thai-nguyen]")
        assert re.search(r"Thái Nguyên · \d+,\d MB", button.inner_text())  # Vietnamese decimals
        button.click()
        _wait_saved(page)

        context.set_offline(True)
        page.goto(base + "products/mien-dong/")
        assert page.get_by_role("heading", level=1).inner_text() == "Miến dong Tài Hoan"
        assert "85.000 ₫" in page.locator(".price").inner_text()
        # the QR code's address, without the trailing slash the host would add
        page.goto(base + "01/09520000001018/10/TH2510A")
        assert page.locator(".verdict").is_visible()
        assert "Thông tin tính đến ngày 22/11/2026" in page.locator(".asof").first.inner_text()
        # a product's own QR code: its check page is saved as the product's page
        page.goto(base + "01/09520000001018")
        assert page.get_by_role("heading", level=1).inner_text() == "Miến dong Tài Hoan"
        assert page.locator(".verdict").is_visible()
        page.goto(base + "search/?q=mien")
        page.wait_for_selector("#search-app .card", timeout=20_000)
        assert "Miến dong Tài Hoan" in page.locator("#search-app").inner_text()
        # a page of another province, not saved: the saved "Save for offline" page, which
        # says so, not the browser's own error
        page.goto(base + "products/dao-canh/")
        assert page.locator("#not-saved").is_visible()
        assert "trang này chưa được lưu" in page.locator("#not-saved").inner_text()
        assert page.locator("#offline-app").get_attribute("data-lang") == "vi"
        # an English page: the English one is not saved with a Vietnamese pack, this one is
        page.goto(base + "en/products/dao-canh/")
        assert page.locator("#not-saved").is_visible()
        page.goto(base + "offline/")
        assert not page.locator("#not-saved").is_visible()  # the page itself, saved

        # a rebuild with a new price: the next visit with a signal updates the pack
        product = site / "content/products/mien-dong/product.yaml"
        product.write_text(
            product.read_text(encoding="utf-8").replace("price: 85000", "price: 91000"),
            encoding="utf-8",
        )
        build(site, out, build_date=BUILD_DATE)
        context.set_offline(False)
        page.goto(base)
        _wait_until_saved_copy_has(page, "products/mien-dong/", "91.000")
        context.set_offline(True)
        page.goto(base + "products/mien-dong/")
        assert "91.000 ₫" in page.locator(".price").inner_text()
        context.close()


def test_pages_still_read_without_javascript(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    with serve_folder(out) as url:
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        page = context.new_page()
        page.goto(url + "offline/")
        assert page.locator(".nojs").is_visible()
        assert not page.locator("#offline-app").is_visible()
        context.close()
    shutil.rmtree(out)
