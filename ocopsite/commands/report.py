"""``ocopsite report``: the statistics page's figures and the re-rating schedule, as text.

A table for people, or CSV and JSON for scripts, with machine keys (``food``,
``thai-nguyen``) rather than translated names, so scripts can rely on them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ocopsite.build import CACHE_DIR
from ocopsite.diagnostics import Diagnostics
from ocopsite.load.catalogue import Catalogue, load_catalogue
from ocopsite.load.config import CONFIG_NAME, load_config
from ocopsite.load.recordcache import gc_paused
from ocopsite.parallel import default_jobs
from ocopsite.render.schedule import CSV_COLUMNS, Due, to_csv
from ocopsite.render.stats import YEAR_EVENTS, Figures

FORMATS: tuple[str, ...] = ("table", "csv", "json")
_TITLES = {
    "stars": "Products with a rating in force, by stars",
    "category": "Products with a rating in force, by group",
    "province": "Products with a rating in force, by province",
    "kind": "Producers by kind",
    "scheme": "Certifications in force, by scheme",
}


def load(
    site: Path, build_date: dt.date | None, empty_ok: bool = False
) -> tuple[Catalogue | None, Diagnostics]:
    """The site's validated catalogue, or None with the problems that prevented it.

    With ``empty_ok``, a site without a content folder yet has an empty catalogue
    (an import is about to fill it).
    """
    diagnostics = Diagnostics(relative_to=site.resolve())
    config = load_config(site / CONFIG_NAME, diagnostics, build_date=build_date)
    if config is None or diagnostics.has_errors(False):
        return None, diagnostics
    if empty_ok and not config.content_dir.exists():
        return Catalogue(config, (), {}, ()), diagnostics
    # The build's record cache and all cores: a national catalogue loads in seconds.
    cache = site.resolve() / CACHE_DIR
    with gc_paused():  # tens of thousands of long-lived records: no collection is worth it
        return load_catalogue(config, diagnostics, cache, default_jobs()), diagnostics


def figures_as_dict(found: Figures) -> dict[str, Any]:
    """Every figure as plain data (the JSON output)."""
    result: dict[str, Any] = {s.key: dict(s.rows) for s in found.series}
    result["per_year"] = {
        str(year or "undated"): dict(zip(YEAR_EVENTS, counts, strict=True))
        for year, counts in found.per_year
    }
    trace = found.traceability
    result["traceability"] = {
        "rated": trace.rated,
        "traced": trace.traced,
        "share_percent": round(trace.share, 1),
        "target_percent": trace.target,
        "missing": trace.missing,
    }
    return result


def format_figures(found: Figures, fmt: str) -> str:
    data = figures_as_dict(found)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(("figure", "value", "count"))
        for key, counts in data.items():
            for value, count in counts.items():
                if isinstance(count, dict):  # a year: one row per kind of event
                    writer.writerows((f"{key}.{kind}", value, n) for kind, n in count.items())
                else:
                    writer.writerow((key, value, count))
        return buffer.getvalue()
    lines = []
    for series in found.series:
        lines.append(_TITLES[series.key])
        lines += [f"  {value:<28} {count:>7}" for value, count in series.rows] or ["  (none)"]
        lines.append("")
    lines.append("Ratings per year" + "".join(f"{kind:>10}" for kind in YEAR_EVENTS))
    for year, counts in data["per_year"].items():
        lines.append(f"  {year:<14}" + "".join(f"{n:>10}" for n in counts.values()))
    trace = found.traceability
    lines += [
        "",
        f"Traceability: {trace.traced} of {trace.rated} rated products have a GTIN and a lot "
        f"({trace.share:.1f} %), target {trace.target} %"
        + (f", {trace.missing} short" if trace.missing else ", met"),
    ]
    return "\n".join(lines) + "\n"


def format_due(entries: Sequence[Due], fmt: str, days: int, as_of: dt.date) -> str:
    if fmt == "csv":
        return to_csv(entries, None)
    if fmt == "json":
        plain = [{**asdict(e), "expires": e.expires.isoformat()} for e in entries]
        return json.dumps(plain, ensure_ascii=False, indent=2) + "\n"
    overdue = sum(1 for entry in entries if entry.days_left < 0)
    lines = [
        f"{len(entries) - overdue} rating(s) and certificate(s) expire within {days} days of "
        f"{as_of}; {overdue} expired in the {days} days before it and were not renewed"
    ]
    province = producer = None
    for entry in entries:
        if entry.province != province:
            province, producer = entry.province, None
            lines.append(f"\n{province}")
        if entry.producer != producer:
            producer = entry.producer
            lines.append(f"  {producer}")
        what = f"rating {entry.stars}★" if entry.item == "rating" else entry.item
        lines.append(
            f"    {entry.expires}  ({entry.days_left:>4} d)  {entry.holder}: {what}, "
            f"{entry.decision} ({entry.authority})"
        )
    return "\n".join(lines) + "\n"


__all__ = ["CSV_COLUMNS", "FORMATS", "format_due", "format_figures", "load"]
