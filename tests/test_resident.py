"""The preview server's builds: one resident process, many edits, the output of a clean build."""

from __future__ import annotations

import re
import shutil
from functools import partial
from pathlib import Path

import pytest
from conftest import BUILD_DATE
from sitekit import SITES, copy_site

from ocopsite.build import build
from ocopsite.commands.cli import run_build
from ocopsite.commands.serve import rebuild_resident
from ocopsite.output import preview
from ocopsite.output.incremental import Resident
from ocopsite.output.publish import Superseded

VIEWED = "products/dao-canh/index.html"


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def _clean_build(site: Path, out: Path) -> dict[str, bytes]:
    shutil.rmtree(site / ".ocopsite-cache")
    build(site, out, build_date=BUILD_DATE)
    return _tree(out)


def test_resident_rebuilds_through_edits_and_an_error_equal_a_clean_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    shown: list[bytes] = []  # the open page, as the output holds it when the browser reloads
    resident = Resident(
        lambda: shown.append((out / VIEWED).read_bytes()), lambda: frozenset({VIEWED})
    )

    def rebuild() -> bool:
        return run_build(
            site, out, base_url=None, build_date=BUILD_DATE, strict=False, quiet=True,
            resident=resident,
        )  # fmt: skip

    assert rebuild() and len(shown) == 1
    products = site / "content/products"

    _edit(products / "dao-canh/product.yaml", "stars: 4", "stars: 3")
    before = _tree(out)
    assert rebuild() and len(shown) == 2
    # the open page was published first, and as it ends up
    assert shown[-1] == (out / VIEWED).read_bytes() != before[VIEWED]
    listing = "en/stars/3/index.html"  # and the other pages after it
    assert listing in _tree(out) and _tree(out).get(listing) != before.get(listing)

    shutil.copytree(products / "mang-kho", products / "mang-kho-moi")
    _edit(products / "mang-kho-moi/product.yaml", "Măng khô", "Măng khô mới")
    assert rebuild() and (out / "products/mang-kho-moi/index.html").is_file()
    shutil.rmtree(products / "mang-kho")
    assert rebuild() and not (out / "products/mang-kho").exists()

    capsys.readouterr()
    good = _tree(out)
    _edit(products / "dao-canh/product.yaml", "stars: 3", "stars: 9")
    assert not rebuild()
    errors = capsys.readouterr().err
    assert re.search(r"content/products/dao-canh/product\.yaml:\d+: error: ", errors), errors
    assert "Traceback" not in errors
    assert _tree(out) == good  # the served site is untouched
    assert len(shown) == 4  # and no page reloads

    _edit(products / "dao-canh/product.yaml", "stars: 9", "stars: 4")
    assert rebuild() and len(shown) == 5
    assert _tree(out) == _clean_build(site, tmp_path / "clean")  # byte for byte, same files


def test_a_superseded_rebuild_publishes_nothing_and_the_next_one_catches_up(
    tmp_path: Path,
) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    resident = Resident()
    build(site, out, build_date=BUILD_DATE, resident=resident)
    before = _tree(out)
    _edit(site / "content/producers/ho-van-don/producer.yaml", "Hộ Vân Đồn", "Hộ ông Ba")
    resident.stop.set()  # a newer change came in before anything was published
    with pytest.raises(Superseded):
        build(site, out, build_date=BUILD_DATE, resident=resident)
    assert _tree(out) == before
    resident.stop.clear()
    assert build(site, out, build_date=BUILD_DATE, resident=resident).updated_in_place
    assert _tree(out) == _clean_build(site, tmp_path / "clean")


