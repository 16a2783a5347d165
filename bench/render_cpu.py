"""CPU time of the render stage alone, in one process: what a page costs to render.

    python bench/render_cpu.py SITE [--profile OUT.prof] [--digest] [--date YYYY-MM-DD]

Loads and plans SITE like a build, then renders every page in every language
in memory, and prints the CPU seconds per page. ``--digest`` prints a hash of
every page's HTML, to show that a change to rendering kept the output identical.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import time
from pathlib import Path

from ocopsite import build
from ocopsite.assets import images
from ocopsite.diagnostics import Diagnostics
from ocopsite.output import plan as outputs
from ocopsite.render.renderer import Renderer
from ocopsite.render.site import plan_pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--digest", action="store_true")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1))
    args = parser.parse_args()
    ready = build.prepare(
        args.site.resolve(), build.BuildResult(), Diagnostics(), build_date=args.date
    )
    catalogue = ready.catalogue
    statics = outputs.theme_files(ready.theme)
    assets = {name: outputs.hashed_name(name, data) for name, data in statics.items()}
    photos = {photo.file.path.as_posix(): photo.file for photo in catalogue.photos()}
    renditions = {key: images.plan(file) for key, file in sorted(photos.items())}
    started = time.process_time()
    specs = plan_pages(catalogue)
    renderer = Renderer(catalogue, ready.theme, ready.strings, ready.urls, renditions, assets)
    planned = time.process_time()
    digest = hashlib.sha256()
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    pages = 0
    by_template: dict[str, list[float]] = {}
    for spec in specs:
        began = time.process_time()
        for lang in catalogue.config.languages:
            html = renderer.render(spec, lang)
            pages += 1
            if args.digest:
                digest.update(html.encode())
        spent = by_template.setdefault(spec.template, [0.0, 0])
        spent[0] += time.process_time() - began
        spent[1] += len(catalogue.config.languages)
    rendered = time.process_time()
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print(f"plan {planned - started:.2f} s CPU; render {rendered - planned:.2f} s CPU")
    print(f"{pages} pages: {(rendered - planned) / pages * 1000:.2f} ms CPU per page")
    for template, (seconds, count) in sorted(by_template.items(), key=lambda item: -item[1][0]):
        each = seconds / count * 1000
        print(f"  {template:<24} {count:>6} pages {seconds:7.2f} s  {each:.2f} ms")
    if args.digest:
        print(f"digest {digest.hexdigest()}")


if __name__ == "__main__":
    main()
