"""Search figures for the benchmark: file sizes, query times and time to first results.

    python bench/searchbench.py SITE [--throttle 4] [--runs 300] [--timeline]

SITE is a site folder (a catalogue made by bench/gen_catalog.py). The search's files
are made exactly as a build makes them (``search.index_files``) and served with a
page shaped like the search page, so the real search.js runs in headless Chromium:

- sizes: every search file gzipped, each language's total, the largest single
  download, and what the first results of each first query downloaded (every
  request made before the first result card showed, the script included);
- query times: median and 95th percentile of searching *and* rendering the first
  page of results (``OcopSearch.show``), one-letter queries included;
- cold CPU (``--cpu N``, needs Node.js): the processor time of the script's work for the
  first results of each first query, from the index's head in hand to the data of its
  first eight cards, in a fresh Node.js process each time (code not yet optimised, as on
  a page just opened), the median of N: unlike wall-clock figures, it hardly moves with
  what else the machine is doing;
- first results: from opening ``/search/?q=…`` to the first result card on screen,
  with Chromium's CPU slowed down ``--throttle`` times (a mid-range phone), as
  the median of a few loads, each in a fresh browser context (nothing cached);
  the first results need the index's head, the shards of the query's words and the
  parts of the cards shown; ``all_parts_ms`` says when the rest of the index was in
  (the search is then ready for any query without a request);
- timeline (``--timeline``): where the time of each first query's first results goes, in
  order (the early script, each file asked for and in, its JSON read, search.js run, the
  head in, the engine made, the query run, the cards drawn, the paints), medians of
  ``--loads`` loads of marked copies of the page and of search.js.

The files are served by a static server in a process of its own (``--same-process``
serves them from a thread of this one, as this script did before: under load its
responses then waited for the browser's client, which runs in this process too).
Wall-clock figures depend on what else the machine is doing: run under
``flock /work/bench.lock`` (or the equivalent) and repeat when in doubt.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from sitekit import CHROMIUM_ARGS  # noqa: E402  (the same browser flags as the tests)

from ocopsite.output.scripts import served  # noqa: E402
from ocopsite.paths import bundled_theme  # noqa: E402

#: What people type: with and without diacritics, prefixes, one letter, places, codes.
QUERIES = [
    "mien dong", "Miến dong", "mat ong", "mật ong", "nuoc mam", "hat dieu", "duong phen",
    "bac kan", "ha giang", "tra", "chè", "gao nep", "ca kho", "thit trau", "gom", "tho cam",
    "non la", "dao", "lan ho diep", "homestay", "huu co", "dac biet", "tai hoan", "thai nguyen",
    "quang ninh", "m", "mi", "mie", "ruou ngo", "tinh dau que", "t", "b", "c", "h", "n",
    "global gap", "viet gap", "tp hcm", "ha noi", "dac san", "ba ria vung tau", "huyen",
]  # fmt: skip
#: Queries a visitor may open the search page with (first results).
FIRST = ["mien dong", "t", "bac kan", "mật ong"]


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def search_files(site: Path) -> dict[str, bytes]:
    """The search's output files (path → bytes) for the site in ``site``, base URL "/"."""
    from ocopsite.build import BuildResult, prepare
    from ocopsite.diagnostics import Diagnostics
    from ocopsite.render.renderer import Renderer
    from ocopsite.search import index as search

    ready = prepare(site, BuildResult(), Diagnostics(relative_to=site), base_url="http://x/")
    renderer = Renderer(ready.catalogue, ready.theme, ready.strings, ready.urls, {}, {})
    return search.index_files(ready.catalogue, renderer.views, ready.urls)


#: The search page as themes/default/templates/search.html loads the search: its inline
#: script that asks for the query's files first (``early``), the theme's stylesheet (cards
#: are laid out as on the site), ocop.js deferred and search.js async at the end, asked for
#: with a high priority (which ocop.js then skips).
PAGE = """<!doctype html><html lang="{lang}"><meta charset="utf-8">{early}<title>search</title>
<link rel="stylesheet" href="/style.css">
<script src="/ocop.js" defer></script>
<form class="search" action="/search/" data-index="/search/manifest.json" data-js="/search.js"
 data-browse="/browse/" data-facet-stars="Stars" data-facet-category="Group"
 data-facet-province="Province" data-facet-certification="Certification"
 data-facet-channel="Shop"><input id="q" name="q"><button>Go</button></form>
<div id="search-app" hidden></div><p class="note" id="search-unavailable" hidden>unavailable</p>
<script src="/search.js" id="ocop-search" async fetchpriority="high"></script></html>"""

