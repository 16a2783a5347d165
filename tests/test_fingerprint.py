"""The fingerprint, with folders' entries kept between walks, says what a full walk says.

A folder's kept entries are trusted while the folder's times are unchanged; these
tests make every kind of change a site sees (edits in place, new and deleted
files and bundles, renames, links, config and templates) and compare the
fingerprint taken with the kept entries against one taken by reading every folder.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BUILD_DATE
from sitekit import SITES, copy_site

from ocopsite.build import build
from ocopsite.load import bundle as bundle_module
from ocopsite.load import fingerprint, kinds
from ocopsite.load.recordcache import bundle_stamp


def _walked(site: Path) -> str:
    """The fingerprint from reading every folder."""
    return fingerprint.site_fingerprint(site, None, BUILD_DATE, False)


def _kept(site: Path, cache: Path) -> str:
    """The fingerprint from the folders' entries kept in ``cache``."""
    return fingerprint.site_fingerprint(site, None, BUILD_DATE, False, cache)


def _settle() -> None:
    """Wait past a tick of the file system's clock, so that a change leaves new times."""
    time.sleep(0.05)


def _edits(site: Path, outside: Path) -> list[tuple[str, Callable[[], None]]]:
    bundle = site / "content/products/mat-ong"
    record = bundle / "product.yaml"
    shared = site / "shared"

    def in_place() -> None:  # same size, same folder entries: only the file's own times
        data = record.read_bytes()
        with record.open("r+b") as handle:
            handle.write(data)
        assert record.read_bytes() == data

    def append() -> None:
        with (bundle / "vi.md").open("a", encoding="utf-8") as handle:
            handle.write("\nThêm một dòng.\n")

    def linked_in_file() -> None:
        shared.mkdir()
        (shared / "ghi-chu.md").write_text("Ghi chú.\n", encoding="utf-8")
        (bundle / "ghi-chu.md").symlink_to("../../../shared/ghi-chu.md")

    def linked_file_edited() -> None:
        (shared / "ghi-chu.md").write_text("Ghi chú mới, dài hơn.\n", encoding="utf-8")

    def link_retargeted() -> None:
        (shared / "khac.md").write_text("Khác.\n", encoding="utf-8")
        (bundle / "ghi-chu.md").unlink()
        (bundle / "ghi-chu.md").symlink_to("../../../shared/khac.md")

    def linked_in_folder() -> None:
        (site / "content/lien-ket").symlink_to(shared, target_is_directory=True)

    def file_in_linked_folder() -> None:
        (shared / "moi.txt").write_text("x", encoding="utf-8")

    def link_out() -> None:
        (site / "content/products/ra-ngoai").symlink_to(outside, target_is_directory=True)

    def file_outside_edited() -> None:
        (outside / "product.yaml").write_text("name: khác\n", encoding="utf-8")

    def dangling() -> None:
        (outside / "product.yaml").unlink()
        (site / "content/products/ra-ngoai").unlink()
        (site / "content/products/treo").symlink_to(outside / "nowhere")

    return [
        ("a record edited in place", in_place),
        ("a text appended to", append),
        ("a file added", lambda: (bundle / "note.txt").write_text("x", encoding="utf-8")),
        ("a file renamed", lambda: (bundle / "note.txt").rename(bundle / "notes.txt")),
        ("a file deleted", lambda: (bundle / "notes.txt").unlink()),
        ("a bundle added", lambda: shutil.copytree(bundle, bundle.with_name("mat-ong-2"))),
        (
            "a bundle's folder renamed",
            lambda: bundle.with_name("mat-ong-2").rename(bundle.with_name("mat-ong-3")),
        ),
        ("a bundle deleted", lambda: shutil.rmtree(bundle.with_name("mat-ong-3"))),
        ("an empty folder added", lambda: (bundle / "photos").mkdir()),
        ("a file in a new folder", lambda: (bundle / "photos/a.txt").write_text("a")),
        ("a link to a file added", linked_in_file),
        ("a linked file edited", linked_file_edited),
        ("a link retargeted", link_retargeted),
        ("a link to a folder added", linked_in_folder),
        ("a file added in a linked folder", file_in_linked_folder),
        ("a link out of the site", link_out),
        ("a file outside edited", file_outside_edited),
        ("a dangling link", dangling),
        (
            "the config edited",
            lambda: (site / "site_config.yaml").write_text(
                (site / "site_config.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"
            ),
        ),
        ("a templates folder added", lambda: (site / "templates").mkdir()),
        ("a template written", lambda: (site / "templates/base.html").write_text("x")),
        ("a theme folder added", lambda: (site / "themes/mine").mkdir(parents=True)),
        ("a hidden file added", lambda: (bundle / ".ghi-chu").write_text("x")),
    ]


#: Changes that are no input: an empty folder holds no file, a hidden file is never read.
UNSEEN = {
    "an empty folder added",
    "a templates folder added",
    "a theme folder added",
    "a hidden file added",
}


def test_every_change_is_seen_from_kept_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Folders made by this test are only milliseconds old: trust any folder not changed
    # since a walk began (and wait past a clock tick after each change).
    monkeypatch.setattr(fingerprint, "SETTLED_NS", 0)
    site = copy_site(SITES / "minimal", tmp_path / "site").resolve()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    cache = tmp_path / "cache"
    _settle()
    first = _kept(site, cache)
    assert first == _walked(site)
    kept = json.loads((cache / fingerprint.LISTINGS).read_text("utf-8"))["folders"]
    assert str(site / "content/products/mat-ong") in kept
    previous = first
    for what, edit in _edits(site, outside):
        _settle()
        edit()
        _settle()
        walked = _walked(site)
        assert _kept(site, cache) == walked, what
        assert _kept(site, cache) == walked, what  # and again, from the entries just kept
        assert (walked == previous) == (what in UNSEEN), what
        previous = walked


def test_nothing_changed_rewrites_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprint, "SETTLED_NS", 0)
    site = copy_site(SITES / "minimal", tmp_path / "site").resolve()
    cache = tmp_path / "cache"
    _settle()
    first = _kept(site, cache)
    saved = (cache / fingerprint.LISTINGS).stat().st_mtime_ns
    _settle()
    assert _kept(site, cache) == first
    assert (cache / fingerprint.LISTINGS).stat().st_mtime_ns == saved


