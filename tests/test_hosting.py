"""Pages open from their QR codes' URIs on real static servers: Python's http.server and
Debian's nginx, lot codes with "/" and other GS1 characters included; an unknown lot's
URI lands on a 404 page that says what to do."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import BuiltSite, _build
from sitekit import SITES, free_port, serve_folder

from ocopsite.view.urls import Route, Urls

pytestmark = pytest.mark.browser
BASE = "https://example.org/"
GTIN = "09520000002015"
#: Lot codes of the history site that need percent-encoding in a GS1 Digital Link URI.
LOTS = ("L01/2024", "A&B:7")
TEA = f"01/{GTIN}/"

_NGINX_CONF = """
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
{user}
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{
        text/html html; text/css css; application/javascript js; application/json json;
        image/svg+xml svg; image/png png; image/jpeg jpg; image/webp webp;
    }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files $uri $uri/ =404; }}
        absolute_redirect off;
        error_page 404 /404.html;
    }}
}}
"""


def _nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )


@contextmanager
def serve_with_nginx(root: Path, tmp: Path) -> Iterator[str]:
    """Serve ``root`` with Debian's nginx on a free loopback port; yields the root URL."""
    binary = _nginx()
    if binary is None:
        pytest.skip("nginx is not installed (`make test-deps` installs Debian's nginx)")
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(
        _NGINX_CONF.format(
            tmp=tmp, port=port, root=root, user="user root;" if os.geteuid() == 0 else ""
        ),
        "utf-8",
    )
    process = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(tmp), "-e", str(tmp / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"nginx did not start: {error}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def history_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return _build(SITES / "history", tmp_path_factory.mktemp("history"))


@pytest.fixture(scope="module", params=["http.server", "nginx"])
def server(
    request: pytest.FixtureRequest,
    history_site: BuiltSite,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    if request.param == "nginx":
        with serve_with_nginx(history_site.out, tmp_path_factory.mktemp("nginx")) as url:
            yield url
    else:
        with serve_folder(history_site.out) as url:
            yield url


@pytest.fixture(scope="module")
def nginx(history_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx with ``error_page 404 /404.html`` (http.server has no 404 page of its own)."""
    with serve_with_nginx(history_site.out, tmp_path_factory.mktemp("nginx404")) as url:
        yield url


def test_lot_codes_are_percent_encoded_in_the_qr_uri() -> None:
    urls = Urls(BASE, ("vi", "en"))
    assert urls.qr_uri(Route("lot", GTIN, "L01/2024")) == BASE + f"01/{GTIN}/10/L01%2F2024"
    assert urls.qr_uri(Route("lot", GTIN, "A&B:7")) == BASE + f"01/{GTIN}/10/A%26B%3A7"
    assert urls.output_path(Route("lot", GTIN, "L01/2024"), "en") == (
        f"en/01/{GTIN}/10/L01/2024/index.html"
    )


@pytest.mark.parametrize("code", LOTS)
def test_lot_page_opens_from_its_qr_uri(browser, server: str, code: str) -> None:  # type: ignore[no-untyped-def]
    uri = Urls(BASE, ("vi", "en")).qr_uri(Route("lot", GTIN, code))
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    response = page.goto(server + uri.removeprefix(BASE))
    assert response is not None and response.ok
    assert page.locator("h1").inner_text() == "Trà Yên Tử"
    assert f"Lô {code}" in page.locator(".lotline").inner_text()
    assert page.locator(".verdict").count() == 1
    # the page's own QR code names the same URI
    assert page.locator("details code").text_content() == uri
    context.close()


def test_unknown_lot_of_a_known_product(browser, nginx: str) -> None:  # type: ignore[no-untyped-def]
    """An English reader scans a lot that is not listed: the 404 page, switched to English."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    response = page.goto(nginx + f"01/{GTIN}/10/X99%2F2030")
    assert response is not None and response.status == 404
    link = page.locator(".unknown").get_by_role("link", name="Yen Tu tea")
    assert link.get_attribute("href") == f"/en/01/{GTIN}/"
    text = page.locator(".unknown").inner_text()
    assert f"Lot X99/2030 of the product with barcode number {GTIN} is not in this" in text
    assert "counterfeit" in text and "ocop@example.org" in text
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()


@pytest.mark.parametrize("lot", ["21", "22"])
def test_an_unknown_lot_coded_like_a_qualifier_is_said_unknown(  # type: ignore[no-untyped-def]
    browser, nginx: str, lot: str
) -> None:
    """A lot whose code is 21 or 22 (the keys of a serial and a variant) is a lot: the 404
    page says it is not listed, and does not send the reader round in a loop."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    response = page.goto(nginx + f"01/{GTIN}/10/{lot}/")
    assert response is not None and response.status == 404
    text = page.locator(".unknown").inner_text()
    assert f"Lot {lot} of the product with barcode number {GTIN} is not in this" in text
    page.wait_for_timeout(500)  # (a page sending the reader round would have moved on)
    assert page.url.endswith(f"01/{GTIN}/10/{lot}/")
    context.close()


@pytest.mark.parametrize(
    "printed",
    [
        GTIN[1:],
        GTIN[1:] + "/10/T2410",
        # a serial number or a variant, which the catalogue has no pages for
        GTIN + "/10/T2410/21/12345",
        GTIN + "/21/A7",
        GTIN[1:] + "/22/V1/10/T2410/21/9",
    ],
)
def test_a_gtin_13_opens_the_page_of_its_gtin_14(browser, nginx: str, printed: str) -> None:  # type: ignore[no-untyped-def]
    """The 13 digits printed under a barcode, typed into an address: the 404 page sends
    the reader on to the product's (or lot's) page, whose address has the GTIN-14; so is
    a Digital Link that also names a serial number (/21/) or a variant (/22/)."""
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.goto(nginx + "01/" + printed)
    page.wait_for_url(nginx + f"01/{GTIN}/" + ("10/T2410/" if "/10/" in printed else ""))
    assert page.locator("h1").inner_text() == "Trà Yên Tử"
    context.close()


def test_unknown_product(browser, nginx: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    response = page.goto(nginx + "01/9520000009997/10/L1")  # a GTIN-13, padded to 14
    assert response is not None and response.status == 404
    box = page.locator(".unknown")
    box.wait_for()
    assert "Lô L1 của sản phẩm có mã vạch 09520000009997 không có trong danh mục" in (
        box.inner_text()
    )
    page.wait_for_load_state("networkidle")
    assert box.get_by_role("link").count() == 0  # no product to name
    context.close()


@pytest.mark.parametrize(
    ("locale", "path", "lang"),
    [
        ("ko-KR", TEA, "en"),  # prefers neither language: the international one
        ("zh-CN", TEA, "en"),
        ("fr-FR", TEA, "en"),
        ("vi-VN", TEA, "vi"),
        ("vi-VN", "en/" + TEA, "en"),  # an explicit /en/ address is never switched
        ("ko-KR", "en/" + TEA, "en"),
    ],
)
def test_scanned_page_language(browser, server: str, locale: str, path: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(server + path)
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == lang
    context.close()


def test_chosen_language_is_remembered(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    page.goto(server + TEA)
    page.wait_for_url("**/en/" + TEA)
    page.get_by_role("link", name="Tiếng Việt").click()
    page.wait_for_url(server + TEA)
    page.goto(server + TEA)
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "vi"
    context.close()
