"""Open data files, their Data Package, the "Open data" page, and the records' JSON Schemas."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import frictionless
import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from conftest import BuiltSite
from sitekit import INVALID, ROOT, SITES, copy_site, invalid_site

from ocopsite.commands.cli import main
from ocopsite.diagnostics import Diagnostics
from ocopsite.load.config import load_config
from ocopsite.render.recordschema import KINDS, record_schema

TABLES = ("products", "producers", "rating_events", "certifications", "lots", "retail")


def test_data_package_is_valid_frictionless(sample_site: BuiltSite) -> None:
    package = sample_site.out / "data" / "datapackage.json"
    report = frictionless.validate(str(package))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    described = json.loads(package.read_text("utf-8"))
    assert described["licenses"][0]["name"] == "CC-BY-4.0"
    assert sorted(r["path"] for r in described["resources"]) == sorted(
        f"{t}.{fmt}" for t in TABLES for fmt in ("csv", "json")
    )
    for resource in described["resources"]:
        for field in resource["schema"]["fields"]:
            assert field["description"] and field["description_vi"], field


def test_tables_agree_with_the_catalogue(sample_site: BuiltSite, sample_catalogue: Any) -> None:
    data = sample_site.out / "data"
    with (data / "products.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["slug"] for r in rows] == [p.slug for p in sample_catalogue.products]
    records = json.loads((data / "products.json").read_text("utf-8"))
    assert [r["slug"] for r in records] == [r["slug"] for r in rows]
    lots = json.loads((data / "lots.json").read_text("utf-8"))
    assert len(lots) == sum(len(p.lots) for p in sample_catalogue.products)
    first = sample_catalogue.products[0]
    assert rows[0]["stars"] == str(first.ocop.stars)
    assert records[0]["issued"] == first.ocop.issued.isoformat()


def test_open_data_page_lists_files_sizes_licence_and_dictionary(sample_site: BuiltSite) -> None:
    vi, en = sample_site.page("data/"), sample_site.page("en/data/")
    for html in (vi, en):
        for table in TABLES:
            assert f'href="/data/{table}.csv"' in html and f'href="/data/{table}.json"' in html
        assert 'href="/data/datapackage.json"' in html
        assert 'rel="license"' in html and "CC-BY-4.0" in html
        assert 'href="/schemas/product.schema.json"' in html
        assert "<code>gtin</code>" in html
    size = (sample_site.out / "data" / "products.csv").stat().st_size
    assert f"({size / 1024:.1f} KB)".replace(".", ",") in vi
    assert f"({size / 1024:.1f} KB)" in en
    assert "Mã số mã vạch GTIN-14" in vi and "GTIN-14 barcode number" in en


def _plain(value: Any) -> Any:
    """A YAML value as JSON would hold it (dates become ISO strings, as editors see them)."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def _schemas(site: Path) -> dict[str, dict[str, Any]]:
    config = load_config(site / "site_config.yaml", Diagnostics())
    assert config is not None
    schemas = {kind: record_schema(kind, config, f"urn:{kind}") for kind in KINDS}
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    return schemas


@pytest.mark.parametrize("site", [ROOT, SITES / "bilingual", SITES / "minimal"], ids=str)
def test_every_sample_record_matches_its_json_schema(site: Path) -> None:
    schemas = _schemas(site)
    checked = 0
    for kind in KINDS:
        for path in sorted((site / "content").glob(f"*/*/{kind}.yaml")):
            record = _plain(yaml.safe_load(path.read_text("utf-8")))
            errors = list(jsonschema.Draft202012Validator(schemas[kind]).iter_errors(record))
            assert not errors, f"{path}: {errors[0].message}"
            checked += 1
    assert checked >= 2


#: Invalid fixtures whose problem is the shape of a value, which a JSON Schema can see.
SCHEMA_LEVEL = (
    "unknown-key",
    "wrong-type",
    "unknown-category",
    "stars-out-of-range",
    "missing-vi-name",
    "lot-unknown-key",
    "unknown-province",
    "former-province",
    "unknown-channel",
)