FIRST_CARD = """
window.__first = null;
window.__ready = null;
new MutationObserver(function (changes, observer) {
  if (window.__first === null && document.querySelector("#search-app .results .card")) {
    window.__first = performance.now();
    window.__asked = performance.getEntriesByType("resource").map(function (e) {
      return new URL(e.name).pathname;
    });
    console.log("__first");
  }
  if (window.__ready === null && "searchReady" in document.documentElement.dataset) {
    window.__ready = performance.now();
    console.log("__ready");
  }
  if (window.__first !== null && window.__ready !== null) observer.disconnect();
}).observe(document, {childList: true, subtree: true, attributes: true});
"""


#: When each step of the first results ended, in ms from opening the page (the Performance
#: API, read once the first card is on screen): the page's HTML, the stylesheet, search.js,
#: the first paint, the manifest, the head, the shards or letter of the query's words, the
#: parts of its cards (the last of each, and when the first part was asked for), the first
#: card. Under CPU throttling the gaps between them are mostly the page's main thread busy
#: (style, layout and paint of the page, compiling search.js, the search's own work).
STEPS = """() => {
  const end = {}, asked = {}, first = window.__first;
  const kind = (p) => p === "/style.css" || p === "/search.js" ? p.slice(1) :
    p.endsWith("/manifest.json") ? "manifest" : /-(words|letter)\\./.test(p) ? "shards" :
    /-part\\./.test(p) ? "parts" :
    /^\\/search\\/[a-z]+\\.[0-9a-f]+\\.json$/.test(p) ? "head" : null;
  for (const e of performance.getEntriesByType("resource")) {
    const k = kind(new URL(e.name).pathname);
    if (!k || e.startTime > first) continue;
    end[k] = Math.max(end[k] || 0, e.responseEnd);
    asked[k] = Math.min(asked[k] === undefined ? Infinity : asked[k], e.startTime);
  }
  const paint = performance.getEntriesByType("paint")[0];
  const steps = {html: performance.getEntriesByType("navigation")[0].responseEnd,
    first_paint: paint ? paint.startTime : null};
  for (const k of ["style.css", "search.js", "manifest", "head", "shards"]) steps[k] = end[k];
  if (asked.head !== undefined) steps.head_asked = asked.head;
  if (asked.parts !== undefined) { steps.parts_asked = asked.parts; steps.parts = end.parts; }
  steps.first_card = first;
  for (const k in steps) steps[k] = steps[k] == null ? null : Math.round(steps[k]);
  return steps;
}"""


def median_steps(loads: list[dict[str, float | None]]) -> dict[str, float]:
    """The median of each step (:data:`STEPS`) over several loads."""
    keys = [k for k in loads[0] if all(load.get(k) is not None for load in loads)]
    return {k: round(statistics.median(float(load[k] or 0) for load in loads)) for k in keys}


def load_first(tab: Any, url: str, timeout: float = 60.0) -> None:
    """Open ``url`` in ``tab`` (with :data:`FIRST_CARD`) and wait for its first results
    and for the search to be ready, told by the page's console: waiting with Playwright's
    own functions (``wait_for_function``, selectors) would first run Playwright's script
    in the page, on the main thread the figures measure (140 ms at ×4 in a trace)."""
    import time

    said: list[str] = []
    tab.on("console", lambda message: said.append(message.text))
    tab.goto(url, wait_until="commit")
    end = time.monotonic() + timeout
    while not ("__first" in said and "__ready" in said):
        if time.monotonic() > end:
            raise TimeoutError(url)
        tab.wait_for_timeout(20)


def early_script(manifest: bytes | None = None, lang: str = "vi") -> str:
    """The search page's inline script (the theme's ``_search_early.html``), as built:
    with its language's part of ``manifest`` when given, as a build that makes the index
    makes the page (``ocopsite.output.plan._search``)."""
    from ocopsite.search.index import page_manifest
    from ocopsite.view.jsonld import script_json

    text = (ROOT / "themes/default/templates/_search_early.html").read_text("utf-8")
    text = re.sub(r"\{#.*?#\}\s*", "", text, flags=re.S).strip()
    named = script_json(page_manifest(manifest, lang)) if manifest is not None else "0"
    text = text.replace('{{ search_manifest|default("0") }}', named)
    return text.replace("{{ search.index }}", "/search/manifest.json")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


