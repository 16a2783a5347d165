"""Serve path traversal: the preview server never answers with a file from outside the output."""

from __future__ import annotations

import functools
import http.client
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocopsite.commands.serve import StaticHandler, output_path, request_segments


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """An output folder next to files it must never serve; yields (port, output folder)."""
    (tmp_path / "secret.txt").write_text("SECRET", encoding="utf-8")
    (tmp_path / "404.html").write_text("SECRET 404", encoding="utf-8")
    out = tmp_path / "public"
    (out / "en").mkdir(parents=True)
    (out / "index.html").write_text("home", encoding="utf-8")
    (out / "404.html").write_text("not found vi", encoding="utf-8")
    (out / "en" / "404.html").write_text("not found en", encoding="utf-8")
    (out / "leak.txt").symlink_to(tmp_path / "secret.txt")
    handler = functools.partial(StaticHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # a short poll lets shutdown() return at once instead of after the default half second
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server.server_address[1], out
    finally:
        server.shutdown()
        server.server_close()


def _get(port: int, path: str) -> tuple[int, str, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)  # sent as written: no client-side normalisation
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, body, response.getheader("Location")


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/../404.html",
        "/%2e%2e/secret.txt",
        "/en/../../secret.txt",
        "/en/%2E%2E/%2e%2e/404.html",
        "/..%2fsecret.txt",
        "//../secret.txt",
        "/leak.txt",
        "/../",
    ],
)
def test_serve_path_traversal_never_leaves_the_output(served: tuple[int, Path], path: str) -> None:
    port, _ = served
    status, body, _ = _get(port, path)
    assert "SECRET" not in body
    assert status in (200, 404)


def test_serve_still_serves_pages_404s_and_folders(served: tuple[int, Path]) -> None:
    port, _ = served
    assert _get(port, "/")[:2] == (200, "home")
    assert _get(port, "/index.html?x=1")[:2] == (200, "home")
    assert _get(port, "/en/nothing/")[:2] == (404, "not found en")
    assert _get(port, "/../en/nothing")[:2] == (404, "not found en")
    assert _get(port, "/nothing")[:2] == (404, "not found vi")
    assert _get(port, "/en")[0] == 301


def test_request_segments_drop_dot_segments() -> None:
    assert request_segments("/../a/./b/%2e%2e/c?q=/../x#..") == ["a", "c"]
    assert request_segments("//en//products/") == ["en", "products"]


@pytest.mark.parametrize(
    ("page", "path"),
    [
        ("/", "index.html"),
        ("/en/", "en/index.html"),
        ("/products/mien-dong/", "products/mien-dong/index.html"),
        ("/products/mien-dong", "products/mien-dong/index.html"),
        ("/404.html", "404.html"),
        ("/a/../../products/x/", "products/x/index.html"),
    ],
)
def test_a_page_address_names_the_output_file_it_is_served_from(page: str, path: str) -> None:
    assert output_path(page) == path