def test_a_folder_changed_just_now_is_read_again(tmp_path: Path) -> None:
    """A folder whose times are within a clock tick of the walk may change unseen: not kept."""
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    listings = fingerprint.Listings()
    assert listings.entries(str(folder), str(folder)) == (["a.txt"], [], [], True)
    assert str(folder) not in listings.seen
    later = fingerprint.Listings()
    later.started += 10 * fingerprint.SETTLED_NS  # the same folder, long after its change
    assert later.entries(str(folder), str(folder)) == (["a.txt"], [], [], True)
    assert str(folder) in later.seen


def test_damaged_or_foreign_listings_are_ignored(tmp_path: Path) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site").resolve()
    cache = tmp_path / "cache"
    cache.mkdir()
    walked = _walked(site)
    for content in ("{not json", '{"version": "0.0.0", "folders": {}}', "[]", '{"folders": 3}'):
        (cache / fingerprint.LISTINGS).write_text(content, encoding="utf-8")
        assert _kept(site, cache) == walked


def test_stamps_read_off_the_walk_are_the_record_caches(tmp_path: Path) -> None:
    """Each folder's stamp from the walk is what the record cache would stamp it with."""
    site = copy_site(SITES / "minimal", tmp_path / "site").resolve()
    bundle = site / "content/products/mat-ong"
    (site / "shared").mkdir()
    (site / "shared/ghi-chu.md").write_text("Ghi chú.\n", encoding="utf-8")
    (bundle / "ghi-chu.md").symlink_to("../../../shared/ghi-chu.md")
    (bundle / "treo.md").symlink_to("nowhere.md")
    (bundle / "chung").symlink_to(site / "shared", target_is_directory=True)
    hidden = site / "content/producers/htx-ong"
    (hidden / ".DS_Store").write_bytes(b"x")
    stamps: dict[str, fingerprint.FolderStamp] = {}
    fingerprint.site_fingerprint(site, None, BUILD_DATE, False, tmp_path / "cache", stamps)
    assert stamps[str(bundle)] == bundle_stamp(bundle)
    assert {name for name, _, _ in stamps[str(bundle)]} >= {"ghi-chu.md\0link", "treo.md\0link"}
    assert str(site / "shared") in stamps
    assert str(hidden) not in stamps, "a folder with a hidden file is stamped by the cache"
    assert str(site / "content/products") not in stamps, "a folder with subfolders, too"
    for real, stamp in stamps.items():
        assert stamp == bundle_stamp(Path(real)), real
    (bundle / "photos").mkdir()
    (bundle / "photos/anh.jpg").write_bytes(b"x")
    stamps.clear()
    fingerprint.site_fingerprint(site, None, BUILD_DATE, False, tmp_path / "cache", stamps)
    assert str(bundle) not in stamps
    assert ("photos/anh.jpg", 1) in {(name, size) for name, size, _ in bundle_stamp(bundle)}


