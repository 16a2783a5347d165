"""The built sites: pages, languages, links, metadata, determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import re
import shutil
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from click.testing import CliRunner
from conftest import BUILD_DATE, BuiltSite
from sitekit import ROOT, SITES, copy_site, serve_folder

from ocopsite.build import build
from ocopsite.commands.cli import main
from ocopsite.keptfiles import keep, kept
from ocopsite.load.catalogue import Catalogue
from ocopsite.model import CATEGORIES
from ocopsite.output import incremental
from ocopsite.output.staging import MARKER, OutputRefused
from ocopsite.render import feeds
from ocopsite.render.opendata import DATA_CACHE
from ocopsite.render.site import listed_routes, plan_pages
from ocopsite.search.codes import CODES_CACHE
from ocopsite.search.index import WORDS_CACHE
from ocopsite.trace import lots as trace
from ocopsite.view.urls import Route, Urls


class LinkParser(HTMLParser):
    """Collects every URL a page refers to, and the attributes of a few elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.links: list[dict[str, str]] = []
        self.meta: dict[str, str] = {}
        self.scripts: list[str] = []
        self._in_jsonld = False
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_lang = a.get("lang")
        for name in ("href", "src"):
            if name in a:
                self.urls.append(a[name])
        for name in ("srcset",):
            if name in a:
                self.urls.extend(part.strip().split(" ")[0] for part in a[name].split(","))
        if tag == "link":
            self.links.append(a)
        if tag == "meta" and "property" in a:
            self.meta[a["property"]] = a.get("content", "")
        self._in_jsonld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_jsonld = False


def parse(html: str) -> LinkParser:
    parser = LinkParser()
    parser.feed(html)
    return parser


def html_pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


# --- what the sample site contains ---------------------------------------------------


def test_sample_content_meets_the_brief(sample_catalogue) -> None:  # type: ignore[no-untyped-def]
    products = sample_catalogue.products
    producers = sample_catalogue.producers.values()
    assert len(products) >= 12
    assert {p.category for p in products} == set(CATEGORIES)
    assert {p.ocop.stars for p in products} == {3, 4, 5}
    assert len(producers) >= 6
    assert {p.kind for p in producers} == {
        "enterprise",
        "cooperative",
        "cooperative-group",
        "household",
    }
    assert all(p.gtin is None or p.gtin.startswith("0952") for p in products)
    assert any(p.ocop.status == "revoked" for p in products)
    assert any(p.ocop.expires < BUILD_DATE and p.ocop.status == "active" for p in products)
    certs = [c for p in products for c in p.certifications]
    assert any(c.expires and c.expires < BUILD_DATE for c in certs)
    assert any(p.body.get("en") is None for p in products)
    assert len(sample_catalogue.news) >= 3
    lots = [lot for p in products for lot in p.lots]
    assert len([p for p in products if p.gtin]) >= 3 and len(lots) >= 5
    assert any(lot.recalled for lot in lots)


class NestingParser(HTMLParser):
    """Finds elements closed that were never opened, or closed by another's end tag
    (those whose end tag HTML lets a page omit, such as ``li`` and ``p``, aside)."""

    # fmt: off
    VOID = frozenset({
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    })
    OPTIONAL_END = frozenset({
        "li", "p", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody",
        "tfoot", "colgroup", "rt", "rp", "html", "head", "body",
    })
    # fmt: on

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            self.problems.append(f"line {self.getpos()[0]}: </{tag}> closes nothing")
            return
        while (last := self.open.pop()) != tag:
            if last not in self.OPTIONAL_END:
                self.problems.append(f"line {self.getpos()[0]}: <{last}> closed by </{tag}>")

    def unclosed(self) -> list[str]:
        return [tag for tag in self.open if tag not in self.OPTIONAL_END]


def test_every_page_closes_what_it_opens(sample_site: BuiltSite, bilingual_site: BuiltSite) -> None:
    for site in (sample_site, bilingual_site):
        for page in sorted(site.out.rglob("*.html")):
            parser = NestingParser()
            parser.feed(page.read_text("utf-8"))
            parser.close()
            assert (parser.problems, parser.unclosed()) == ([], []), page


