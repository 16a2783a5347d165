"""Search figures for the benchmark: index sizes, script size, query times in Chromium.

Query times are measured on the search engine itself (``OcopSearch.run`` from the
theme's search.js, over the real index of a catalogue) in headless Chromium,
so they do not depend on how fast the rest of a page paints.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from sitekit import CHROMIUM_ARGS  # noqa: E402  (the same browser flags as the tests)

#: What people type: with and without diacritics, prefixes, places, several words.
QUERIES = [
    "mien dong", "Miến dong", "mat ong", "mật ong", "nuoc mam", "hat dieu", "duong phen",
    "bac kan", "ha giang", "tra", "chè", "gao nep", "ca kho", "thit trau", "gom", "tho cam",
    "non la", "dao", "lan ho diep", "homestay", "huu co", "dac biet", "tai hoan", "thai nguyen",
    "quang ninh", "m", "mi", "mie", "ruou ngo", "tinh dau que",
]  # fmt: skip


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def index_bytes(site: Path) -> dict[str, bytes]:
    """The encoded search index of each language of the site in ``site``."""
    from ocopsite import search
    from ocopsite.build import BuildResult, prepare
    from ocopsite.diagnostics import Diagnostics
    from ocopsite.render import Renderer

    ready = prepare(site, BuildResult(), Diagnostics(relative_to=site))
    renderer = Renderer(ready.catalogue, ready.theme, ready.strings, ready.urls, {}, {})
    return {
        lang: search.encode(search.build_index(ready.catalogue, views))
        for lang, views in renderer.views.items()
    }


def script_sizes() -> dict[str, int]:
    static = ROOT / "themes/default/static"
    return {name: gz((static / name).read_bytes()) for name in ("search.js", "ocop.js")}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def query_times(index: bytes, runs: int = 100) -> dict[str, Any]:
    """Median and 95th percentile of ``runs`` queries; time to load and prepare the index."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "index.json").write_bytes(index)
        (folder / "search.js").write_bytes((ROOT / "themes/default/static/search.js").read_bytes())
        (folder / "index.html").write_text(
            '<!doctype html><meta charset="utf-8"><script src="search.js"></script>', "utf-8"
        )
        handler = functools.partial(_Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
                result = page.evaluate(
                    """async ([queries, runs]) => {
                        const t0 = performance.now();
                        const ix = await (await fetch("index.json")).json();
                        const engine = new OcopSearch(ix, {root: "/", prefix: ""});
                        const load = performance.now() - t0;
                        const times = [];
                        let hits = 0;
                        for (let i = 0; i < runs; i++) {
                            const start = performance.now();
                            hits += engine.run(queries[i % queries.length], {}).hits.length;
                            times.push(performance.now() - start);
                        }
                        return {load, times, hits, products: engine.products.length};
                    }""",
                    [QUERIES, runs],
                )
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    times = sorted(result["times"])
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95) - 1],
        "load_ms": result["load"],
        "products": result["products"],
    }


if __name__ == "__main__":
    site = Path(sys.argv[1])
    for lang, data in index_bytes(site).items():
        print(lang, len(data), gz(data), json.dumps(query_times(data)))
    print(script_sizes())
