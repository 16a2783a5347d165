"""What a visitor sees on a phone, in real Chromium: the first screen, and no accessibility problem.

The first-screen test saves a 390 × 844 screenshot of each kind of page a tourist
lands on (into ``$OCOPSITE_SCREENSHOTS`` when set, else a temporary folder) and
checks that what they came for is on it. The accessibility test injects axe-core
(the npm package that ``make test-deps`` installs) into every kind of page in both
languages and accepts no violation of any impact.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BuiltSite
from sitekit import ROOT, serve_folder

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
#: One page of every kind, by path under the site root (the default language's).
PAGE_KINDS = {
    "home": "",
    "products": "products/",
    "product": "products/mien-dong/",
    "producers": "producers/",
    "producer": "producers/htx-tai-hoan/",
    "browse": "browse/",
    "facet": "category/food/",
    "news_index": "news/",
    "news": "news/hoi-cho/",
    "search": "search/",
    "about_ocop": "ocop/",
    "offline": "offline/",
    "events": "events/",
    "past_events": "events/past/",
    "event": "events/hoi-cho-dong/",
    "gtin": "01/09520000001018/",
    "lot": "01/09520000001018/10/TH2510A/",
    "recalled_lot": "01/09520000001018/10/TH2512B/",
    "label": "01/09520000001018/label/",
    "not_found": "404.html",
    "opendata": "data/",
    "statistics": "statistics/",
    "expiring": "expiring/",
}


@pytest.fixture(scope="module")
def web_root(
    bilingual_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    """The bilingual site under the sub-path ``/ocop/``; yields (folder served, its URL)."""
    root = tmp_path_factory.mktemp("webroot")
    shutil.copytree(bilingual_site.out, root / "ocop")
    with serve_folder(root) as url:
        yield root, url


@pytest.fixture(scope="module")
def site_url(web_root: tuple[Path, str]) -> str:
    return web_root[1] + "ocop/"


def _fully_visible(locator, height: int = PHONE["height"]) -> bool:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    return box is not None and locator.is_visible() and box["y"] + box["height"] <= height


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_first_screen_of_the_pages_a_visitor_lands_on(
    browser, site_url: str, lang: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = Path(os.environ.get("OCOPSITE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = "" if lang == "vi" else "en/"
    context = browser.new_context(viewport=PHONE, locale="vi-VN" if lang == "vi" else "en-GB")
    page = context.new_page()
    shown = {
        "home": "",
        "product": "products/mien-dong/",
        "lot": "01/09520000001018/10/TH2510A/",
        "explainer": "ocop/",
        "event": "events/hoi-cho-dong/",
    }
    for name, path in shown.items():
        page.goto(site_url + prefix + path)
        page.screenshot(path=str(folder / f"{name}-{lang}.png"))
        assert _fully_visible(page.get_by_role("heading", level=1)), name
    page.goto(site_url + prefix + shown["product"])
    assert _fully_visible(page.locator("article .hero, article .gallery").first)
    assert _fully_visible(page.locator(".price"))
    assert _fully_visible(page.locator(".wtb"))
    assert _fully_visible(page.locator(".verdict"))
    assert _fully_visible(page.locator(".meaning"))
    page.goto(site_url + prefix + shown["lot"])
    assert _fully_visible(page.locator(".verdict"))
    assert _fully_visible(page.locator(".asof").first)
    page.goto(site_url + prefix + shown["event"])
    assert _fully_visible(page.locator(".facts"))
    assert len(list(folder.glob(f"*-{lang}.png"))) >= len(shown)
    context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_page_is_wider_than_a_phone(  # type: ignore[no-untyped-def]
    browser, site_url: str, sample_site: BuiltSite, lang: str
) -> None:
    """Every kind of page (but the printable A4 label sheet) fits a phone's width: nothing
    scrolls sideways; the sample's long certificate numbers and issuers wrap."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN" if lang == "vi" else "en-GB")
    page = context.new_page()
    prefix = "" if lang == "vi" else "en/"
    wide = {}

    def check(url: str) -> None:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[url] = width

    for kind, path in PAGE_KINDS.items():
        if kind != "label":
            check(site_url + prefix + path)
    with serve_folder(sample_site.out) as sample:
        for path in ("expiring/", "statistics/", "data/", "products/nuoc-mam-phu-quoc/"):
            check(sample + prefix + path)
    assert wide == {}
    context.close()


@pytest.fixture(scope="module")
def axe_url(web_root: tuple[Path, str]) -> str:
    """axe-core served beside the site (not in it), so that Chromium compiles it once."""
    if not AXE.is_file():
        message = f"{AXE} not found: run make test-deps (npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    shutil.copyfile(AXE, web_root[0] / "axe.min.js")
    return web_root[1] + "axe.min.js"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_axe_finds_no_violation_on_any_kind_of_page(
    browser, site_url: str, axe_url: str, lang: str
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    prefix = "" if lang == "vi" else "en/"
    found: dict[str, list[str]] = {}
    for kind, path in PAGE_KINDS.items():
        page.goto(site_url + prefix + path)
        page.add_script_tag(url=axe_url)
        # only violations are read: axe then skips the details of what passed
        result = page.evaluate(
            "async () => JSON.stringify((await axe.run(document,"
            " {resultTypes: ['violations']})).violations)"
        )
        violations = json.loads(result)
        if violations:
            found[kind] = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in violations
            ]
    context.close()
    assert found == {}, json.dumps(found, indent=1)