@pytest.mark.parametrize("case", SCHEMA_LEVEL)
def test_schema_level_invalid_fixtures_fail_the_json_schema(case: str, tmp_path: Path) -> None:
    site = invalid_site(case, tmp_path)
    schemas = _schemas(site)
    failures = []
    for path in (INVALID / case).rglob("*.yaml"):
        kind = path.stem
        if kind in schemas:
            record = _plain(yaml.safe_load(path.read_text("utf-8")))
            failures += list(jsonschema.Draft202012Validator(schemas[kind]).iter_errors(record))
    assert failures, f"{case} passes the JSON Schema"


def test_published_schemas_and_new_records_name_them(tmp_path: Path) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    runner = CliRunner()
    for kind, slug in (("producer", "htx-moi"), ("product", "san-pham-moi"), ("news", "tin-moi")):
        assert runner.invoke(main, ["new", "--site", str(site), kind, slug]).exit_code == 0
    out = tmp_path / "public"
    result = runner.invoke(main, ["build", "--site", str(site), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    config = load_config(site / "site_config.yaml", Diagnostics())
    assert config is not None
    today = dt.date.today().isoformat()
    for kind, folder in (
        ("producer", "producers/htx-moi"),
        ("product", "products/san-pham-moi"),
        ("news", f"news/{today}-tin-moi"),
    ):
        text = (site / "content" / folder / f"{kind}.yaml").read_text("utf-8")
        url = f"{config.base_url}schemas/{kind}.schema.json"
        assert text.startswith(f"# yaml-language-server: $schema={url}\n")
        published = json.loads((out / "schemas" / f"{kind}.schema.json").read_text("utf-8"))
        assert published["$id"] == url
        jsonschema.validate(_plain(yaml.safe_load(text)), published)


@pytest.mark.parametrize("count", [0, 1, 3, 50])
def test_json_tables_are_laid_out_as_the_json_module_does_with_indent_zero(count: int) -> None:
    """The records are encoded in C, a member a line: the bytes of ``json.dumps(…, indent=0)``."""
    from ocopsite.render.opendata import Column, Table, _json

    names = ["name", "price", "lat", "note"]
    table = Table("t", "t", "t", tuple(Column(n, "string", n, n, str) for n in names), list, ())
    values: list[object] = [
        "Miến",
        'a "quoted"\nline }, {',
        None,
        0,
        -12,
        2.5,
        1e20,
        "",
        "\\",
        True,
    ]
    rows = [[values[(row * 7 + col * 3) % len(values)] for col in range(4)] for row in range(count)]
    records = [dict(zip(names, row, strict=True)) for row in rows]
    expected = json.dumps(records, ensure_ascii=False, indent=0) + "\n"
    assert _json(table, rows) == expected.encode("utf-8")


def test_open_data_joined_record_by_record_is_the_whole_tables_made_kept_or_edited(
    sample_catalogue: Any, tmp_path: Path
) -> None:
    import dataclasses

    from ocopsite.render import opendata
    from ocopsite.view.urls import Urls

    urls = Urls("https://example.org/", sample_catalogue.config.languages)

    def whole(catalogue: Any) -> dict[str, bytes]:
        return opendata._whole_files(catalogue, urls, opendata.tables(catalogue, urls))

    expected = whole(sample_catalogue)
    rows = tmp_path / "rows"
    for cache in (None, rows, rows):  # nothing kept, then made and kept, then taken
        files = opendata._data_files(sample_catalogue, urls, cache)
        assert list(files.items()) == list(expected.items())
    # a table without rows: a header alone, and an empty array
    bare = dataclasses.replace(
        sample_catalogue,
        products=[
            dataclasses.replace(p, retail=type(p.retail)()) for p in sample_catalogue.products
        ],
    )
    expected = whole(bare)
    assert b"[]\n" in expected.values()
    assert list(opendata._data_files(bare, urls).items()) == list(expected.items())
    # a product edited (its token changes with its stamp): made again between kept runs
    product = sample_catalogue.products[1]
    stamps = {**sample_catalogue.stamps, product.bundle: "edited"}
    edited = dataclasses.replace(
        sample_catalogue,
        products=[
            dataclasses.replace(p, price=(p.price or 0) + 1) if p is product else p
            for p in sample_catalogue.products
        ],
        stamps=stamps,
    )
    assert list(opendata._data_files(edited, urls, rows).items()) == list(whole(edited).items())
