"""CPU time of a clean build by kind of output: making each kind's files, and writing them.

    python bench/output_kinds.py SITE [--date YYYY-MM-DD] [--profile OUT.prof]

Builds SITE from scratch (its cache folder deleted first) into a temporary folder, in
one process (``-j 1``), the way ``build`` does, and times every output as the build
makes it: ``make`` is the CPU time of working out its bytes, ``write`` that of putting
them into the staging folder (folders, files and the digest the manifest keeps). Kinds
are pages by route segment, a product's files by name (``qr`` makes ``qr.svg`` and
``qr.png`` together; ``doc``: lab documents) and the files that sum up the site by the
function that makes them. The pages of ``build --only home,products,product,category,
province,stars`` are those Hugo's benchmark site has; everything else is what a full
build makes besides. ``--profile`` keeps a cProfile of the whole build.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ocopsite import build
from ocopsite.output import plan as outputs
from ocopsite.output import writer
from ocopsite.render import offline

#: The route segments of the pages Hugo's benchmark site has (see bench/run.py --vs-hugo).
SAME_AS_HUGO = ("home", "products", "product", "category", "province", "stars")


def kind(output: outputs.Output) -> str:
    if output.kind == "page":
        return f"page {output.segment}"
    if output.kind == "product":
        name = output.paths[0].rsplit("/", 1)[-1]
        known = {"qr.svg": "qr", "label.png": "label", "linkset.json": "linkset"}
        return f"product {known.get(name, 'doc')}"
    if output.kind == "site":
        make: Any = output.make
        while hasattr(make, "func"):
            make = make.func
        return f"site {make.__name__.lstrip('_')}"
    return output.kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1))
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    site = args.site.resolve()
    # kind → [make seconds, write seconds, outputs, files]
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0, 0])

    def emit_chunk(work: tuple[Sequence[outputs.Output], writer.Sink], indices: Sequence[int]):
        made, sink = work
        done = writer.Emitted()
        for index in indices:
            output = made[index]
            began = time.process_time()
            files = output.make()
            between = time.process_time()
            for rel, data in files.items():
                payload = data.encode("utf-8") if isinstance(data, str) else data
                done.made.add(rel)
                done.digests[rel] = offline.digest(payload)
                if sink.put(rel, payload):
                    done.written.add(rel)
            counts = spent[kind(output)]
            counts[0] += between - began
            counts[1] += time.process_time() - between
            counts[2] += 1
            counts[3] += len(files)
            done.pages += 1 if output.kind == "page" else output.pages
            done.page_outputs += output.kind == "page"
        return done

    writer.emit_chunk = emit_chunk  # type: ignore[assignment]  # the one process's
    shutil.rmtree(site / build.CACHE_DIR, ignore_errors=True)
    profiler = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory(prefix="output-kinds-") as out:
        began = time.process_time()
        if profiler:
            profiler.enable()
        build.build(site, Path(out) / "public", build_date=args.date, jobs=1)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        total = time.process_time() - began
    shutil.rmtree(site / build.CACHE_DIR, ignore_errors=True)
    rows = sorted(spent.items(), key=lambda item: -(item[1][0] + item[1][1]))
    print(f"{'kind':<24} {'outputs':>7} {'files':>6} {'make s':>7} {'write s':>7} {'ms each':>8}")
    for name, (make, write, count, files) in rows:
        each = (make + write) / count * 1000
        print(f"{name:<24} {count:>7} {files:>6} {make:7.3f} {write:7.3f} {each:8.3f}")
    for label, chosen in (
        ("pages Hugo's site has", [r for r in rows if r[0] in {f"page {s}" for s in SAME_AS_HUGO}]),
        ("everything else", [r for r in rows if r[0] not in {f"page {s}" for s in SAME_AS_HUGO}]),
    ):
        make = sum(r[1][0] for r in chosen)
        write = sum(r[1][1] for r in chosen)
        files = sum(int(r[1][3]) for r in chosen)
        print(f"{label}: {files} files, make {make:.2f} s, write {write:.2f} s")
    print(f"whole build: {total:.2f} s CPU in one process")


if __name__ == "__main__":
    main()