def test_every_page_exists_in_every_language(bilingual_site: BuiltSite) -> None:
    out = bilingual_site.out
    vi_pages = {p.relative_to(out) for p in html_pages(out) if p.relative_to(out).parts[0] != "en"}
    for rel in vi_pages:
        assert (out / "en" / rel).is_file(), f"no English twin of {rel}"
    for expected in (
        "index.html",
        "products/mien-dong/index.html",
        "producers/htx-tai-hoan/index.html",
        "category/food/index.html",
        "province/thai-nguyen/index.html",
        "stars/5/index.html",
        "certification/vietgap/index.html",
        "channel/shopee/index.html",
        "news/index.html",
        "news/hoi-cho/index.html",
        "browse/index.html",
        "search/index.html",
        "404.html",
        "feed.xml",
        "en/feed.xml",
        "sitemap.xml",
        "robots.txt",
    ):
        assert (out / expected).is_file(), expected


def test_browse_pages_are_paginated(bilingual_site: BuiltSite) -> None:
    # per_page is 2 in the fixture and 4 products exist
    page2 = bilingual_site.page("products/page/2/")
    assert 'aria-current="page">2<' in page2
    assert (
        'rel="prev" href="/ocop/products/"' in page2 or 'href="/ocop/products/" rel="prev"' in page2
    )
    assert not (bilingual_site.out / "products/page/3").exists()


def test_facets_count_only_ratings_in_force(bilingual_site: BuiltSite) -> None:
    # ruoc-hau's 3-star rating has expired and mang-kho's was revoked: no 3-star page
    assert not (bilingual_site.out / "stars/3").exists()
    # the expired HACCP certificate does not list mien-dong under haccp
    assert not (bilingual_site.out / "certification/haccp").exists()
    assert (bilingual_site.out / "certification/iso22000").is_dir()  # producer-level, valid


# --- product page ------------------------------------------------------------------


def test_product_page_shows_rating_certificates_and_shops(bilingual_site: BuiltSite) -> None:
    html = bilingual_site.page("products/mien-dong/")
    assert 'role="img" aria-label="5 trên 5 sao"' in html
    assert "OCOP 5 sao" in html
    assert "Bộ Nông nghiệp và Phát triển nông thôn (Cấp quốc gia), 2023" in html
    assert '<time datetime="2026-12-20">20/12/2026</time>' in html  # issued + 36 months
    assert "VG-1" in html and "VietGAP body" in html
    assert re.search(r"HACCP-OLD.*?</li>", html, re.S)
    assert 'class="cert cert-expired"' in html and "Đã hết hạn" in html
    for group in ("Siêu thị", "Sàn thương mại điện tử", "Điểm giới thiệu và bán sản phẩm OCOP"):
        assert f"<h3>{group}</h3>" in html
    assert 'href="https://shopee.vn/mien" rel="noopener nofollow"' in html
    assert "Xã Côn Minh, Thái Nguyên" in html and "huyện Na Rì, tỉnh Bắc Kạn" in html
    assert "85.000 ₫" in html
    en = bilingual_site.page("en/products/mien-dong/")
    assert 'aria-label="5 out of 5 stars"' in en and "85,000 VND" in en


def test_status_words_for_every_state(bilingual_site: BuiltSite) -> None:
    revoked = bilingual_site.page("en/products/mang-kho/")
    assert "Revoked" in revoked and "has been revoked" in revoked
    assert "Revoked for wrong packaging." in revoked
    expired = bilingual_site.page("en/products/ruoc-hau/")
    assert re.search(r'class="st st-expired" data-h="[^"]*">Expired<', expired)
    assert "expired on 15 Sep 2025" in expired
    valid = bilingual_site.page("en/products/dao-canh/")
    assert re.search(r'class="st st-valid" data-h="[^"]*">Valid until 30 Sep 2028<', valid)
    assert 'role="alert"' not in valid


def test_untranslated_text_falls_back_visibly(bilingual_site: BuiltSite) -> None:
    en = bilingual_site.page("en/products/dao-canh/")
    assert "has not been translated into English yet" in en
    assert '<div class="prose" lang="vi">' in en and "Cây đào thế chưa dịch." in en
    vi = bilingual_site.page("products/dao-canh/")
    assert "chưa được dịch" not in vi


