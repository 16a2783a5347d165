"""The command line: summary line, scaffolding, the console script and the preview server."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitekit import SITES, copy_site, free_port

from ocopsite.commands import cli
from ocopsite.commands.cli import main


def test_build_prints_one_line_summary(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    result = CliRunner().invoke(main, ["build", "--site", str(site), "--date", "2026-03-01"])
    assert result.exit_code == 0, result.output
    summary = result.stdout.strip().splitlines()[-1]
    # a name and a text in Vietnamese only; notes: no label sheets for an expired and a
    # revoked rating, and for a recalled lot
    assert summary.startswith("Built 98 pages from 9 records, 2 warnings, 3 notes, in ")
    assert (site / "public/index.html").is_file()
    assert ": note: no label sheets: the OCOP rating is expired on 2026-03-01" in result.stderr


def test_warnings_written_a_few_at_a_time_are_every_one_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    args = ["build", "--site", str(site), "--date", "2026-03-01", "--out"]
    whole = CliRunner().invoke(main, [*args, str(tmp_path / "a")])
    monkeypatch.setattr(cli, "WARNINGS_AT_ONCE", 2)  # 2 warnings and 3 notes: three writes
    written = CliRunner().invoke(main, [*args, str(tmp_path / "b")])
    assert whole.exit_code == written.exit_code == 0, written.output
    told = [line for line in whole.stderr.splitlines() if re.search(": (warning|note): ", line)]
    assert len(told) == 5
    assert [line for line in written.stderr.splitlines() if line in told] == told


def test_strict_build_does_not_fail_on_the_day_a_rating_runs_out(tmp_path: Path) -> None:
    """A withheld label sheet is a note, not a warning: the records are not wrong."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    # the fixture's two warnings are not what this test is about: translate both
    (site / "content/products/dao-canh/en.md").write_text("Peach blossom.\n", "utf-8")
    producer = site / "content/producers/htx-tai-hoan/producer.yaml"
    name = "name: {vi: Hợp tác xã Tài Hoan, en: Tai Hoan Cooperative}"
    producer.write_text(
        producer.read_text("utf-8").replace("name: Hợp tác xã Tài Hoan", name), "utf-8"
    )
    args = ["check", "--site", str(site), "--strict", "--date"]
    result = CliRunner().invoke(main, [*args, "2026-03-01"])
    assert result.exit_code == 0, result.output
    assert ": note: no label sheets" in result.stderr


def test_bad_date_option_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--site", str(tmp_path), "--date", "2026-13-01"])
    assert result.exit_code == 2 and "is not a date written YYYY-MM-DD" in result.output


def test_missing_config_is_reported(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--site", str(tmp_path)])
    assert result.exit_code == 1
    assert "site_config.yaml: error: cannot read file" in result.stderr


def test_new_records_build_as_they_are(tmp_path: Path) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    runner = CliRunner()
    for kind, slug in (("producer", "htx-moi"), ("product", "san-pham-moi"), ("news", "tin-moi")):
        result = runner.invoke(main, ["new", "--site", str(site), kind, slug])
        assert result.exit_code == 0, result.output
    assert (site / "content/products/san-pham-moi/product.yaml").is_file()
    checked = runner.invoke(main, ["check", "--site", str(site), "--strict"])
    assert checked.exit_code == 0, checked.output
    again = runner.invoke(main, ["new", "--site", str(site), "producer", "htx-moi"])
    assert again.exit_code == 1 and "already exists" in again.stderr
    bad = runner.invoke(main, ["new", "--site", str(site), "product", "Sản phẩm"])
    assert bad.exit_code == 1 and "not a valid slug" in bad.stderr


def test_new_product_needs_a_producer(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    result = CliRunner().invoke(main, ["new", "--site", str(tmp_path), "product", "x"])
    assert result.exit_code == 1 and "new producer SLUG" in result.stderr


def test_console_script_matches_build_py(tmp_path: Path) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    proc = subprocess.run(
        [sys.executable, "-m", "ocopsite", "check", "--site", str(site)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("Checked 24 pages")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_serve_builds_serves_and_rebuilds_on_change(tmp_path: Path) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ocopsite", "serve", "--site", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/"
        deadline = time.time() + 30
        status = 0
        while time.time() < deadline and status != 200:
            time.sleep(0.3)
            try:
                status, html = _get(base + "products/mat-ong/")
            except OSError:
                continue
        assert status == 200 and "Mật ong bạc hà" in html
        assert f'href="{base}products/mat-ong/"' in html  # links point at the preview server
        missing, page = _get(base + "khong-co/")
        assert missing == 404 and "Không tìm thấy trang" in page
        product = site / "content/products/mat-ong/product.yaml"
        product.write_text(
            product.read_text(encoding="utf-8").replace("Mật ong bạc hà", "Mật ong hoa bạc hà"),
            encoding="utf-8",
        )
        deadline = time.time() + 30
        while time.time() < deadline and "Mật ong hoa bạc hà" not in html:
            time.sleep(0.3)
            _, html = _get(base + "products/mat-ong/")
        assert "Mật ong hoa bạc hà" in html
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_on_a_busy_port_says_so(tmp_path: Path) -> None:
    import socket

    site = copy_site(SITES / "minimal", tmp_path / "site")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "ocopsite", "serve", "--site", str(site), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1
    assert f"cannot serve on 127.0.0.1:{port}" in proc.stderr and "--port" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_only_builds_the_pages_named_and_the_next_build_is_whole(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    runner = CliRunner()
    full = runner.invoke(main, ["build", "--site", str(site), "--date", "2026-03-01"])
    assert full.exit_code == 0, full.output
    everything = sorted(p.relative_to(site / "public") for p in (site / "public").rglob("*"))

    partial = runner.invoke(
        main, ["build", "--site", str(site), "--date", "2026-03-01", "--only", "product,category"]
    )
    assert partial.exit_code == 0, partial.output
    public = site / "public"
    pages = sorted(p.relative_to(public).as_posix() for p in public.rglob("index.html"))
    assert pages and all(p.startswith(("products/", "category/", "en/")) for p in pages)
    assert all("/lots/" not in p and "/label/" not in p for p in pages)
    assert "en/category/food/index.html" in pages
    assert not (public / "products/index.html").exists()  # the listing was not asked for
    assert not list(public.rglob("qr.png")) and not (public / "search").exists()
    assert list((public / "assets").iterdir())  # the pages still have their styles

    again = runner.invoke(main, ["build", "--site", str(site), "--date", "2026-03-01"])
    assert again.exit_code == 0, again.output
    assert "Nothing changed" not in again.output
    assert sorted(p.relative_to(public) for p in public.rglob("*")) == everything


def test_only_refuses_unknown_names(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--site", str(tmp_path), "--only", "prodcut"])
    assert result.exit_code == 2
    assert "unknown page kind 'prodcut'; choose from home, products, product," in result.output
