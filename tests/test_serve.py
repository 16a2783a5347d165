"""The preview server: an edit of a record shows in the open page by itself."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitekit import ROOT, SAMPLE_DATE, SITES, copy_site, free_port

from ocopsite.commands.serve import EVENTS


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    port = free_port()
    command = [sys.executable, str(ROOT / "build.py"), "serve", "--site", str(site)]
    command += ["--port", str(port), "--date", SAMPLE_DATE]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ
    )
    root = f"http://127.0.0.1:{port}/"
    try:
        assert process.stdout is not None
        for line in process.stdout:  # wait for the first build
            if line.startswith("Serving "):
                break
        else:
            pytest.fail("the server stopped before serving")
        yield site, root
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.browser
def test_an_edit_reloads_the_open_page(browser, served_site: tuple[Path, str]) -> None:  # type: ignore[no-untyped-def]
    site, root = served_site
    page = browser.new_page()
    page.goto(root + "products/mien-dong/")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Miến dong Tài Hoan"
    page.wait_for_selector("html[data-live]", state="attached")  # listening for rebuilds
    record = site / "content/products/mien-dong/product.yaml"
    text = record.read_text("utf-8")
    assert "Miến dong Tài Hoan" in text
    record.write_text(text.replace("Miến dong Tài Hoan", "Miến dong Tài Hoan mới", 1), "utf-8")
    page.wait_for_function(
        "document.querySelector('h1').innerText === 'Miến dong Tài Hoan mới'", timeout=60_000
    )
    page.close()
    # the reload script lives only in what the server sends, never in the built files
    built = (site / "public/products/mien-dong/index.html").read_text("utf-8")
    assert "Miến dong Tài Hoan mới" in built and EVENTS not in built
    with urllib.request.urlopen(root + "products/mien-dong/", timeout=10) as response:
        assert EVENTS in response.read().decode()


def test_a_normal_build_has_no_reload_script(tmp_path: Path) -> None:
    from ocopsite.build import build

    site = copy_site(SITES / "bilingual", tmp_path / "site")
    build(site, tmp_path / "out", jobs=1)
    pages = list((tmp_path / "out").rglob("*.html"))
    assert pages and not any(EVENTS in p.read_text("utf-8") for p in pages)
