"""The caches of the files that show the whole site give what making them afresh gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from conftest import BUILD_DATE
from sitekit import SITES

from ocopsite.build import BuildResult, prepare
from ocopsite.diagnostics import Diagnostics
from ocopsite.keptfiles import keep
from ocopsite.render import feeds, offline, schedule
from ocopsite.render.renderer import Renderer
from ocopsite.render.site import plan_pages
from ocopsite.view.urls import Route


@pytest.fixture(scope="module")
def ready() -> Any:
    site = SITES / "bilingual"
    return prepare(site, BuildResult(), Diagnostics(relative_to=site), build_date=BUILD_DATE)


def test_kept_sitemaps_follow_the_routes_and_outlive_damage(ready: Any, tmp_path: Path) -> None:
    specs = plan_pages(ready.catalogue, tmp_path / "pages")
    fresh = feeds.sitemaps(specs, ready.urls)
    cache = tmp_path / "sitemap"
    assert feeds.sitemaps(specs, ready.urls, cache) == fresh
    (entry,) = cache.iterdir()
    assert feeds.sitemaps(specs, ready.urls, cache) == fresh  # taken as kept
    entry.write_bytes(b"PK\x03\x04 damaged")
    assert feeds.sitemaps(specs, ready.urls, cache) == fresh
    keep(entry, {"index.html": b"<script>", **fresh}, "none")  # not only the sitemaps
    assert feeds.sitemaps(specs, ready.urls, cache) == fresh
    fewer = [spec for spec in specs if spec.route != Route("product", "mien-dong")]
    assert len(fewer) < len(specs)
    assert feeds.sitemaps(fewer, ready.urls, cache) == feeds.sitemaps(fewer, ready.urls)
    assert feeds.sitemaps(fewer, ready.urls, cache) != fresh
    assert len(list(cache.iterdir())) == 1  # only the latest


def test_the_schedule_rows_worked_out_once_give_the_same_csv_and_feed(ready: Any) -> None:
    catalogue, urls = ready.catalogue, ready.urls
    views = Renderer(catalogue, ready.theme, ready.strings, urls, {}, {}).views
    entries = schedule.due(catalogue, catalogue.config.expiring_within_days)
    assert entries
    for v in views.values():
        shown = schedule.rows(entries, v)
        assert schedule.atom(catalogue, v, urls, shown) == schedule.atom(catalogue, v, urls)
        assert schedule.to_csv(entries, v, shown) == schedule.to_csv(entries, v)


def test_kept_page_links_of_the_offline_packs_follow_an_edit(ready: Any, tmp_path: Path) -> None:
    catalogue, urls = ready.catalogue, ready.urls
    names = {lang: {} for lang in catalogue.config.languages}  # type: ignore[var-annotated]
    for product in catalogue.products:
        province = catalogue.producers[product.producer].province
        for lang in names:
            names[lang][province] = province
    thumbs = {
        photo.file.path.as_posix(): f"media/{index}.webp"
        for index, photo in enumerate(catalogue.photos())
    }
    args = (catalogue, urls, names, ["assets/a.css"], ["search/i.json"], thumbs)
    fresh = offline.packs(*args)
    cache = tmp_path / "pages"
    assert offline.packs(*args, cache) == fresh
    assert offline.packs(*args, cache) == fresh  # taken as kept
    (entry,) = cache.iterdir()
    entry.write_bytes(entry.read_bytes()[:-10])  # damaged: made again
    assert offline.packs(*args, cache) == fresh
    # a product whose lots changed (its bundle's stamp with it) lists its new pages
    product = next(p for p in catalogue.products if p.lots)
    edited = dataclasses.replace(product, lots=product.lots[:-1])
    products = [edited if p is product else p for p in catalogue.products]
    stamps = {**catalogue.stamps, product.bundle: "edited"}
    other = dataclasses.replace(catalogue, products=products, stamps=stamps)
    changed = offline.packs(other, *args[1:], cache)
    assert changed == offline.packs(other, *args[1:]) and changed != fresh
