"""CPU time of the assets stage alone, in one process: what photos, QR codes, labels cost.

    python bench/assets_cpu.py SITE [--profile OUT.prof] [--digest] [--repeat N]
                                    [--date YYYY-MM-DD] [--cache DIR]

Loads and plans SITE like a build, then makes every output of the assets stage
(photo variants and every product's QR codes, label sheets, lab documents and
linkset) in memory, and prints the CPU seconds by kind of file and a count of
each kind. ``--digest`` prints a hash of every file made, to show that a change
kept the output identical. Without ``--cache`` nothing is cached: a clean build.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from ocopsite import build
from ocopsite.assets import images
from ocopsite.diagnostics import Diagnostics
from ocopsite.output import plan as outputs


def _kind(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return (
        name
        if name in ("qr.svg", "qr.png", "label.png", "linkset.json", "thumb.jpg")
        else ("photo ." + name.rsplit(".", 1)[-1])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--digest", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2026, 11, 22))
    args = parser.parse_args()
    ready = build.prepare(
        args.site.resolve(), build.BuildResult(), Diagnostics(), build_date=args.date
    )
    catalogue, urls = ready.catalogue, ready.urls
    photos = {photo.file.path.as_posix(): photo.file for photo in catalogue.photos()}
    renditions = {key: images.plan(file) for key, file in sorted(photos.items())}
    times: list[float] = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as scratch:
            cache = args.cache or Path(scratch)
            every = [
                *outputs.photos(catalogue, urls, photos, renditions, cache),
                *outputs.product_files(catalogue, urls, cache),
            ]
            counts: Counter[str] = Counter()
            spent: Counter[str] = Counter()
            digest = hashlib.sha256()
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            if profiler:
                profiler.enable()
            started = time.process_time()
            for output in every:
                began = time.process_time()
                made = output.make()
                took = time.process_time() - began
                kinds = {_kind(path) for path in made}
                for path in sorted(made):
                    counts[_kind(path)] += 1
                    data = made[path]
                    if args.digest:
                        digest.update(path.encode() + b"\0")
                        digest.update(data if isinstance(data, bytes) else data.encode())
                spent["+".join(sorted(kinds))] += took
            total = time.process_time() - started
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
            times.append(total)
    print(
        f"{len(every)} outputs; assets {statistics.median(times):.2f} s CPU (median of "
        f"{len(times)}: {', '.join(f'{t:.2f}' for t in times)})"
    )
    for kind, count in sorted(counts.items()):
        print(f"  {kind:<16} {count:>7} files")
    for kind, seconds in spent.most_common():
        print(f"  {kind:<32} {seconds:7.2f} s (last run)")
    if args.digest:
        print(f"digest {digest.hexdigest()}")


if __name__ == "__main__":
    main()