#: The static server of :func:`serve`, run as ``python -c SERVER FOLDER``: it prints its port.
SERVER = """
import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass
class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a page closed while it loaded
handler = functools.partial(Quiet, directory=sys.argv[1])
server = Server(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@contextlib.contextmanager
def serve(folder: Path, same_process: bool = False) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (``python -m http.server``'s handler, threaded) from a
    process of its own, or from a thread of this one; yields the root URL, without "/"."""
    if same_process:
        handler = functools.partial(_Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
        return
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.terminate()
        process.wait()


def measure(
    folder: Path, throttle: float, runs: int, loads: int = 5, same_process: bool = False
) -> dict[str, Any]:
    """Query times and first results of the search page served from ``folder``."""
    from playwright.sync_api import sync_playwright

    with serve(folder, same_process) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        page.goto(base + "/search/")
        page.wait_for_selector("html[data-search-ready]")
        times = page.evaluate(
            """([queries, runs]) => {
                    const times = [];
                    for (let i = 0; i < runs; i++) {
                        const start = performance.now();
                        OcopSearch.show(queries[i % queries.length]);
                        document.body.offsetHeight;  // layout, as a real render needs
                        times.push(performance.now() - start);
                    }
                    return times;
                }""",
            [QUERIES, runs],
        )
        first: dict[str, float] = {}
        steps: dict[str, dict[str, float]] = {}
        asked: dict[str, list[str]] = {}
        complete: list[float] = []
        for q in FIRST:
            samples = []
            loaded = []
            for _ in range(loads):
                context = browser.new_context(viewport={"width": 400, "height": 800})
                tab = context.new_page()
                tab.add_init_script(FIRST_CARD)
                cdp = context.new_cdp_session(tab)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
                load_first(tab, base + "/search/?q=" + q.replace(" ", "+"))
                samples.append(tab.evaluate("window.__first"))
                loaded.append(tab.evaluate(STEPS))
                asked[q] = tab.evaluate("window.__asked")
                complete.append(tab.evaluate("window.__ready"))
                context.close()
            first[q] = statistics.median(samples)
            steps[q] = median_steps(loaded)
        browser.close()
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "first_results_ms": {q: round(t) for q, t in first.items()},
        "first_results_files": asked,
        "first_results_steps": steps,
        "all_parts_ms": round(statistics.median(complete)),
        "throttle": throttle,
    }


#: The work of a first query in Node.js (``node COLD FOLDER QUERY``): files are read
#: before, parsed within the measure; prints the processor time of each step in ms.
COLD = """
const fs = require("fs"), path = require("path"), [folder, q] = process.argv.slice(2);
const texts = {}, read = (href) => texts[href] || fs.readFileSync(path.join(folder, href), "utf8");
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
globalThis.window = globalThis;
globalThis.document = { querySelector: () => null };
globalThis.fetch = (href) =>
  Promise.resolve({ ok: true, json: async () => JSON.parse(read(href)) });
const lang = process.argv[4] || "vi";
const head = read(JSON.parse(read("search/manifest.json"))[lang]), ix = JSON.parse(head);
const all = [ix.words, ix.columns, ix.letters].flatMap(Object.values).concat(ix.parts);
for (const h of all) texts[h] = read(h);
(async () => {
  const t = [cpu()];
  eval(read("search.js"));
  t.push(cpu());
  const engine = new OcopSearch(JSON.parse(head));
  t.push(cpu());
  await engine.load(engine.missing(q, {}));
  t.push(cpu());
  const hits = engine.run(q, {}).hits.slice(0, 8);
  t.push(cpu());
  await engine.load(engine.partsFor(hits));
  hits.forEach((i) => engine.product(i));
  t.push(cpu());
  const steps = ["script", "head", "files", "query", "cards"];
  console.log(JSON.stringify(Object.fromEntries(steps.map((s, k) => [s, t[k + 1] - t[k]]))));
})();
"""


