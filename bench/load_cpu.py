"""CPU time of the fingerprint walk and the load+validate stage, in one process, at -j1.

    python bench/load_cpu.py SITE clean [--runs 3] [--profile OUT.prof]
    python bench/load_cpu.py SITE edit [--runs 3] [--profile OUT.prof]

``clean`` deletes the site's cache first, as a first build finds it; ``edit``
loads once to fill the record cache, then before each measured load moves one
product's stars between 3 and 4 (as bench/run.py does), as a rebuild after an
edit finds it. Each load runs as a build runs it: after the walk, whose stamps
it takes, inside a block where the collector may freeze what was loaded. Prints
the CPU seconds (``time.process_time``) of each run; the catalogue is left as
it was.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

from ocopsite.build import prepare
from ocopsite.diagnostics import Diagnostics
from ocopsite.load import fingerprint
from ocopsite.load.recordcache import gc_freezable
from ocopsite.output.publish import BuildResult
from ocopsite.paths import CACHE_DIR

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench_run

BUILD_DATE = dt.date(2026, 11, 22)


def load(site: Path, profile: cProfile.Profile | None = None) -> tuple[float, float]:
    """CPU seconds of the walk and of prepare (config, theme, strings and every record)."""
    cache = site / CACHE_DIR
    walked: dict[str, fingerprint.FolderStamp] = {}
    start = time.process_time()
    if profile is not None:
        profile.enable()
    fingerprint.site_fingerprint(site, None, BUILD_DATE, False, cache, walked)
    walk = time.process_time()
    with gc_freezable():
        prepare(
            site,
            BuildResult(),
            Diagnostics(relative_to=site),
            build_date=BUILD_DATE,
            cache_dir=cache,
            stamps=walked,
        )
    if profile is not None:
        profile.disable()
    return walk - start, time.process_time() - walk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("mode", choices=["clean", "edit"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="profile the last run into this file")
    args = parser.parse_args()
    site = args.site.resolve()
    product = bench_run.editable_product(site)
    if args.mode == "edit":
        load(site)  # the record cache as the last build left it
    edits = 0
    try:
        for index in range(args.runs):
            if args.mode == "clean":
                shutil.rmtree(site / CACHE_DIR, ignore_errors=True)
            else:
                bench_run.swap_stars(product)
                edits += 1
            last = index == args.runs - 1
            profile = cProfile.Profile() if args.profile and last else None
            walk, prepared = load(site, profile)
            print(
                f"{args.mode}: fingerprint walk {walk:.3f} s, load+validate {prepared:.3f} s (CPU)"
            )
            if profile is not None:
                profile.dump_stats(args.profile)
    finally:
        if edits % 2:
            bench_run.swap_stars(product)  # back as generated


if __name__ == "__main__":
    main()
