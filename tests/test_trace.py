"""Traceability: GS1 Digital Link pages, QR codes that scan, label sheets, linksets."""

from __future__ import annotations

import functools
import io
import json
import random
import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from conftest import BUILD_DATE, BuiltSite
from PIL import Image
from sitekit import SITES, copy_site, serve_folder

from ocopsite.build import build
from ocopsite.trace import labels, qr

BASE = "https://example.org/ocop/"


def qr_pngs(out: Path) -> list[Path]:
    return sorted(out.rglob("qr.png"))


def decode(path: Path) -> list[str]:
    with Image.open(path) as img:
        return [r.text for r in zxingcpp.read_barcodes(img)]


def test_gs1_digital_link_pages_exist(bilingual_site: BuiltSite) -> None:
    out = bilingual_site.out
    for rel in (
        "01/09520000001018/index.html",
        "01/09520000001018/10/TH2510A/index.html",
        "01/09520000001018/10/TH2512B/index.html",
        "en/01/09520000001018/10/TH2510A/index.html",
        "01/09520000001049/10/VD2507/index.html",
    ):
        assert (out / rel).is_file(), rel


@pytest.fixture(scope="module")
def served_root(
    bilingual_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(bilingual_site.out, root / "ocop")
    with serve_folder(root) as url:
        yield url


def test_every_qr_code_decodes_to_its_page(bilingual_site: BuiltSite, served_root: str) -> None:
    """Decode every QR PNG; the URI is the page's canonical address and resolves to it."""
    out = bilingual_site.out
    codes = qr_pngs(out)
    assert len(codes) == 4 + 3  # one per product and one per lot
    for png in codes:
        folder = png.parent.relative_to(out).as_posix() + "/"
        (uri,) = decode(png)
        # a product without a GTIN: its page, which ?scan switches to the reader's language
        scan = "?scan" if folder.startswith("products/") and "/lots/" not in folder else ""
        expected = BASE + (folder.rstrip("/") if folder.startswith("01/") else folder) + scan
        assert uri == expected, png
        # "python -m http.server" redirects /01/x to /01/x/, as most static hosts do
        local = served_root + uri.removeprefix("https://example.org/").removesuffix(scan)
        with urllib.request.urlopen(local + scan, timeout=10) as response:
            assert response.status == 200
            assert response.url == local + ("/" if not local.endswith("/") else "") + scan
            html = response.read().decode()
        assert f'<link rel="canonical" href="{BASE}{folder}">' in html
        assert f'<img src="/ocop/{folder}qr.svg"' in html


def test_qr_codes_use_error_correction_m_or_better_and_small_versions(
    bilingual_site: BuiltSite,
) -> None:
    uri = BASE + "01/09520000001018/10/TH2512B"
    code = qr.make(uri)
    assert code.error in ("M", "Q", "H")
    assert code.version <= 5
    assert (bilingual_site.out / "01/09520000001018/10/TH2512B/qr.svg").read_bytes() == code.svg
    assert b'viewBox="0 0 ' in code.svg


def _svg_modules(svg: bytes, side: int) -> list[list[bool]]:
    """The dark modules an SVG of :func:`qr.make` strokes (``M x y.5 hN``, then ``m dx dy hN``)."""
    dark = [[False] * side for _ in range(side)]
    path = re.search(rb'stroke="#000" d="([^"]+)"', svg)
    assert path is not None
    x = y = 0
    for move, dx, dy, width in re.findall(r"([Mm])(-?\d+) (-?\d+)(?:\.5)?h(\d+)", path[1].decode()):
        x, y = (int(dx), int(dy)) if move == "M" else (x + int(dx), y + int(dy))
        for column in range(x, x + int(width)):
            dark[y][column] = True
        x += int(width)
    return dark


def test_qr_code_reports_its_format_and_svg_and_png_show_one_matrix(
    bilingual_site: BuiltSite,
) -> None:
    uri = BASE + "01/09520000001018/10/TH2512B"
    code = qr.make(uri)
    assert qr.make(uri) == code  # deterministic
    with Image.open(io.BytesIO(code.png)) as img:
        (found,) = zxingcpp.read_barcodes(img.convert("L"))
        png_side = img.width // qr.PNG_SCALE
        pixels = img.convert("L").resize((png_side, png_side), Image.Resampling.NEAREST)
    assert found.text == uri
    # version, level and mask as an independent decoder reads them from the symbol
    assert found.extra["Version"] == str(code.version)
    assert found.extra["DataMask"] == code.mask
    assert found.ec_level == code.error
    assert code.modules == 17 + 4 * code.version
    side = code.modules + 2 * qr.QUIET_ZONE
    assert png_side == side
    png_dark = [[pixels.getpixel((x, y)) == 0 for x in range(side)] for y in range(side)]
    assert _svg_modules(code.svg, side) == png_dark == [list(row) for row in qr.matrix(uri)]


def test_stronger_error_correction_is_taken_when_it_costs_no_size() -> None:
    for uri in (BASE, BASE + "01/09520000001018/10/TH2512B", BASE + "san-pham/" + "a" * 40):
        code = qr.make(uri)
        for level in ("M", "Q", "H"):
            if "MQH".index(level) > "MQH".index(code.error):
                assert len(qr._symbol(uri, level)) > code.modules, (uri, level)


def _tried_in_turn(uri: str) -> qr.Modules:
    """The symbol of M, Q and H each encoded in turn: the strongest that keeps M's size."""
    best = qr._symbol(uri, "M")
    for level in ("Q", "H"):
        stronger = qr._symbol(uri, level)
        if len(stronger) != len(best):
            break
        best = stronger
    return best


def test_levels_not_tried_could_not_have_kept_the_size() -> None:
    """The capacities that spare encoding some levels are ISO 18004's, as segno has them,
    and sparing them changes no symbol."""
    from segno import consts

    for level, codewords in qr._DATA_CODEWORDS.items():
        ours = consts.ERROR_MAPPING[level]
        assert codewords == tuple(consts.SYMBOL_CAPACITY[v][ours] // 8 for v in range(1, 41))
    rng = random.Random(18004)
    uris = [BASE + "x" * n for n in range(0, 400, 7)] + [BASE + "9" * n for n in range(0, 900, 23)]
    uris += ["".join(rng.choices("09AZaz:/.-%é", k=rng.randint(1, 120))) for _ in range(300)]
    uris += [f"{BASE}01/0952{rng.randrange(10**10):010d}/10/L{n}" for n in range(100)]
    for uri in uris:
        assert qr.modules(uri) == _tried_in_turn(uri), uri


def _least_bits_by_trying_every_split(text: str, version_class: int) -> int:
    numeric, alphanumeric, byte = qr._HEADER_BITS[version_class]

    @functools.cache
    def rest(start: int) -> int:
        if start == len(text):
            return 0
        least = 1 << 30
        for end in range(start + 1, len(text) + 1):
            part, count = text[start:end], end - start
            if all(c in "0123456789" for c in part):
                least = min(least, numeric + 10 * (count // 3) + (0, 4, 7)[count % 3] + rest(end))
            if all(c in qr._ALPHANUMERIC for c in part):
                least = min(least, alphanumeric + 11 * (count // 2) + 6 * (count % 2) + rest(end))
            least = min(least, byte + 8 * count + rest(end))
        return least

    return rest(0)


def test_least_bits_are_those_of_the_best_split_into_segments() -> None:
    rng = random.Random(3)
    for _ in range(400):
        text = "".join(rng.choices("0123456789AB:/.-ab", k=rng.randint(1, 24)))
        for version_class in (0, 1, 2):
            expected = _least_bits_by_trying_every_split(text, version_class)
            assert qr._least_bits(text, version_class) == expected, (text, version_class)


def test_label_sheets_scan_at_print_resolution(bilingual_site: BuiltSite) -> None:
    sheets = sorted(bilingual_site.out.rglob("label.png"))
    # only ratings in force get sheets: mien-dong (not its lots: TH2510A is past its
    # best-before date, TH2512B recalled) and dao-canh; not ruoc-hau (expired) nor
    # mang-kho (revoked)
    assert sorted(s.parent.parent.relative_to(bilingual_site.out).as_posix() for s in sheets) == [
        "01/09520000001018",
        "products/dao-canh",
    ]
    for sheet in sheets:
        with Image.open(sheet) as img:
            assert img.size == (2480, 3508) and round(img.info["dpi"][0]) == 300
        decoded = decode(sheet)
        page = sheet.parent.parent.relative_to(bilingual_site.out).as_posix()
        # GS1 Digital Link paths without their slash; a product without a GTIN, its page
        # (asked to open in the reader's language), and its lots their own pages
        tail = "" if page.startswith("01/") else "/" if "/lots/" in page else "/?scan"
        expected = BASE + page + tail
        assert decoded == [expected] * (labels.COLUMNS * labels.ROWS), sheet


def test_label_html_sheet_is_printable(sample_site: BuiltSite) -> None:
    html = sample_site.page("01/09520000001018/10/TH2603B/label/")
    assert "@page{size:A4;margin:0}" in html
    assert html.count('<div class="label">') == 21
    assert "Lô/Lot: TH2603B" in html and "Quét để kiểm tra<br>Scan to verify" in html
    assert '<meta name="robots" content="noindex">' in html


def test_a_lot_past_its_best_before_date_gets_no_labels(bilingual_site: BuiltSite) -> None:
    """Old stock is not relabelled for sale: the lot's label page says why."""
    html = bilingual_site.page("01/09520000001018/10/TH2510A/label/")
    assert '<div class="label">' not in html
    assert "lô TH2510A đã quá hạn sử dụng." in html
    assert not (bilingual_site.out / "01/09520000001018/10/TH2510A/label/label.png").exists()


def test_lot_page_contents(bilingual_site: BuiltSite) -> None:
    html = bilingual_site.page("en/01/09520000001018/10/TH2512B/")
    # one verdict, the worst: the recall, and nothing after it says "valid"
    verdict = html.index('<p class="verdict verdict-recalled"')
    assert html.count('class="verdict') == 1 and html.index("<h1>") < verdict
    assert "Lot TH2512B has been recalled since 10 Jan 2026" in html and "Packaging fault" in html
    assert 'role="alert"' in html[verdict : html.index(">", verdict)]
    shown = re.sub(r' data-[a-z]+="[^"]*"', "", html)  # what the reader sees, not script data
    assert "rating valid until" not in shown and "verdict-valid" not in shown
    # built on 2026-11-22, less than 90 days before the rating's end: valid, said plainly
    valid = bilingual_site.page("en/01/09520000001018/")
    assert '<p class="verdict verdict-valid"' in valid
    assert "OCOP 5-star rating valid until 20 Dec 2026." in valid
    assert "Expiring" not in valid and "expires soon" not in valid
    lot = bilingual_site.page("en/01/09520000001018/10/TH2510A/")
    # best before 15 Oct 2026, built on 22 Nov 2026: the lot's own date decides
    assert '<p class="verdict verdict-lot_expired"' in lot
    assert "Lot TH2510A is past its best-before date (15 Oct 2026)" in lot
    assert lot.index("Harvest") < lot.index("Packing")  # timeline order
    then = lot[lot.index("Certifications valid on the production date") :]
    assert "HACCP-OLD" not in then  # expired before the production date
    assert "VG-1" in then and "ISO-1" in then  # the product's VietGAP, the producer's ISO 22000
    assert '<a href="/ocop/products/mien-dong/">Full product information' in lot.replace(
        "/ocop/en/products", "/ocop/products"
    )
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', lot).group(1))  # type: ignore[union-attr]
    assert data["hasGS1DigitalLink"] == BASE + "01/09520000001018"
    assert data["productionDate"] == "2025-10-15"


def test_expired_rating_lot_says_so(bilingual_site: BuiltSite) -> None:
    html = bilingual_site.page("01/09520000001049/")
    assert 'class="verdict verdict-expired"' in html and 'role="alert"' in html
    assert "đã hết hạn ngày 15/09/2025" in html
    # its lot is also past its best-before date (2026-07-02), which comes first
    lot = bilingual_site.page("01/09520000001049/10/VD2507/")
    assert '<p class="verdict verdict-lot_expired"' in lot and 'role="alert"' in lot
    assert "Lô VD2507 đã quá hạn sử dụng (02/07/2026)" in lot


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("products/mat-ong-bac-ha/", "Lô DV2604 đã bị thu hồi (12/05/2026)"),
        ("01/09520000001056/", "Lô DV2604 đã bị thu hồi (12/05/2026)"),
        ("en/01/09520000001056/", "Lot DV2604 recalled (12 May 2026)"),
    ],
)
def test_a_recalled_lot_is_named_at_the_top_of_its_products_pages(
    sample_site: BuiltSite, path: str, text: str
) -> None:
    """A shopper who checks the product (its page, or the barcode's check page), not the
    lot, is warned of the recall right under the verdict, in one line linking to the lot's
    page, which says what to do."""
    html = sample_site.page(path)
    alert = html.index('<p class="recall" role="alert">')
    assert html.index('class="verdict verdict-valid"') < alert < html.index("<h2")
    lot_link = "/01/09520000001056/10/DV2604/"
    assert f'<a href="{"/en" if path.startswith("en/") else ""}{lot_link}">{text}' in html


def test_lab_documents_are_copied(sample_site: BuiltSite) -> None:
    lot = sample_site.page("01/09520000001018/10/TH2510A/")
    assert 'href="/01/09520000001018/10/TH2510A/kiem-nghiem-th2510a.pdf"' in lot
    pdf = sample_site.out / "01/09520000001018/10/TH2510A/kiem-nghiem-th2510a.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_product_page_links_to_qr_downloads(bilingual_site: BuiltSite) -> None:
    html = bilingual_site.page("products/mien-dong/")
    for href in (
        "01/09520000001018/qr.svg",
        "01/09520000001018/qr.png",
        "01/09520000001018/label/",
        "01/09520000001018/label/label.png",
        "01/09520000001018/10/TH2510A/",
    ):
        assert f'href="/ocop/{href}"' in html, href
    no_gtin = bilingual_site.page("products/mang-kho/")
    assert 'href="/ocop/products/mang-kho/qr.svg"' in no_gtin
    assert (bilingual_site.out / "products/mang-kho/qr.png").is_file()


def test_linkset_and_resolver_description(bilingual_site: BuiltSite) -> None:
    data = json.loads((bilingual_site.out / "01/09520000001018/linkset.json").read_text())
    first = data["linkset"][0]
    assert first["anchor"] == BASE + "01/09520000001018"
    assert first["https://gs1.org/voc/pip"][1]["href"] == BASE + "en/products/mien-dong/"
    traces = {link["href"] for link in first["https://gs1.org/voc/traceability"]}
    assert BASE + "01/09520000001018/10/TH2510A/" in traces
    assert data["linkset"][1]["anchor"] == BASE + "01/09520000001018/10/TH2510A"
    resolver = json.loads((bilingual_site.out / ".well-known/gs1resolver").read_text())
    assert resolver["resolverRoot"] == "https://example.org/ocop"
    assert resolver["supportedPrimaryKeys"] == ["01"]
    assert resolver["linkTypeDefaultCanBeLinkset"] is False


def test_label_sheets_can_be_turned_off(tmp_path: Path) -> None:
    from sitekit import SITES, copy_site

    from ocopsite.build import build

    site = copy_site(SITES / "bilingual", tmp_path / "site")
    config = site / "site_config.yaml"
    config.write_text(config.read_text("utf-8") + "label_sheets: false\n", "utf-8")
    out = tmp_path / "public"
    build(site, out)
    assert not list(out.rglob("label.png")) and not list(out.rglob("label/index.html"))
    assert len(list(out.rglob("qr.png"))) == 7
    html = (out / "products/mien-dong/index.html").read_text()
    assert "qr.svg" in html and "/label/" not in html


def test_the_lots_of_a_product_without_a_gtin(tmp_path: Path) -> None:
    """A product without a GTIN has its lots' pages, QR codes and label sheets under its
    product page; a lot's code leads to its own page, which the product's page lists."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    record = site / "content/products/dao-canh/product.yaml"
    lot = "lots:\n  - {code: DC2601, produced: 2026-01-05, expires: 2027-01-05}\n"
    record.write_text(record.read_text("utf-8") + lot, "utf-8")
    out = tmp_path / "public"
    build(site, out, base_url=BASE, build_date=BUILD_DATE)
    page = "products/dao-canh/lots/DC2601/"
    for lang in ("", "en/"):
        html = (out / lang / page / "index.html").read_text("utf-8")
        assert '<p class="verdict verdict-valid"' in html and "DC2601" in html
    assert decode(out / page / "qr.png") == [BASE + page]
    assert decode(out / page / "label/label.png") == [BASE + page] * (labels.COLUMNS * labels.ROWS)
    product_page = (out / "products/dao-canh/index.html").read_text("utf-8")
    assert f'href="/ocop/{page}"' in product_page
