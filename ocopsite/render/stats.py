"""Figures of the catalogue: the statistics page, and ``ocopsite report`` on the command line.

:func:`figures` counts what the press and provincial reports quote: products
with a rating in force by stars, group and province; producers by kind;
certifications in force by scheme; ratings granted, re-rated and revoked per
year (from the rating history); and traceability coverage against the site's
target. The page draws each count as a bar chart in inline SVG at build time,
hidden from screen readers, beside a table that is its accessible text.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from markupsafe import Markup, escape

from ocopsite.load.catalogue import Catalogue
from ocopsite.model import CATEGORIES, CERTIFICATION_SCHEMES, PRODUCER_KINDS, STAR_LEVELS
from ocopsite.model.history import rating_events
from ocopsite.model.provinces import provinces
from ocopsite.model.status import validity
from ocopsite.render.opendata import certifications
from ocopsite.view.pages import PageSpec
from ocopsite.view.urls import Route

#: Per-year columns: the kinds of rating event counted each year.
YEAR_EVENTS: tuple[str, ...] = ("granted", "rerated", "revoked")
#: An upgrade (thăng hạng) is a re-rating that raised the stars; it counts as one.
_COUNTED_AS = {"upgraded": "rerated"}


@dataclass(frozen=True)
class Series:
    """One count per value, in a stable order (the model's order, not by size)."""

    key: str  # stars, category, province, kind, scheme
    rows: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Traceability:
    rated: int  # products whose rating is in force
    traced: int  # of those, with a GTIN and at least one lot
    target: int  # percent

    @property
    def share(self) -> float:
        return 100.0 * self.traced / self.rated if self.rated else 0.0

    @property
    def missing(self) -> int:
        """How many more traced products would meet the target."""
        needed = -(-self.target * self.rated // 100)  # ceiling
        return max(0, needed - self.traced)


@dataclass(frozen=True)
class Figures:
    series: tuple[Series, ...]
    #: (year, counts in the order of YEAR_EVENTS); a year of 0 holds undated events.
    per_year: tuple[tuple[int, tuple[int, ...]], ...]
    traceability: Traceability


def figures(catalogue: Catalogue) -> Figures:
    """Every figure of the catalogue on its build date."""
    as_of = catalogue.config.build_date
    producers = catalogue.producers
    rated = [
        p
        for p in catalogue.products
        if validity(p.ocop.status, p.ocop.issued, p.ocop.expires, as_of).in_force
    ]
    stars = Counter(str(p.ocop.stars) for p in rated)
    groups = Counter(p.category for p in rated)
    places = Counter(producers[p.producer].province for p in rated)
    kinds = Counter(p.kind for p in producers.values())
    schemes = Counter(
        cert.scheme
        for _, _, cert in certifications(catalogue)
        if validity(cert.status, cert.issued, cert.expires, as_of).in_force
    )

    def series(key: str, order: tuple[str, ...], counts: Counter[str]) -> Series:
        return Series(key, tuple((value, counts[value]) for value in order if counts[value]))

    years: dict[int, Counter[str]] = {}
    for product in catalogue.products:
        for event in rating_events(product):
            kind = _COUNTED_AS.get(event.kind, event.kind)
            if kind in YEAR_EVENTS:
                year = event.date.year if event.date else 0
                years.setdefault(year, Counter())[kind] += 1
    per_year = tuple(
        (year, tuple(years[year][kind] for kind in YEAR_EVENTS))
        for year in sorted(years, key=lambda y: y or 10_000)
    )
    traced = sum(1 for p in rated if p.gtin and p.lots)
    return Figures(
        (
            series("stars", tuple(map(str, STAR_LEVELS)), stars),
            series("category", CATEGORIES, groups),
            series("province", tuple(provinces()), places),
            series("kind", PRODUCER_KINDS, kinds),
            series("scheme", CERTIFICATION_SCHEMES, schemes),
        ),
        per_year,
        Traceability(len(rated), traced, catalogue.config.traceability_target),
    )


# --- the page ----------------------------------------------------------------------

_HEADINGS = {
    "stars": "stats.by_stars",
    "category": "stats.by_category",
    "province": "stats.by_province",
    "kind": "stats.producers_by_kind",
    "scheme": "stats.certs_by_scheme",
}
BAR_HEIGHT = 22
LABEL_WIDTH = 210
CHART_WIDTH = 560


def label(key: str, value: str, t: Callable[..., str], lang: str) -> str:
    """How a value of a series is named in ``lang``."""
    if key == "stars":
        return t("stars.short", n=int(value))
    if key == "province":
        return provinces()[value].name(lang)
    prefix = {"category": "category", "kind": "kind", "scheme": "scheme"}[key]
    return t(f"{prefix}.{value}")


def bar_chart(rows: list[tuple[str, int]]) -> Markup:
    """Horizontal bars as inline SVG, drawn at build; the table beside it is its text."""
    most = max((count for _, count in rows), default=0) or 1
    bars = CHART_WIDTH - LABEL_WIDTH - 48
    height = BAR_HEIGHT * len(rows) + 4
    parts = [
        f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {height}" width="100%" '
        f'aria-hidden="true" focusable="false" font-size="12" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (name, count) in enumerate(rows):
        y = index * BAR_HEIGHT + 2
        width = max(1, round(bars * count / most)) if count else 0
        short = name if len(name) <= 32 else name[:31] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 6}"/>'
            f'<text x="{LABEL_WIDTH + width + 4}" y="{y + 15}">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _percent(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "vi" else text


def page(catalogue: Catalogue) -> PageSpec:
    """The statistics page, the same figures in each language (worked out once)."""
    worked_out = functools.cache(partial(figures, catalogue))

    def data(v: Any) -> dict[str, Any]:
        found = worked_out()
        charts = []
        for series in found.series:
            rows = [(label(series.key, value, v.t, v.lang), n) for value, n in series.rows]
            charts.append((series.key, v.t(_HEADINGS[series.key]), rows, bar_chart(rows)))
        years = [
            (str(year) if year else v.t("stats.undated"), counts) for year, counts in found.per_year
        ]
        granted = [(name, counts[0]) for name, counts in years]
        trace = found.traceability
        return {
            "intro": v.t("stats.intro", date=v.date(catalogue.config.build_date).text),
            "charts": charts,
            "years": years,
            "year_events": [v.t(f"stats.event.{kind}") for kind in YEAR_EVENTS],
            "year_chart": bar_chart(granted),
            "trace": trace,
            "trace_text": v.t(
                "stats.trace_text",
                traced=trace.traced,
                rated=trace.rated,
                share=_percent(trace.share, v.lang),
                target=trace.target,
            ),
            "share": f"{trace.share:.1f}",
        }

    return PageSpec(Route("statistics"), "statistics.html", data, lambda v: v.t("stats.title"))