def test_markdown_from_records_is_sanitised(bilingual_site: BuiltSite) -> None:
    html = bilingual_site.page("products/mien-dong/")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html
    assert '<a href="https://example.com/" rel="noopener nofollow">ok</a>' in html


def test_product_json_ld(bilingual_site: BuiltSite) -> None:
    data = json.loads(parse(bilingual_site.page("en/products/mien-dong/")).scripts[0])
    assert data["@type"] == "Product"
    assert data["gtin13"] == "9520000001018" and data["gtin14"] == "09520000001018"
    assert data["countryOfOrigin"]["name"] == "VN"
    assert data["manufacturer"]["name"] == "Hợp tác xã Tài Hoan"
    assert data["award"] == "OCOP 5 stars (2023)"
    certs = {c["name"]: c for c in data["hasCertification"]}
    assert certs["OCOP 5 stars"]["certificationRating"]["ratingValue"] == 5
    assert certs["OCOP 5 stars"]["certificationStatus"] == "https://schema.org/CertificationActive"
    assert certs["HACCP"]["certificationStatus"] == "https://schema.org/CertificationInactive"
    assert data["url"] == "https://example.org/ocop/en/products/mien-dong/"
    assert data["image"][0].startswith("https://example.org/ocop/media/")


# --- every page's head -----------------------------------------------------------------


def test_lang_canonical_hreflang_and_open_graph(bilingual_site: BuiltSite) -> None:
    out = bilingual_site.out
    for path in html_pages(out):
        rel = path.relative_to(out).as_posix()
        page = parse(path.read_text(encoding="utf-8"))
        lang = "en" if rel.startswith("en/") else "vi"
        assert page.html_lang == lang, rel
        canonical = [link["href"] for link in page.links if link.get("rel") == "canonical"]
        alternates = {
            link["hreflang"]: link["href"]
            for link in page.links
            if "hreflang" in link and link.get("rel") == "alternate" and "type" not in link
        }
        assert set(alternates) == {"vi", "en", "x-default"}, rel
        assert alternates[lang] == canonical[0], rel
        assert alternates["x-default"] == alternates["vi"]
        if 'name="robots" content="noindex"' in path.read_text(encoding="utf-8"):
            continue  # printable label sheets carry no Open Graph card
        assert page.meta["og:url"] == canonical[0]
        assert page.meta["og:locale"] == ("en_US" if lang == "en" else "vi_VN")
        for key in ("og:title", "og:type", "og:site_name"):
            assert page.meta[key], (rel, key)


def test_language_switch_leads_to_the_same_record(bilingual_site: BuiltSite) -> None:
    vi = bilingual_site.page("producers/htx-tai-hoan/")
    assert '<a href="/ocop/en/producers/htx-tai-hoan/" hreflang="en" lang="en"' in vi
    en = bilingual_site.page("en/producers/htx-tai-hoan/")
    assert '<a href="/ocop/producers/htx-tai-hoan/" hreflang="vi" lang="vi"' in en


def test_every_internal_link_resolves_under_a_sub_path(
    bilingual_site: BuiltSite, tmp_path: Path
) -> None:
    """Serve the output under /ocop/ and fetch every internal link and asset of every page."""
    out = bilingual_site.out
    root = tmp_path / "webroot"
    shutil.copytree(out, root / "ocop")
    targets: dict[str, str] = {}
    for path in html_pages(out):
        rel = path.relative_to(out).as_posix()
        page_url = "https://example.org/ocop/" + rel.removesuffix("index.html")
        for url in parse(path.read_text(encoding="utf-8")).urls:
            target = urlsplit(urljoin(page_url, url))
            if target.scheme in ("mailto", "tel") or target.netloc != "example.org":
                continue
            if urlsplit(url).netloc and not target.path.startswith("/ocop/"):
                continue  # an absolute link to another site on the same host
            assert target.path.startswith("/ocop/"), (rel, url)
            targets.setdefault(target.path, rel)
    assert len(targets) > 60
    with serve_folder(root) as base:
        for target, rel in sorted(targets.items()):
            with urllib.request.urlopen(base.rstrip("/") + target, timeout=10) as response:
                assert response.status == 200, f"{rel} links to {target}: {response.status}"