def test_a_build_stamps_cached_bundles_from_its_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that walked the inputs reads no bundle folder again to check its saved record."""
    site = copy_site(SITES / "minimal", tmp_path / "site").resolve()
    out = tmp_path / "public"
    first = build(site, out, build_date=BUILD_DATE)
    stamped: list[Path] = []

    def counted(folder: Path) -> fingerprint.FolderStamp:
        stamped.append(folder)
        return bundle_stamp(folder)

    # A cached record's bundle is stamped by the load of its kind; a new one's by its validation.
    monkeypatch.setattr(kinds, "bundle_stamp", counted)
    monkeypatch.setattr(bundle_module, "bundle_stamp", counted)
    again = build(site, out, build_date=BUILD_DATE, force=True)
    assert again.records == first.records and not stamped
    build(site, out, build_date=BUILD_DATE, force=True, inputs="given without its walk")
    assert len(stamped) == first.records


def test_another_version_of_a_library_changes_both_fingerprints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library installed anew (another size or time of its files) means a full rebuild:
    the site's fingerprint and the code's, which keys every output and cached record."""
    from ocopsite.load import recordcache

    library = tmp_path / "libs" / "shaping_library"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("VERSION = '1.0'\n")
    monkeypatch.syspath_prepend(str(tmp_path / "libs"))
    monkeypatch.setattr(fingerprint, "OUTPUT_LIBRARIES", ("jinja2", "shaping_library"))
    site = copy_site(SITES / "minimal", tmp_path / "site")

    def both() -> tuple[str, str]:
        fingerprint.libraries.cache_clear()
        recordcache.code_fingerprint.cache_clear()
        return _walked(site), recordcache.code_fingerprint()

    try:
        before = both()
        assert "shaping_library" in fingerprint.libraries()
        assert both() == before  # nothing installed: nothing changes
        (library / "__init__.py").write_text("VERSION = '1.1.0'\n")
        after = both()
        assert after[0] != before[0] and after[1] != before[1]
    finally:
        monkeypatch.undo()
        fingerprint.libraries.cache_clear()
        recordcache.code_fingerprint.cache_clear()


def test_the_code_is_fingerprinted_by_content_not_by_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Touching ocopsite's code (a checkout, a copy) keeps every cached record and output key;
    changing it does not. (On a copy of the package, which the other tests do not see.)"""
    import os

    from ocopsite.load import recordcache

    package = tmp_path / "ocopsite"
    shutil.copytree(recordcache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(recordcache, "PACKAGE_DIR", package)
    monkeypatch.setattr(recordcache, "DATA_DIR", package / "data")
    path = package / "paths.py"

    def code() -> str:
        recordcache.code_fingerprint.cache_clear()
        return recordcache.code_fingerprint()

    try:
        before = code()
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
        assert code() == before
        path.write_bytes(path.read_bytes() + b"\n# changed\n")
        assert code() != before
    finally:
        monkeypatch.undo()
        recordcache.code_fingerprint.cache_clear()