def cold_cpu(folder: Path, samples: int, lang: str = "vi") -> dict[str, dict[str, float]]:
    """Median processor time (ms) of each step of the first results of each first query,
    and of all of them ("total"), over ``samples`` fresh Node.js processes (see COLD)."""
    (folder / "__cold.js").write_text(COLD, "utf-8")
    runs: dict[str, list[dict[str, float]]] = {q: [] for q in FIRST}
    for _ in range(samples):
        for q in FIRST:
            out = subprocess.run(
                ["node", str(folder / "__cold.js"), str(folder), q, lang],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            steps = json.loads(out)
            runs[q].append({**steps, "total": sum(steps.values()) - steps["script"]})
    return {
        q: {k: round(statistics.median(r[k] for r in rows), 1) for k in rows[0]}
        for q, rows in runs.items()
    }


#: Where search.js marks the steps of its first results for ``--timeline`` (a copy of the
#: script is marked, the site's is not): when it starts to run, when the index's head is in,
#: when its engine is made, the query run, and the first cards drawn.
TIMELINE_MARKS = [
    ('"use strict";', '"use strict"; __mark("search.js runs");'),
    (
        "engine = new OcopSearch(ix);",
        '__mark("head in"); engine = new OcopSearch(ix); __mark("engine made");',
    ),
    (
        "if (key !== last[0]) last = [key, engine.run(current.q, current.filters)];",
        'if (key !== last[0]) { __mark("query <");'
        " last = [key, engine.run(current.q, current.filters)];"
        ' __mark("query >"); }',
    ),
    ("    fill(0, limit);\n", '    __mark("cards <"); fill(0, limit); __mark("cards >");\n'),
]

#: The page's side of ``--timeline``: marks (and when each file's JSON was asked for and
#: read), then every file fetched before the first card, the HTML, and the paints.
TIMELINE_INIT = """
window.__t = [];
window.__mark = function (n) { __t.push([n, performance.now()]); };
var json = Response.prototype.json;
Response.prototype.json = function () {
  var u = new URL(this.url).pathname.replace(/\\.[0-9a-f]{10}\\.json$/, "");
  __mark("json < " + u);
  return json.call(this).then(function (v) { __mark("json > " + u); return v; });
};
"""
TIMELINE_READ = """() => {
  const out = window.__t.slice(), first = window.__first;
  for (const e of performance.getEntriesByType("resource")) {
    const p = new URL(e.name).pathname.replace(/\\.[0-9a-f]{10}\\.json$/, "");
    if (e.startTime > first) continue;
    out.push(["fetch < " + p, e.startTime], ["fetch > " + p, e.responseEnd]);
  }
  out.push(["html", performance.getEntriesByType("navigation")[0].responseEnd]);
  for (const p of performance.getEntriesByType("paint")) out.push([p.name, p.startTime]);
  out.push(["first card", first]);
  return out.filter((x) => x[1] <= first);
}"""


def timeline(folder: Path, throttle: float, loads: int) -> dict[str, dict[str, float]]:
    """For each first query, the median time (ms from opening the page) of each step of
    its first results (see :data:`TIMELINE_MARKS`, :data:`TIMELINE_INIT`), in order; for
    the early script, when it starts to run ("early"). With a marked copy of search.js and
    of the early script, served beside the page that :func:`measure` times."""
    from playwright.sync_api import sync_playwright

    script = (ROOT / "themes/default/static/search.js").read_text("utf-8")
    for plain, marked in TIMELINE_MARKS:
        assert plain in script, plain
        script = script.replace(plain, marked, 1)
    (folder / "search-marked.js").write_bytes(served("search.js", script.encode()))
    page = (folder / "search/index.html").read_text("utf-8")
    page = page.replace('src="/search.js"', 'src="/search-marked.js"')
    assert "<script>(function(m,n)" in page
    page = page.replace("<script>(function(m,n)", "<script>__mark('early');(function(m,n)", 1)
    (folder / "search/marked").mkdir(exist_ok=True)
    (folder / "search/marked/index.html").write_text(page, "utf-8")
    found: dict[str, dict[str, float]] = {}
    with serve(folder) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for q in FIRST:
            runs = []
            for _ in range(loads):
                context = browser.new_context(viewport={"width": 400, "height": 800})
                tab = context.new_page()
                tab.add_init_script(TIMELINE_INIT + FIRST_CARD)
                cdp = context.new_cdp_session(tab)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
                load_first(tab, base + "/search/marked/?q=" + q.replace(" ", "+"))
                runs.append(dict(tab.evaluate(TIMELINE_READ)))
                context.close()
            steps = [k for k in runs[0] if all(k in run for run in runs)]
            medians = {k: round(statistics.median(run[k] for run in runs)) for k in steps}
            found[q] = dict(sorted(medians.items(), key=lambda item: item[1]))
        browser.close()
    return found


def served_script(name: str) -> bytes:
    """A theme script as a built site serves it (minified, see ocopsite.output.scripts.served)."""
    theme = bundled_theme()
    return served(name, (theme / "static" / name).read_bytes(), True, theme)


def script_sizes() -> dict[str, int]:
    return {name: gz(served_script(name)) for name in ("search.js", "ocop.js")}


def query_times(index: Path, runs: int = 100) -> dict[str, Any]:
    """Median and 95th percentile of ``runs`` searches (the engine alone, no rendering)
    over one language's index (``out/search/<lang>.<hash>.json`` of a built site, whose
    parts are beside it), and the time to load and prepare it, unthrottled."""
    from playwright.sync_api import sync_playwright

    out = index.parent.parent
    script = served_script("search.js")
    page_html = '<!doctype html><meta charset="utf-8"><script src="/__bench.js"></script>'
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "__bench.js").write_bytes(script)
        (folder / "__bench.html").write_text(page_html, "utf-8")
        (folder / "search").symlink_to(out / "search")
        with serve(folder) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = browser.new_page()
            page.goto(base + "/__bench.html")
            result = page.evaluate(
                """async ([href, queries, runs]) => {
                    const t0 = performance.now();
                    const ix = await (await fetch(href)).json();
                    const engine = new OcopSearch(ix);
                    await engine.load(engine.all());
                    const load = performance.now() - t0;
                    const times = [];
                    for (let i = 0; i < runs; i++) {
                        const start = performance.now();
                        engine.run(queries[i % queries.length], {});
                        times.push(performance.now() - start);
                    }
                    return {load, times};
                }""",
                ["/search/" + index.name, QUERIES, runs],
            )
            browser.close()
    times = sorted(result["times"])
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95) - 1],
        "load_ms": result["load"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--throttle", type=float, default=4)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--lang", default="vi")
    parser.add_argument("--loads", type=int, default=5, help="loads of each first query")
    parser.add_argument(
        "--same-process", action="store_true", help="serve from a thread of this process"
    )
    parser.add_argument(
        "--no-inline",
        action="store_true",
        help="a search page without its copy of the manifest (as a partial build makes it)",
    )
    parser.add_argument(
        "--cpu", type=int, default=0, metavar="N", help="also cold CPU, median of N (Node.js)"
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="also each first query's steps, medians of --loads loads (marked copies)",
    )
    args = parser.parse_args()
    files = search_files(args.site)
    script = served_script("search.js")
    manifest = json.loads(files["search/manifest.json"])
    head = json.loads(files[manifest[args.lang].lstrip("/")])
    sizes = {"/" + path: gz(data) for path, data in files.items()}
    largest = max(sizes, key=sizes.__getitem__)
    print(
        json.dumps(
            {
                "products": head["count"],
                "files": len(files),
                "largest_gz": [largest, sizes[largest]],
                "total_gz": {
                    lang: sum(v for k, v in sizes.items() if k.startswith(f"/search/{lang}"))
                    for lang, head in manifest.items()
                    if isinstance(head, str)
                },
                "head_gz": sizes[manifest[args.lang]],
                "script_gz": gz(script),
            }
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for path, data in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(data)
        (folder / "search.js").write_bytes(script)
        (folder / "ocop.js").write_bytes(served_script("ocop.js"))
        (folder / "style.css").write_bytes((ROOT / "themes/default/static/style.css").read_bytes())
        manifest_bytes = None if args.no_inline else files["search/manifest.json"]
        page = PAGE.format(lang=args.lang, early=early_script(manifest_bytes, args.lang))
        (folder / "search/index.html").write_text(page, "utf-8")
        sizes["/search.js"] = gz(script)
        sizes["/ocop.js"] = gz(served_script("ocop.js"))
        if args.cpu:
            print(json.dumps({"cold_cpu_ms": cold_cpu(folder, args.cpu, args.lang)}))
        if args.timeline:
            print(json.dumps({"timeline_ms": timeline(folder, args.throttle, args.loads)}))
        figures = measure(folder, args.throttle, args.runs, args.loads, args.same_process)
        figures["first_results_gz"] = {
            q: sum(sizes.get(path, 0) for path in set(paths))
            for q, paths in figures.pop("first_results_files").items()
        }
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