def test_sitemap_lists_pages_with_alternates(bilingual_site: BuiltSite) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(bilingual_site.page("sitemap.xml"))
    entries = root.findall("s:url", ns)
    locs = {e.find("s:loc", ns).text for e in entries}  # type: ignore[union-attr]
    assert "https://example.org/ocop/products/mien-dong/" in locs
    assert "https://example.org/ocop/en/products/mien-dong/" in locs
    assert not any("404" in loc for loc in locs)  # type: ignore[operator]
    for entry in entries:
        langs = {link.get("hreflang") for link in entry.findall("x:link", ns)}
        assert langs == {"vi", "en", "x-default"}
    assert "Sitemap: https://example.org/ocop/sitemap.xml" in bilingual_site.page("robots.txt")


def test_atom_feed_per_language(bilingual_site: BuiltSite) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for rel, title in (("feed.xml", "Hội chợ OCOP"), ("en/feed.xml", "OCOP fair")):
        feed = ET.fromstring(bilingual_site.page(rel))
        entries = feed.findall("a:entry", ns)
        assert [e.find("a:title", ns).text for e in entries] == [title]  # type: ignore[union-attr]
        assert feed.find("a:updated", ns).text == "2026-02-10T00:00:00Z"  # type: ignore[union-attr]


def test_site_templates_override_the_theme(bilingual_site: BuiltSite) -> None:
    assert 'class="site-override"' in bilingual_site.page("404.html")
    assert 'class="site-override"' in bilingual_site.page("en/404.html")


def test_demo_data_is_marked(sample_site: BuiltSite) -> None:
    assert "dữ liệu mẫu, không phải danh mục chính thức" in sample_site.page("")
    assert "sample data, not an official catalogue" in sample_site.page("en/")


def test_single_language_site_has_no_language_prefix(minimal_site: BuiltSite) -> None:
    assert not (minimal_site.out / "en").exists()
    html = minimal_site.page("products/mat-ong/")
    assert '<html lang="vi" ' in html and 'hreflang="x-default"' in html


def test_pages_need_no_external_requests(sample_site: BuiltSite) -> None:
    for path in html_pages(sample_site.out):
        html = path.read_text(encoding="utf-8")
        assert not re.search(
            r'<(script|link|img|source)[^>]+(src|href|srcset)="https?://(?!ocop\.example\.org)',
            html.replace('rel="canonical"', "").replace('rel="alternate"', ""),
        ), path


