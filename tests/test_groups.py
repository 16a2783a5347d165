"""Each product's outputs kept as one block between builds: an update plans and keys again
only the products whose block may have changed, and still equals a clean build."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import BUILD_DATE
from sitekit import SITES, copy_site

from ocopsite import build as build_module
from ocopsite.build import build
from ocopsite.load.catalogue import Catalogue
from ocopsite.output import groups, incremental
from ocopsite.output.manifestfile import encoded, groups_of
from ocopsite.view.pages import PageSpec

PRODUCTS = "content/products"
PRODUCERS = "content/producers"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def _recorded_groups(site: Path) -> dict[str, tuple[str, ...]]:
    manifest = incremental.read_record(site / ".ocopsite-cache")
    assert manifest is not None
    return {slug: paths for slug, (_, paths, _) in groups_of(manifest, manifest["paths"]).items()}


def _change(site: Path, change: str) -> None:
    dao_canh = site / PRODUCTS / "dao-canh/product.yaml"
    if change == "stars":  # leaves the 4-star listing for the 3-star one
        _edit(dao_canh, "stars: 4", "stars: 3")
    elif change == "category":  # leaves the ornamental listing, joins the food one
        _edit(dao_canh, "category: ornamental", "category: food")
    elif change == "province":  # every product of the producer moves to another province
        _edit(site / PRODUCERS / "ho-van-don/producer.yaml", "quang-ninh", "thai-nguyen")
    elif change == "producer":  # another producer: other related products
        _edit(dao_canh, "producer: ho-van-don", "producer: htx-tai-hoan")
    elif change == "new-product":
        shutil.copytree(site / PRODUCTS / "dao-canh", site / PRODUCTS / "dao-moi")
        _edit(site / PRODUCTS / "dao-moi/product.yaml", "Nhật Tân", "Mới")
    elif change == "delete-product":
        shutil.rmtree(site / PRODUCTS / "mang-kho")
    else:
        raise AssertionError(change)


#: The products whose blocks an update takes as they were, after each change. Related
#: products are a producer's others, then those of the same category and province.
KEPT = {
    "stars": {"mang-kho", "mien-dong"},  # those of the other producer
    "category": {"mang-kho", "mien-dong"},
    "province": set(),  # ruoc-hau now beside the other producer's food
    "producer": set(),  # beside others, and no longer beside ruoc-hau
    "new-product": {"mang-kho", "mien-dong"},
    "delete-product": {"dao-canh", "ruoc-hau"},
}


@pytest.mark.parametrize("change", list(KEPT))
def test_an_update_that_keeps_other_products_blocks_equals_a_clean_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    assert set(_recorded_groups(site)) == {"dao-canh", "mang-kho", "mien-dong", "ruoc-hau"}
    taken: list[groups.Reuse] = []
    real = groups.reusable

    def spied(*args: Any) -> groups.Reuse:
        taken.append(real(*args))
        return taken[-1]

    monkeypatch.setattr(groups, "reusable", spied)
    _change(site, change)
    assert build(site, out, build_date=BUILD_DATE).updated_in_place
    # the products whose pages show nothing that changed (themselves, their producer, the
    # products beside them) are taken as they were; the others are planned again
    assert set(taken[-1].kept) == KEPT[change]
    clean = tmp_path / "clean"
    build(site, clean, build_date=BUILD_DATE, cache_dir=tmp_path / "clean-cache")
    assert _tree(out) == _tree(clean)
    # the edit undone, from the blocks the update recorded
    shutil.rmtree(site / "content")
    shutil.copytree(SITES / "bilingual/content", site / "content")
    assert build(site, out, build_date=BUILD_DATE).updated_in_place
    shutil.rmtree(clean)
    build(site, clean, build_date=BUILD_DATE, cache_dir=tmp_path / "other-cache")
    assert _tree(out) == _tree(clean)


def test_a_product_whose_page_shows_more_than_its_block_covers_gets_no_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_plan = build_module.plan_pages

    def counting(catalogue: Catalogue, cache: Path | None = None, **options: Any) -> list[PageSpec]:
        planned = real_plan(catalogue, cache, **options)
        return [
            dataclasses.replace(spec, depends=lambda views: [len(catalogue.products)])
            if spec.route.kind == "product" and spec.route.key == "mien-dong"
            else spec
            for spec in planned
        ]

    monkeypatch.setattr(build_module, "plan_pages", counting)
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    assert set(_recorded_groups(site)) == {"dao-canh", "mang-kho", "ruoc-hau"}
    shutil.rmtree(site / PRODUCTS / "mang-kho")  # one product fewer: mien-dong's page changes
    assert build(site, out, build_date=BUILD_DATE).updated_in_place
    monkeypatch.undo()
    shutil.rmtree(site / ".ocopsite-cache")
    build(site, tmp_path / "clean", build_date=BUILD_DATE)
    assert _tree(out) == _tree(tmp_path / "clean")


def test_damaged_or_missing_blocks_are_planned_again(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    cache = site / ".ocopsite-cache"
    record = incremental.read_record(cache)
    assert record is not None
    paths = record["paths"]
    assert groups_of(record, paths)
    members = record["group_members"]
    for damaged in (
        {**record, "group_pages": record["group_pages"][1:]},
        {**record, "group_slugs": None},
        {**record, "group_signatures": [1] * len(record["group_slugs"])},
        {**record, "group_members": members[:-1]},
        {**record, "group_members": members[:-4]},
        {**record, "group_order": "middle:4"},
        {**record, "group_pages": [-1] * len(record["group_slugs"])},
        {**record, "group_pages": [n + 1 for n in record["group_sizes"]]},
    ):
        assert groups_of(damaged, paths) == {}
    # a manifest without its blocks: every product is planned, and blocks are kept again
    del record["group_members"]
    incremental.manifest_path(cache).write_bytes(encoded(record))
    _edit(site / PRODUCTS / "dao-canh/product.yaml", "stars: 4", "stars: 3")
    assert build(site, out, build_date=BUILD_DATE).updated_in_place
    assert len(_recorded_groups(site)) == 4
    shutil.rmtree(cache)
    build(site, tmp_path / "clean", build_date=BUILD_DATE)
    assert _tree(out) == _tree(tmp_path / "clean")
