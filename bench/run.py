#!/usr/bin/env python3
"""Benchmark: build a site from clean in a child process and report speed and page weight.

    python bench/run.py                 # the sample site in the repository
    python bench/run.py --site DIR      # any site folder

Reports wall and CPU seconds, pages per second, peak RSS, output size and file
count, and the gzipped weight (HTML + CSS + JS, images excluded) of the
heaviest product page, against the 14 KB budget. Prints one Markdown table and
writes it to bench/results.md with the date and the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocopsite import qr  # noqa: E402

BUDGET_BYTES = 14 * 1024


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def page_weight(out: Path, page: Path) -> int:
    """Gzipped bytes of ``page`` plus every stylesheet and script it loads from the site."""
    html = page.read_bytes()
    total = gzipped(html)
    text = html.decode("utf-8")
    for url in re.findall(r'<link rel="stylesheet" href="([^"]+)"', text) + re.findall(
        r'<script[^>]+src="([^"]+)"', text
    ):
        if "/assets/" in url:
            total += gzipped((out / "assets" / url.rsplit("/assets/", 1)[1]).read_bytes())
    return total


def heaviest(out: Path, pattern: str) -> tuple[str, int]:
    pages = [p for p in out.glob(pattern) if p.is_file()]
    if not pages:
        return "-", 0
    weights = {p: page_weight(out, p) for p in pages}
    page = max(weights, key=lambda p: weights[p])
    return page.relative_to(out).as_posix(), weights[page]


def decode_uri(png: Path) -> str:
    """The text of the QR code in ``png`` (the bench only reads what the build wrote)."""
    from PIL import Image

    try:
        import zxingcpp
    except ImportError:  # the test extras are not installed: fall back to the file's place
        return ""
    with Image.open(png) as img:
        found = zxingcpp.read_barcodes(img)
    return found[0].text if found else ""


def build_once(site: Path, out: Path, date: str) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "build",
            "--site",
            str(site),
            "--out",
            str(out),
            "--date",
            date,
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stderr}")
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "rss_mb": after.ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT)
    parser.add_argument(
        "--date", default="2026-11-22", help="build date, fixed for comparable runs"
    )
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "public"
        cache = args.site / ".ocopsite-cache"
        if cache.exists():
            shutil.rmtree(cache)
        timing = build_once(args.site.resolve(), out, args.date)
        pages = sum(1 for _ in out.rglob("*.html"))
        files = [p for p in out.rglob("*") if p.is_file()]
        size_mb = sum(p.stat().st_size for p in files) / 1e6
        product_page, product_weight = heaviest(out, "**/products/*/index.html")
        lot_page, lot_weight = heaviest(out, "**/01/*/10/*/index.html")
        qr_uris = [decode_uri(p) for p in out.rglob("qr.png")]
        longest = max(qr_uris, key=len, default="")

    code = qr.make(longest) if longest else None
    rows = [
        ("HTML pages", f"{pages:,}"),
        ("full build from clean, wall", f"{timing['wall']:.2f} s"),
        ("full build from clean, CPU", f"{timing['cpu']:.2f} s"),
        ("pages per second", f"{pages / timing['wall']:.0f}"),
        ("peak RSS", f"{timing['rss_mb']:.0f} MB"),
        ("output", f"{size_mb:.1f} MB in {len(files):,} files"),
        (
            "heaviest product page, gzipped HTML+CSS+JS",
            f"{product_weight / 1024:.1f} KB ({product_page}); budget 14 KB: "
            + ("within" if product_weight <= BUDGET_BYTES else "OVER"),
        ),
        (
            "heaviest lot page, gzipped HTML+CSS+JS",
            f"{lot_weight / 1024:.1f} KB ({lot_page}); budget 14 KB: "
            + ("within" if lot_weight <= BUDGET_BYTES else "OVER"),
        ),
    ]
    if code is not None:
        rows.append(
            (
                "longest QR URI",
                f"{len(longest)} chars, version {code.version}-{code.error}, "
                f"{code.modules}×{code.modules} modules (+4 quiet zone), "
                f"{qr.PNG_SCALE} px/module in qr.png: `{longest}`",
            )
        )
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    table = "| measure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    report = (
        f"# Benchmark results\n\nSite: `{args.site.resolve().name}`, build date {args.date}. "
        f"Measured {dt.date.today().isoformat()} on {machine}.\n\n{table}"
    )
    print(table, end="")
    args.results.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