# --- determinism and safety ------------------------------------------------------------


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_builds_are_byte_identical(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    build(site, tmp_path / "a", build_date=BUILD_DATE)
    shutil.rmtree(site / ".ocopsite-cache")
    build(site, tmp_path / "b", build_date=BUILD_DATE)
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_parallel_and_serial_builds_are_identical(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    build(site, tmp_path / "serial", build_date=BUILD_DATE, jobs=1)
    build(site, tmp_path / "parallel", build_date=BUILD_DATE, jobs=2)
    assert _tree(tmp_path / "serial") == _tree(tmp_path / "parallel")


def test_build_date_decides_expiry(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    import datetime as dt

    build(site, tmp_path / "early", build_date=dt.date(2025, 1, 1))
    assert 'class="st st-valid"' in (tmp_path / "early/products/ruoc-hau/index.html").read_text()
    build(site, tmp_path / "late", build_date=dt.date(2025, 10, 1))
    assert 'class="st st-expired"' in (tmp_path / "late/products/ruoc-hau/index.html").read_text()


def test_refuses_to_replace_a_folder_it_did_not_make(tmp_path: Path) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    with pytest.raises(OutputRefused):
        build(site, precious)
    with pytest.raises(OutputRefused):
        build(site, tmp_path)
    assert (precious / "thesis.txt").read_text() == "years of work"
    result = CliRunner().invoke(main, ["build", "--site", str(site), "--out", str(precious)])
    assert result.exit_code == 1 and "was not made by ocopsite" in result.stderr


def test_base_url_override(tmp_path: Path) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    build(site, tmp_path / "out", base_url="https://tinh.example.vn/ocop", build_date=BUILD_DATE)
    html = (tmp_path / "out/products/mat-ong/index.html").read_text()
    assert 'rel="canonical" href="https://tinh.example.vn/ocop/products/mat-ong/"' in html
    assert 'href="/ocop/assets/style.' in html


def test_sample_site_builds_from_the_repository_root(sample_site: BuiltSite) -> None:
    assert sample_site.result.pages >= 100
    assert (ROOT / "site_config.yaml").is_file()
    assert (sample_site.out / "products/mien-dong-tai-hoan/index.html").is_file()


def _mtimes(out: Path) -> dict[str, int]:
    return {
        p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
    }


def test_rebuild_with_nothing_changed_does_nothing(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    first = build(site, out, build_date=BUILD_DATE)
    assert not first.unchanged
    before = _mtimes(out)
    again = build(site, out, build_date=BUILD_DATE)
    assert again.unchanged and again.pages == 0
    assert _mtimes(out) == before
    result = CliRunner().invoke(
        main, ["build", "--site", str(site), "--out", str(out), "--date", "2026-11-22"]
    )
    assert result.exit_code == 0 and "Nothing changed since the last build" in result.stdout


def test_any_input_change_rebuilds(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    product = site / "content/products/dao-canh/product.yaml"
    product.write_text(product.read_text("utf-8").replace("stars: 4", "stars: 3"), "utf-8")
    edited = build(site, out, build_date=BUILD_DATE)
    assert not edited.unchanged
    assert 'aria-label="3 trên 5 sao"' in (out / "products/dao-canh/index.html").read_text()
    assert build(site, out, build_date=BUILD_DATE).unchanged  # now up to date
    assert not build(site, out, build_date=dt.date(2027, 1, 1)).unchanged  # another date
    assert not build(site, out, build_date=dt.date(2027, 1, 1), force=True).unchanged
    shutil.rmtree(out)
    assert not build(site, out, build_date=dt.date(2027, 1, 1)).unchanged
    assert (out / "index.html").is_file()


def test_cached_records_keep_their_warnings_and_lines(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    first = build(site, tmp_path / "a", build_date=BUILD_DATE)
    assert (site / ".ocopsite-cache/records.sqlite").is_file()
    again = build(site, tmp_path / "b", build_date=BUILD_DATE)  # every record from the cache
    assert [w.format() for w in again.warnings] == [w.format() for w in first.warnings] != []
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    # a cross-record error about a cached record still points at its line
    shutil.rmtree(site / "content/producers/ho-van-don")
    result = CliRunner().invoke(main, ["check", "--site", str(site)])
    assert result.exit_code == 1
    assert (
        "content/products/dao-canh/product.yaml:2: error: producer: no producer 'ho-van-don'"
        in result.stderr
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def _assert_recorded_digests_are_true(site: Path, out: Path) -> None:
    """The digests an update lists saved files by, without reading them, are the files'."""
    from ocopsite.render.offline import digest

    record = incremental.read_record(site / ".ocopsite-cache")
    assert record is not None
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    digests = {
        rel: (size, value)
        for rel, size, value in zip(record["paths"], record["sizes"], record["hashes"], strict=True)
        if size is not None
    }
    assert set(digests) == files - {MARKER, ".nojekyll"}
    for rel, (size, value) in digests.items():
        assert digest((out / rel).read_bytes()) == (size, value), rel


@pytest.mark.parametrize(
    "change",
    ["stars", "delete-product", "producer-name", "news"],
)
def test_incremental_rebuild_equals_a_clean_build_and_rewrites_only_changes(
    tmp_path: Path, change: str
) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    before = _tree(out)
    stamps = _mtimes(out)
    words = site / ".ocopsite-cache" / WORDS_CACHE
    kept = {p.name: p.read_bytes() for p in words.iterdir()}
    assert len(kept) == 2  # the word index of each language
    codes = site / ".ocopsite-cache" / CODES_CACHE
    codes_kept = {p.name: p.read_bytes() for p in codes.iterdir()}
    assert len(codes_kept) == 2  # the code shards of each language
    data = site / ".ocopsite-cache" / DATA_CACHE
    data_kept = [p.name for p in data.iterdir()]
    assert len(data_kept) == 1  # the open data files
    if change == "stars":
        _edit(site / "content/products/dao-canh/product.yaml", "stars: 4", "stars: 3")
    elif change == "delete-product":
        shutil.rmtree(site / "content/products/mang-kho")
    elif change == "producer-name":
        _edit(site / "content/producers/ho-van-don/producer.yaml", "Hộ Vân Đồn", "Hộ ông Ba")
    else:
        _edit(
            site / "content/news/2026-02-10-hoi-cho/news.yaml",
            "[mien-dong, ruoc-hau]",
            "[ruoc-hau]",
        )
    result = build(site, out, build_date=BUILD_DATE)
    assert result.updated_in_place
    _assert_recorded_digests_are_true(site, out)
    now_kept = {p.name: p.read_bytes() for p in words.iterdir()}
    if change == "stars":  # no searched text changed: the word indexes were reused
        assert now_kept == kept
    elif change == "producer-name":  # Vietnamese made again (English names it otherwise)
        assert len(now_kept) == 2 and now_kept.keys() != kept.keys()
    codes_now = {p.name: p.read_bytes() for p in codes.iterdir()}
    if change == "delete-product":  # one product's codes fewer, the others' places shift
        assert len(codes_now) == 2 and codes_now.keys().isdisjoint(codes_kept)
    else:  # no code, slug or place changed: the code shards were reused
        assert codes_now == codes_kept
    data_now = [p.name for p in data.iterdir()]
    if change == "news":  # the tables show no news: the open data files were reused
        assert data_now == data_kept
    else:  # made again, and only the latest kept
        assert len(data_now) == 1 and data_now != data_kept
    clean = tmp_path / "clean"
    shutil.rmtree(site / ".ocopsite-cache")
    build(site, clean, build_date=BUILD_DATE)
    after = _tree(out)
    assert after == _tree(clean)  # byte for byte, and the same files
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    assert changed, "the edit must show somewhere"
    untouched = {rel for rel in after if rel in before and before[rel] == after[rel]}
    now = _mtimes(out)
    assert [rel for rel in untouched if now[rel] != stamps[rel]] == []  # nothing else rewritten
    if change == "stars":
        assert "products/dao-canh/index.html" in changed and "en/stars/3/index.html" in changed
        assert "stars/4/index.html" not in after or "stars/4/index.html" in changed
        assert "products/mien-dong/index.html" not in changed
    if change == "delete-product":
        assert not (out / "products/mang-kho").exists()
        assert "products/mang-kho/index.html" in before


@pytest.mark.parametrize("renamed", ["product", "producer", "news"])
def test_a_renamed_record_folder_is_rebuilt_everywhere_it_shows(
    tmp_path: Path, renamed: str
) -> None:
    """A record's slug is its folder's name: renaming the folder, which keeps every file's
    name, size and time, changes its address on every page that links to it."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    content = site / "content"
    if renamed == "product":
        (content / "products/mang-kho").rename(content / "products/mang-kho-moi")
    elif renamed == "producer":
        (content / "producers/ho-van-don").rename(content / "producers/ho-ba-van-don")
        for product in ("dao-canh", "ruoc-hau"):
            yaml = content / f"products/{product}/product.yaml"
            _edit(yaml, "producer: ho-van-don", "producer: ho-ba-van-don")
    else:
        (content / "news/2026-02-10-hoi-cho").rename(content / "news/2026-02-10-hoi-cho-ocop")
    build(site, out, build_date=BUILD_DATE)
    clean = tmp_path / "clean"
    build(site, clean, build_date=BUILD_DATE, cache_dir=tmp_path / "clean-cache")
    after, expected = _tree(out), _tree(clean)
    assert (
        sorted(k for k in after.keys() | expected.keys() if after.get(k) != expected.get(k)) == []
    )


def test_kept_word_indexes_give_the_same_search_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ocopsite.build import BuildResult, prepare
    from ocopsite.diagnostics import Diagnostics
    from ocopsite.render.renderer import Renderer
    from ocopsite.search import codes as code_tables
    from ocopsite.search import index as search

    site = SITES / "bilingual"
    ready = prepare(site, BuildResult(), Diagnostics(relative_to=site), build_date=BUILD_DATE)
    views = Renderer(ready.catalogue, ready.theme, ready.strings, ready.urls, {}, {}).views
    fresh = search.index_files(ready.catalogue, views, ready.urls)
    cache, codes = tmp_path / "words", tmp_path / "codes"
    assert search.index_files(ready.catalogue, views, ready.urls, cache, codes) == fresh
    entries = sorted(cache.iterdir())
    assert [p.name[:3] for p in entries] == ["en-", "vi-"]
    code_entries = sorted(codes.iterdir())
    assert [p.name[:3] for p in code_entries] == ["en-", "vi-"]

    def indexed_again(*args: object, **options: object) -> None:
        raise AssertionError("a kept word index or code shard was made again")

    with monkeypatch.context() as patched:  # the kept entries are used as they are
        patched.setattr(search, "word_index", indexed_again)
        patched.setattr(code_tables, "code_shards", indexed_again)
        assert search.index_files(ready.catalogue, views, ready.urls, cache, codes) == fresh
    entries[0].write_bytes(b"damaged")  # a damaged entry is made again, and replaced
    wrong = {"not-a-shard": b"x"}  # an archive, but not of code shards: made again
    keep(code_entries[1], wrong, "none")
    assert search.index_files(ready.catalogue, views, ready.urls, cache, codes) == fresh
    assert sorted(cache.iterdir()) == entries and entries[0].read_bytes() != b"damaged"
    assert sorted(codes.iterdir()) == code_entries
    assert kept(code_entries[1]) != wrong


def test_kept_open_data_gives_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ocopsite.build import BuildResult, prepare
    from ocopsite.diagnostics import Diagnostics
    from ocopsite.render import opendata

    site = SITES / "bilingual"
    ready = prepare(site, BuildResult(), Diagnostics(relative_to=site), build_date=BUILD_DATE)
    catalogue, urls = ready.catalogue, ready.urls
    assert opendata.inputs_key(catalogue, urls) is not None
    opendata._memo.clear()  # worked out once per catalogue: start afresh each time
    fresh = opendata.data_files(catalogue, urls)
    cache = tmp_path / "data"
    opendata._memo.clear()
    assert opendata.data_files(catalogue, urls, cache) == fresh
    entries = sorted(cache.iterdir())
    assert len(entries) == 1

    def made_again(*args: object) -> None:
        raise AssertionError("kept open data files were made again")

    with monkeypatch.context() as patched:  # the kept entry is used as it is
        patched.setattr(opendata, "_data_files", made_again)
        opendata._memo.clear()
        assert opendata.data_files(catalogue, urls, cache) == fresh
    entries[0].write_bytes(b"damaged")  # a damaged entry is made again, and replaced
    opendata._memo.clear()
    assert opendata.data_files(catalogue, urls, cache) == fresh
    assert sorted(cache.iterdir()) == entries and entries[0].read_bytes() != b"damaged"
    # another build date shows other states: another key, so made again
    later = dataclasses.replace(
        catalogue, config=dataclasses.replace(catalogue.config, build_date=dt.date(2031, 1, 1))
    )
    assert opendata.inputs_key(later, urls) != opendata.inputs_key(catalogue, urls)
    opendata._memo.clear()


@pytest.mark.parametrize(
    "content", ["not json", '{"version": 1, "pages": {}}', "[]", '{"version": 2}', "{\x00"]
)
def test_a_damaged_or_old_manifest_means_a_full_build(tmp_path: Path, content: str) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    incremental.manifest_path(site / ".ocopsite-cache").write_text(content)
    result = build(site, out, build_date=BUILD_DATE, force=True)
    assert not result.updated_in_place and result.pages > 0


def test_a_sitemap_over_the_protocol_limit_is_split_under_an_index(
    monkeypatch: pytest.MonkeyPatch, sample_catalogue: Catalogue
) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    specs = plan_pages(sample_catalogue)
    urls = Urls("https://example.org/", sample_catalogue.config.languages)
    (whole,) = feeds.sitemaps(specs, urls).values()
    every = [e.text for e in ET.fromstring(whole).findall("s:url/s:loc", ns)]
    monkeypatch.setattr(feeds, "MAX_SITEMAP_URLS", 40)
    files = feeds.sitemaps(specs, urls)
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [e.text for e in index.findall("s:sitemap/s:loc", ns)]
    assert parts == [f"https://example.org/sitemap-{n}.xml" for n in range(1, len(files))]
    assert len(parts) == -(-len(every) // 40) > 1
    split = []
    for n in range(1, len(files)):
        locs = [e.text for e in ET.fromstring(files[f"sitemap-{n}.xml"]).findall("s:url/s:loc", ns)]
        assert 0 < len(locs) <= 40
        split += locs
    assert split == every


@pytest.mark.parametrize("left_out", ["none", "every other", "all"])
def test_the_sitemap_names_the_pages_of_products_not_planned_as_planning_them_would(
    sample_catalogue: Catalogue, left_out: str
) -> None:
    slugs = [product.slug for product in sample_catalogue.products]
    skip = {"none": set(), "every other": set(slugs[::2]), "all": set(slugs)}[left_out]
    every = plan_pages(sample_catalogue)
    assert {"product", "gtin", "lot"} <= {spec.route.kind for spec in every}
    # and a product without a GTIN, whose lots' pages are found by its slug
    for product in sample_catalogue.products:
        for variant in (product, dataclasses.replace(product, gtin=None)):
            planned = trace.product_trace_pages(sample_catalogue, None, variant)
            listed = [spec.route for spec in planned if spec.in_sitemap]
            assert trace.listed_trace_routes(variant) == listed
    block: list[int] = []
    specs = plan_pages(sample_catalogue, skip=skip, block=block)
    assert len(specs) < len(every) or not skip
    assert listed_routes(sample_catalogue, specs, block) == [
        spec.route for spec in every if spec.in_sitemap
    ]
    urls = Urls("https://example.org/", sample_catalogue.config.languages)
    named = feeds.sitemap_files(listed_routes(sample_catalogue, specs, block), urls)
    assert named == feeds.sitemaps(every, urls)


def test_a_products_code_pages_are_planned_beside_it_and_listed_after_every_product(
    sample_catalogue: Catalogue,
) -> None:
    traced = {"gtin", "lot", "slug_lot"}
    owners: dict[Route, str] = {}
    specs = plan_pages(sample_catalogue, owners=owners)
    routes = [spec.route for spec in specs]
    assert traced & {route.kind for route in routes}
    # rendered right after the product's own page, whose structured data and verdict they show
    for before, route in itertools.pairwise(routes):
        if route.kind in traced:
            assert owners[before] == owners[route]
    # the sitemap lists every product's page, then every GTIN and lot page, as it always has
    listed = [spec.route for spec in specs if spec.in_sitemap]
    first = next(i for i, route in enumerate(listed) if route.kind == "product")
    expected = [
        *listed[:first],
        *(route for route in listed if route.kind == "product"),
        *(route for route in listed if route.kind in traced),
        *(route for route in listed[first:] if route.kind not in {"product", *traced}),
    ]
    assert feeds._listed(specs) == expected
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = Urls("https://example.org/", sample_catalogue.config.languages)
    (whole,) = feeds.sitemaps(specs, urls).values()
    lang = sample_catalogue.config.languages[0]
    locs = [e.text for e in ET.fromstring(whole).findall("s:url/s:loc", ns)]
    ours = {urls.absolute(route, lang) for route in listed}
    assert [loc for loc in locs if loc in ours] == [urls.absolute(r, lang) for r in expected]


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_counts_every_page_once_and_ends_at_the_total(tmp_path: Path, jobs: int) -> None:
    """The progress shown while building counts the pages made with other outputs (the
    search pages, made with the index) in the total too: it never passes the total and
    ends at it, in a clean build and in an update in place."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    calls: list[tuple[int, int]] = []
    for attempt in ("clean", "update"):
        calls.clear()
        result = build(
            site,
            tmp_path / "out",
            build_date=BUILD_DATE,
            jobs=jobs,
            progress=lambda done, total: calls.append((done, total)),
        )
        assert result.updated_in_place == (attempt == "update")
        assert calls[-1] == (result.pages, result.pages)
        assert all(done <= total for done, total in calls)
        record = site / "content/products/mien-dong/product.yaml"
        record.write_text(record.read_text("utf-8").replace("Tài Hoan", "Tài Hoàn"), "utf-8")
