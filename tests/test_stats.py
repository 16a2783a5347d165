"""The statistics page, ``ocopsite report`` and the re-rating schedule (page, CSV, Atom feed)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace
from typing import Any

from click.testing import CliRunner
from conftest import BuiltSite
from sitekit import ROOT, SAMPLE_DATE

from ocopsite.commands.cli import main
from ocopsite.model import Rating, RatingEvent, Text
from ocopsite.model.status import validity
from ocopsite.render.schedule import due
from ocopsite.render.stats import figures

ATOM = "{http://www.w3.org/2005/Atom}"


def _in_force(catalogue: Any) -> list[Any]:
    day = catalogue.config.build_date
    return [
        p
        for p in catalogue.products
        if validity(p.ocop.status, p.ocop.issued, p.ocop.expires, day).state
        in ("valid", "expiring")
    ]


def test_figures_count_the_catalogue(sample_catalogue: Any) -> None:
    found = figures(sample_catalogue)
    series = {s.key: dict(s.rows) for s in found.series}
    rated = _in_force(sample_catalogue)
    assert series["stars"] == {str(k): v for k, v in Counter(p.ocop.stars for p in rated).items()}
    assert series["category"] == dict(Counter(p.category for p in rated))
    assert sum(series["province"].values()) == len(rated)
    kinds = Counter(p.kind for p in sample_catalogue.producers.values())
    assert series["kind"] == dict(kinds)
    events = [e for p in sample_catalogue.products for e in p.ocop.events]
    by_year = {year: counts for year, counts in found.per_year}
    for column, kinds in enumerate((("granted",), ("rerated", "upgraded"), ("revoked",))):
        dated = Counter(e.date.year for e in events if e.kind in kinds and e.dated)
        assert {y: c[column] for y, c in by_year.items() if y and c[column]} == dict(dated)
        undated = sum(1 for e in events if e.kind in kinds and not e.dated)
        assert by_year.get(0, (0, 0, 0))[column] == undated
    trace = found.traceability
    assert trace.rated == len(rated)
    assert trace.traced == sum(1 for p in rated if p.gtin and p.lots)
    assert trace.target == 95 and trace.missing == -(-95 * len(rated) // 100) - trace.traced


def test_statistics_page_draws_charts_with_tables_as_text(sample_site: BuiltSite) -> None:
    for rel, heading, stars in (
        ("statistics/", "Sản phẩm theo hạng sao", "4 sao"),
        ("en/statistics/", "Products by star rating", "4 stars"),
    ):
        html = sample_site.page(rel)
        assert heading in html
        svgs = re.findall(r"<svg class=\"chart\"[^>]*>", html)
        assert len(svgs) == 6 and all('aria-hidden="true"' in s for s in svgs)
        assert f'<th scope="row">{stars}</th>' in html
        assert "<meter" in html and "<script>" not in html.split("<main")[1]
    assert 'href="/statistics/"' in sample_site.page("")


def test_report_prints_the_same_figures_as_json_and_csv(sample_catalogue: Any) -> None:
    runner = CliRunner()
    args = ["report", "--site", str(ROOT), "--date", SAMPLE_DATE]
    data = json.loads(runner.invoke(main, [*args, "--format", "json"]).output)
    found = figures(sample_catalogue)
    assert data["stars"] == {k: v for k, v in found.series[0].rows}
    assert data["traceability"]["traced"] == found.traceability.traced
    rows = list(csv.DictReader(io.StringIO(runner.invoke(main, [*args, "--format", "csv"]).output)))
    assert {(r["value"], int(r["count"])) for r in rows if r["figure"] == "stars"} == set(
        found.series[0].rows
    )
    table = runner.invoke(main, args)
    assert table.exit_code == 0 and "Traceability:" in table.output


def test_report_expiring_looks_as_far_ahead_as_asked(sample_catalogue: Any) -> None:
    result = CliRunner().invoke(
        main,
        ["report", "--site", str(ROOT), "--date", SAMPLE_DATE, "expiring", "--days", "90",
         "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)
    assert entries and all(e["days_left"] <= 90 for e in entries)
    expected = due(sample_catalogue, 90)
    assert [(e["holder"], e["item"]) for e in entries] == [(d.holder, d.item) for d in expected]
    wider = due(sample_catalogue, 180)
    assert len(wider) > len(expected)
    day = sample_catalogue.config.build_date + dt.timedelta(days=400)
    later = due(sample_catalogue, 90, day)
    # as far back as ahead: what lapsed in the 90 days before that day is overdue then
    assert later and all(abs((d.expires - day).days) <= 90 for d in later)
    assert any(d.days_left < 0 for d in later)
    # the site and the date may be given after "expiring" too
    after = CliRunner().invoke(
        main,
        ["report", "expiring", "--site", str(ROOT), "--date", SAMPLE_DATE, "--days", "90",
         "--format", "json"],
    )  # fmt: skip
    assert after.exit_code == 0 and json.loads(after.output) == entries


def test_due_lists_what_expired_unrenewed_and_leaves_out_suspended_and_revoked(
    sample_catalogue: Any,
) -> None:
    """What expired and was not renewed is overdue: listed first, days_left below zero;
    a certificate renewed by another of its scheme is not; suspended and revoked ratings
    have nothing to renew."""
    product = sample_catalogue.products[0]
    soon = sample_catalogue.config.build_date + dt.timedelta(days=10)

    def rating(expires: dt.date, status: str = "active") -> Rating:
        grant = replace(product.ocop.grant, expires=expires)
        after = () if status == "active" else (RatingEvent(status, grant.date, "1/QĐ"),)
        return Rating((grant, *after))

    for status, expected in (("active", 1), ("revoked", 0), ("suspended", 0)):
        changed = replace(product, ocop=rating(soon, status))
        catalogue = replace(sample_catalogue, products=(changed,))
        assert sum(1 for d in due(catalogue, 30) if d.item == "rating") == expected
    past = replace(product, ocop=rating(soon - dt.timedelta(days=20)))
    overdue = [
        d for d in due(replace(sample_catalogue, products=(past,)), 30) if d.item == "rating"
    ]
    assert [d.days_left for d in overdue] == [-10]
    for status in ("revoked", "suspended"):
        gone = replace(product, ocop=rating(soon - dt.timedelta(days=20), status))
        catalogue = replace(sample_catalogue, products=(gone,))
        assert not [d for d in due(catalogue, 30) if d.item == "rating"]
    # a certificate that expired is overdue until another of its scheme replaces it
    build = sample_catalogue.config.build_date
    cert = next(c for p in sample_catalogue.products for c in p.certifications)
    old = replace(cert, expires=build - dt.timedelta(days=5))
    new = replace(cert, number="NEW-1", expires=build + dt.timedelta(days=700))
    for held, listed in (((old,), ["overdue"]), ((old, new), [])):
        changed = replace(product, certifications=held)
        catalogue = replace(sample_catalogue, products=(changed,))
        found = [d for d in due(catalogue, 30) if d.item == cert.scheme]
        assert ["overdue" for d in found if d.days_left < 0] == listed
    # one about to expire is not due once its successor is recorded
    soon_cert = replace(cert, expires=build + dt.timedelta(days=10))
    for held, count in (((soon_cert,), 1), ((soon_cert, new), 0)):
        catalogue = replace(sample_catalogue, products=(replace(product, certifications=held),))
        assert sum(1 for d in due(catalogue, 30) if d.item == cert.scheme) == count
    # an "other" certificate is renewed only by one of its own label
    halal = replace(old, scheme="other", label=Text({"vi": "Halal"}))
    organic = replace(new, scheme="other", label=Text({"vi": "EU organic"}))
    catalogue = replace(
        sample_catalogue, products=(replace(product, certifications=(halal, organic)),)
    )
    assert [d.days_left < 0 for d in due(catalogue, 30) if d.item == "other"] == [True]


def test_schedule_page_csv_and_feed_in_both_languages(
    sample_site: BuiltSite, sample_catalogue: Any
) -> None:
    entries = due(sample_catalogue, sample_catalogue.config.expiring_within_days)
    assert entries
    assert "/expiring/" not in (sample_site.out / "sitemap.xml").read_text("utf-8")
    for prefix, heading in (("", "Tỉnh, thành phố"), ("en/", "Province")):
        html = sample_site.page(f"{prefix}expiring/")
        assert '<meta name="robots" content="noindex">' in html
        # Đường phên's rating expired twenty days before the build: overdue, said in words
        assert ("<strong>quá hạn 20 ngày</strong>" if not prefix else "overdue by 20 days") in html
        assert html.count("<tr>") == len(entries) + len({(d.province, d.producer) for d in entries})
        data = (sample_site.out / prefix / "expiring" / "expiring.csv").read_bytes()
        assert data.startswith("\ufeff".encode())  # so that Excel reads it as UTF-8
        table = data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(table)))
        assert rows[0][0] == heading and len(rows) == len(entries) + 1
        assert [r[6] for r in rows[1:]] == [d.expires.isoformat() for d in entries]
        feed = ET.parse(sample_site.out / prefix / "expiring" / "feed.xml").getroot()
        assert len(feed.findall(f"{ATOM}entry")) == len(entries)
        ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
        assert len(set(ids)) == len(ids)
        # a certificate's issuer in the page's language, where the record has it
        issuer = (
            "Certification body (sample data)" if prefix else "Tổ chức chứng nhận (dữ liệu mẫu)"
        )
        assert f"ISO22000-DEMO-2024-0999 ({issuer})" in html
        assert any(issuer in r for r in rows[1:])
