"""The caches of the files that show the whole site give what making them afresh gives."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import BUILD_DATE
from sitekit import SITES

from ocopsite.build import BuildResult, prepare
from ocopsite.diagnostics import Diagnostics
from ocopsite.render import feeds, offline, schedule
from ocopsite.render.site import Renderer, plan_pages
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
    fewer = [spec for spec in specs if spec.route != Route("product", "mien-dong")]
    assert len(fewer) < len(specs)
    assert feeds.sitemaps(fewer, ready.urls, cache) == feeds.sitemaps(fewer, ready.urls)
    assert feeds.sitemaps(fewer, ready.urls, cache) != fresh
    assert len(list(cache.iterdir())) == 1  # only the latest


def _element_tree_atom(catalogue: Any, v: Any, urls: Any) -> str:
    """The schedule's feed as ElementTree wrote it before it was written as text."""
    atom = schedule.ATOM
    ET.register_namespace("", atom)
    lang, config = v.lang, catalogue.config
    page_url = urls.absolute(Route("expiring"), lang)
    updated = f"{config.build_date.isoformat()}T00:00:00Z"
    feed = ET.Element(f"{{{atom}}}feed", {"xml:lang": lang})
    title = f"{v.t('expiring.title')} · {v.text(config.title).text}"
    ET.SubElement(feed, f"{{{atom}}}title").text = title
    ET.SubElement(feed, f"{{{atom}}}id").text = urls.absolute(Route("expiring_feed"), lang)
    self_url = urls.absolute(Route("expiring_feed"), lang)
    ET.SubElement(feed, f"{{{atom}}}link", {"rel": "self", "href": self_url})
    ET.SubElement(feed, f"{{{atom}}}link", {"href": page_url})
    ET.SubElement(feed, f"{{{atom}}}updated").text = updated
    author = ET.SubElement(feed, f"{{{atom}}}author")
    ET.SubElement(author, f"{{{atom}}}name").text = v.text(config.title).text
    for row in schedule.rows(schedule.due(catalogue, config.expiring_within_days), v):
        entry = row["entry"]
        item = ET.SubElement(feed, f"{{{atom}}}entry")
        heading = v.t(
            "expiring.entry", what=row["what"], name=row["name"], date=row["expires"].text
        )
        ET.SubElement(item, f"{{{atom}}}title").text = heading
        key = f"{entry.holder_kind}/{entry.holder}/{entry.item}/{entry.decision}/{entry.expires}"
        ET.SubElement(item, f"{{{atom}}}id").text = f"{page_url}#{key}"
        ET.SubElement(item, f"{{{atom}}}link", {"href": urls.absolute_from_href(row["href"])})
        ET.SubElement(item, f"{{{atom}}}updated").text = updated
        ET.SubElement(
            item, f"{{{atom}}}summary"
        ).text = f"{row['province']} · {row['producer']} · {entry.decision} ({entry.authority})"
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, "unicode") + "\n"


def test_schedule_feed_written_as_text_is_what_element_tree_writes(ready: Any) -> None:
    catalogue, urls = ready.catalogue, ready.urls
    views = Renderer(catalogue, ready.theme, ready.strings, urls, {}, {}).views
    assert schedule.due(catalogue, catalogue.config.expiring_within_days)
    for v in views.values():
        assert schedule.atom(catalogue, v, urls) == _element_tree_atom(catalogue, v, urls)
    # escaping, empty text and attributes, as ElementTree does them
    for text in ("", " ", "a & b < c > d \" e ' f\r\n\tg", "Mè xửng"):
        element = ET.Element("t", {"href": text})
        element.text = text
        assert schedule._leaf("t", text, ("href", text)) == ET.tostring(element, "unicode")


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
