"""The search index's values kept between builds: each product's row, and the first cards
of each letter found without ranking every product."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import BUILD_DATE
from sitekit import SITES, copy_site

from ocopsite.keptfiles import KeptParts
from ocopsite.search import encoding, rows
from ocopsite.search import index as search


def _ready(site: Path) -> tuple[Any, dict[str, Any]]:
    from ocopsite.build import BuildResult, prepare
    from ocopsite.diagnostics import Diagnostics
    from ocopsite.render.renderer import Renderer

    ready = prepare(site, BuildResult(), Diagnostics(relative_to=site), build_date=BUILD_DATE)
    views = Renderer(ready.catalogue, ready.theme, ready.strings, ready.urls, {}, {}).views
    return ready, views


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def _kept(entry: Path) -> dict[str, tuple[str, bytes]]:
    """Each product's kept token and row, by slug."""
    kept = KeptParts(entry.parent, entry.stem, (rows.ROW,)).kept()
    return {slug: (token, row) for slug, (token, (row,)) in kept.items()}


def _keep(entry: Path, records: dict[str, tuple[str, bytes]]) -> None:
    """Keep these rows as ``entry``, as a build would have."""
    kept = KeptParts(entry.parent, entry.stem, (rows.ROW,))
    kept.forget()
    for slug, (token, row) in records.items():
        kept.add(slug, token, lambda row=row: (row,))  # type: ignore[misc]
    kept.save()


def test_an_edited_product_alone_is_worked_out_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    cache = tmp_path / "cache"
    ready, views = _ready(site)
    langs = list(views)
    fresh = search.index_files(ready.catalogue, views, ready.urls)
    assert search.index_files(ready.catalogue, views, ready.urls, rows_cache=cache) == fresh
    assert rows.columns(ready.catalogue, langs, cache) == rows.columns(ready.catalogue, langs)
    [entry] = cache.iterdir()
    made: list[str] = []
    row = rows.row

    def counted(catalogue: Any, product: Any, langs: Any) -> list[Any]:
        made.append(product.slug)
        return row(catalogue, product, langs)

    monkeypatch.setattr(rows, "row", counted)
    assert search.index_files(ready.catalogue, views, ready.urls, rows_cache=cache) == fresh
    assert made == []  # every row kept
    before = _kept(entry)

    _edit(site / "content/products/dao-canh/product.yaml", "stars: 4", "stars: 3")
    _edit(site / "content/products/mang-kho/product.yaml", "name: {vi: ", "name: {vi: Ngon ")
    ready, views = _ready(site)
    edited = search.index_files(ready.catalogue, views, ready.urls, rows_cache=cache)
    assert sorted(made) == ["dao-canh", "mang-kho"]  # the others' rows were kept
    assert edited != fresh
    assert edited == search.index_files(ready.catalogue, views, ready.urls)
    made.clear()
    [entry] = cache.iterdir()
    after = _kept(entry)
    changed = {slug for slug in after if after[slug] != before[slug]}
    assert changed == {"dao-canh", "mang-kho"}
    assert b"Ngon" in after["mang-kho"][1] and b"Ngon" not in before["mang-kho"][1]

    # a kept row under the right token but not a row is not taken: all are made again
    _keep(entry, {**after, "dao-canh": (after["dao-canh"][0], b'"x"')})
    assert search.index_files(ready.catalogue, views, ready.urls, rows_cache=cache) == edited
    assert len(made) == len(ready.catalogue.products)
    assert _kept(entry) == after
    made.clear()
    # a stale row (another token) is made again; a damaged entry is none
    _keep(entry, {**after, "dao-canh": ("stale", before["dao-canh"][1])})
    assert search.index_files(ready.catalogue, views, ready.urls, rows_cache=cache) == edited
    assert made == ["dao-canh"]
    made.clear()
    entry.write_bytes(b"damaged")
    assert search.index_files(ready.catalogue, views, ready.urls, rows_cache=cache) == edited
    assert len(made) == len(ready.catalogue.products) and _kept(entry) == after


def test_another_build_date_is_another_entry(tmp_path: Path) -> None:
    import dataclasses

    ready, views = _ready(SITES / "bilingual")
    catalogue, langs = ready.catalogue, list(views)
    rows.columns(catalogue, langs, tmp_path)
    first = sorted(tmp_path.iterdir())
    config = dataclasses.replace(catalogue.config, build_date=BUILD_DATE.replace(year=2030))
    later = dataclasses.replace(catalogue, config=config)
    assert rows.columns(later, langs, tmp_path) == rows.columns(later, langs)
    assert rows.columns(later, langs) != rows.columns(catalogue, langs)
    assert sorted(tmp_path.iterdir()) != first and len(list(tmp_path.iterdir())) == 1


def test_the_first_cards_of_a_letter_are_those_ranked_first() -> None:
    chosen = random.Random(7)
    producers = [["a", 0, "c", -1, "d", "d"], ["b", 1, "e", 0, "", ""]]
    found = [0, 0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]  # 7 + the best field, or 1 + it
    for _ in range(300):
        count = chosen.randint(0, 80)
        codes = [chosen.choice(found) for _ in range(count)]
        columns: dict[str, list[Any]] = {
            key: [f"{key}{i}" for i in range(count)] for key in search.PART_COLUMNS
        }
        columns["k"] = [chosen.choice([-5, -3, 1, 2, 3, 4, 5]) for _ in range(count)]
        columns["m"] = [chosen.randint(0, 1) for _ in range(count)]
        letter = encoding.encode(encoding.pack(codes))
        ranked = search.letter_cards(codes, columns, producers)
        expected = encoding.encode({**json.loads(letter), "c": ranked})
        assert search.with_cards(letter, columns, producers) == expected


def test_a_change_of_the_site_config_is_another_entry(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    ready, views = _ready(site)
    rows.columns(ready.catalogue, list(views), tmp_path / "cache")
    first = sorted((tmp_path / "cache").iterdir())
    config = site / "site_config.yaml"
    config.write_text(config.read_text("utf-8") + "\n# edited\n", "utf-8")
    rows.columns(ready.catalogue, list(views), tmp_path / "cache")
    assert sorted((tmp_path / "cache").iterdir()) != first