def test_after_a_resident_build_the_next_cli_build_finds_what_changed(tmp_path: Path) -> None:
    """A resident process keeps no fingerprint: another build compares dependencies instead."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    resident = Resident()
    build(site, out, build_date=BUILD_DATE, resident=resident)
    _edit(site / "content/products/dao-canh/product.yaml", "stars: 4", "stars: 3")
    build(site, out, build_date=BUILD_DATE, resident=resident)
    again = build(site, out, build_date=BUILD_DATE)
    assert not again.unchanged and again.updated_in_place and again.files == 0
    assert build(site, out, build_date=BUILD_DATE).unchanged


def _serve_rebuild(site: Path, out: Path, resident: Resident) -> bool:
    """A rebuild as the preview server makes one, the open page of an edited record first."""
    run = partial(
        run_build, site, out, base_url=None, build_date=BUILD_DATE, strict=False, quiet=True,
        resident=resident,
    )  # fmt: skip
    return rebuild_resident(resident, out, (None, BUILD_DATE, False), run)


def test_the_open_page_of_an_edited_record_is_published_before_the_build(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    record = site / "content/products/dao-canh/product.yaml"
    # what the output holds each time the browser is told to reload
    shown: list[dict[str, bytes]] = []
    resident = Resident(lambda: shown.append(_tree(out)), lambda: frozenset({VIEWED}))
    assert _serve_rebuild(site, out, resident) and len(shown) == 1
    before = _tree(out)

    _edit(record, "stars: 4", "stars: 3")
    resident.saw([record])
    assert preview.publish_viewed(resident, out, (None, BUILD_DATE, False))
    # the page is published and reloaded at once, ahead of the listings that show it
    assert len(shown) == 2 and shown[-1][VIEWED] != before[VIEWED]
    listing = "en/stars/3/index.html"
    assert shown[-1].get(listing) == before.get(listing)
    early = shown[-1][VIEWED]
    assert build(site, out, build_date=BUILD_DATE, resident=resident).updated_in_place
    assert len(shown) == 2  # the build made the same page: the browser is not told again
    assert _tree(out)[VIEWED] == early and _tree(out).get(listing) != before.get(listing)
    assert not resident.changed_since_last()  # the build saw the change
    assert _tree(out) == _clean_build(site, tmp_path / "clean")


def test_an_edit_the_open_page_cannot_follow_alone_goes_through_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Config, templates, a record added or removed, another producer, an error: the full
    build alone runs, and the output always equals a clean build's."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    products = site / "content/products"
    record = products / "dao-canh/product.yaml"
    resident = Resident(viewed=lambda: frozenset({VIEWED}))
    assert _serve_rebuild(site, out, resident)

    def ahead(*changed: Path) -> bool:
        resident.saw(changed)
        return preview.publish_viewed(resident, out, (None, BUILD_DATE, False))

    _edit(site / "site_config.yaml", "per_page: ", "per_page: 1")
    assert not ahead(site / "site_config.yaml") and _serve_rebuild(site, out, resident)
    template = site / "templates/404.html"
    template.write_text(template.read_text("utf-8") + "\n", "utf-8")
    _edit(record, "stars: 4", "stars: 3")  # with a template: the template decides
    assert not ahead(template, record) and _serve_rebuild(site, out, resident)
    shutil.copytree(products / "mang-kho", products / "mang-kho-moi")
    assert not ahead(products / "mang-kho-moi", products / "mang-kho-moi/product.yaml")
    assert _serve_rebuild(site, out, resident)
    shutil.rmtree(products / "mang-kho")
    assert not ahead(products / "mang-kho") and _serve_rebuild(site, out, resident)
    _edit(record, "producer: ho-van-don", "producer: htx-tai-hoan")
    assert not ahead(record) and _serve_rebuild(site, out, resident)
    assert _tree(out) == _clean_build(site, tmp_path / "clean")

    capsys.readouterr()
    good = _tree(out)
    _edit(record, "stars: 3", "stars: 9")
    assert not ahead(record) and not _serve_rebuild(site, out, resident)
    assert "error: " in capsys.readouterr().err and _tree(out) == good


def test_a_failed_build_puts_back_the_page_published_before_it(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    resident = Resident(viewed=lambda: frozenset({VIEWED}))
    assert _serve_rebuild(site, out, resident)
    good = _tree(out)
    record = site / "content/products/dao-canh/product.yaml"
    _edit(record, "stars: 4", "stars: 3")
    resident.saw([record])
    # an error in another record the watcher has not told of yet: the build fails
    _edit(site / "content/products/mang-kho/product.yaml", "stars: ", "stars: 9")
    published: list[bytes] = []
    resident.on_pages_live = lambda: published.append((out / VIEWED).read_bytes())
    assert not _serve_rebuild(site, out, resident)
    assert published and published[0] != good[VIEWED]  # it was published ahead, then put back
    assert _tree(out) == good
    assert resident.changed_since_last()  # the next build follows the edit again


def test_other_open_pages_are_reloaded_after_the_page_published_ahead(tmp_path: Path) -> None:
    """A page that sums up the site (browse), open beside the edited product's page, changes
    with the build's last step: its browser is told then, even though the product's page
    was published (and reloaded) ahead."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    listing = "browse/index.html"
    told: list[dict[str, bytes]] = []
    resident = Resident(lambda: told.append(_tree(out)), lambda: frozenset({VIEWED, listing}))
    assert _serve_rebuild(site, out, resident) and len(told) == 1
    record = site / "content/products/dao-canh/product.yaml"
    _edit(record, "stars: 4", "stars: 3")
    resident.saw([record])
    assert preview.publish_viewed(resident, out, (None, BUILD_DATE, False))
    assert len(told) == 2 and told[-1][listing] == told[0][listing]
    assert build(site, out, build_date=BUILD_DATE, resident=resident).updated_in_place
    # told after the pages' step and again after the last one, which made the browse page
    assert len(told) == 4 and told[-1][listing] != told[0][listing]
    assert told[-1] == _tree(out) == _clean_build(site, tmp_path / "clean")


def test_nothing_is_published_ahead_into_an_output_folder_deleted_meanwhile(
    tmp_path: Path,
) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    resident = Resident(viewed=lambda: frozenset({VIEWED}))
    assert _serve_rebuild(site, out, resident)
    shutil.rmtree(out)
    record = site / "content/products/dao-canh/product.yaml"
    _edit(record, "stars: 4", "stars: 3")
    resident.saw([record])
    assert not preview.publish_viewed(resident, out, (None, BUILD_DATE, False))
    assert not out.exists()
    assert _serve_rebuild(site, out, resident)
    assert _tree(out) == _clean_build(site, tmp_path / "clean")
