"""Edit to reload: how long from saving a product's record to the open page showing it.

    python bench/serve_latency.py SITE [--edits 5]

Starts ``build.py serve`` on SITE, opens the page of the first product whose star
level the granting rules let move (as bench/run.py edits it) in headless
Chromium (Debian's, with the tests' flags), and saves an edit of that product's
star level several times; each time it measures the wall time from the save to
the reloaded page's ``load`` event. The first build is not counted.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

sys.path.insert(0, str(ROOT / "bench"))

from run import editable_product, swap_stars  # noqa: E402  (an edit the granting rules allow)
from sitekit import CHROMIUM_ARGS  # noqa: E402  (the same browser flags as the tests)

CHROMIUM = "/usr/bin/chromium"
BUILD_DATE = "2026-11-22"


def edit_to_reload(site: Path, out: Path, edits: int = 5) -> dict[str, float]:
    """Median and slowest seconds from saving an edit to the reloaded page (see above)."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, str(ROOT / "build.py"), "serve", "--site", str(site)]
    command += ["--out", str(out), "--port", str(port), "--date", BUILD_DATE]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    record = editable_product(site)
    seconds = []
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if line.startswith("Serving "):
                break
        else:
            sys.exit("the preview server stopped before serving")
        # keep reading what the server prints (each rebuild repeats the catalogue's warnings):
        # a full pipe would block it
        threading.Thread(target=server.stdout.read, daemon=True).start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/products/{record.parent.name}/")
            for _ in range(edits + 1):
                page.wait_for_selector("html[data-live]", state="attached")
                page.evaluate("window.__before = 1")
                started = time.perf_counter()
                swap_stars(record)
                page.wait_for_function(
                    "window.__before === undefined && document.readyState === 'complete'",
                    timeout=600_000,
                )
                seconds.append(time.perf_counter() - started)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=60)
        if len(seconds) % 2:  # an odd number of swaps: put the record back
            swap_stars(record)
    timings = seconds[1:]  # the first edit warms the server's in-memory records
    return {"median": statistics.median(timings), "max": max(timings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--out", type=Path, default=Path("/tmp/ocopsite-serve-latency"))
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    result = edit_to_reload(args.site.resolve(), args.out.resolve(), args.edits)
    print(f"edit saved → page reloaded: median {result['median']:.2f} s, max {result['max']:.2f} s")


if __name__ == "__main__":
    main()
