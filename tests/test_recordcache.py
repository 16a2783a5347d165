"""The record cache: one row per bundle, reused only with the same stamp and environment."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

from sitekit import ROOT

from ocopsite.diagnostics import Diagnostics
from ocopsite.load.catalogue import load_catalogue
from ocopsite.load.config import SiteConfig
from ocopsite.load.recordcache import (
    FILE,
    Entry,
    Kept,
    RecordCache,
    gc_freezable,
    gc_paused,
    pickle_entry,
)


def _rows(folder: Path) -> dict[tuple[str, str], bytes]:
    with sqlite3.connect(folder / FILE) as db:
        return {(k, n): e for k, n, e in db.execute("SELECT kind, name, entry FROM entries")}


def test_an_edit_rewrites_only_its_row_and_removed_bundles_are_forgotten(tmp_path: Path) -> None:
    first = RecordCache(tmp_path, "env")
    for name in ("a", "b", "c"):
        first.put("product", name, Entry(((f"{name}.yaml", 1, 1),), {"slug": name}, []))
    first.save()
    before = _rows(tmp_path)
    assert set(before) == {("product", "a"), ("product", "b"), ("product", "c")}

    second = RecordCache(tmp_path, "env")
    assert second.get("product", "a", (("a.yaml", 1, 1),)) == Entry(
        (("a.yaml", 1, 1),), {"slug": "a"}, []
    )
    assert second.get("product", "b", (("b.yaml", 2, 2),)) is None  # edited: stamp differs
    second.put("product", "b", Entry((("b.yaml", 2, 2),), {"slug": "b2"}, []))
    # "c" was deleted: nobody asks for it
    second.save()
    after = _rows(tmp_path)
    assert set(after) == {("product", "a"), ("product", "b")}
    assert after[("product", "a")] == before[("product", "a")]
    assert after[("product", "b")] != before[("product", "b")]


def test_another_environment_or_a_damaged_file_means_no_reuse(tmp_path: Path) -> None:
    cache = RecordCache(tmp_path, "env")
    cache.put("product", "a", Entry((("a.yaml", 1, 1),), {"slug": "a"}, []))
    cache.save()
    assert RecordCache(tmp_path, "other").get("product", "a", (("a.yaml", 1, 1),)) is None
    other = RecordCache(tmp_path, "other")
    other.save()  # saving in the new environment drops the old rows
    assert _rows(tmp_path) == {}
    (tmp_path / FILE).write_bytes(b"not a database" * 100)
    damaged = RecordCache(tmp_path, "env")
    assert damaged.get("product", "a", (("a.yaml", 1, 1),)) is None
    damaged.put("product", "a", Entry((("a.yaml", 1, 1),), {"slug": "a"}, []))
    damaged.save()  # replaced by a good file
    assert set(_rows(tmp_path)) == {("product", "a")}


def test_entries_are_found_in_any_order_of_kinds_and_names(tmp_path: Path) -> None:
    """A load reads each kind in order of name through one query; asking out of order,
    skipping names, going back or to another kind finds the same entries."""
    names = ["a", "b", "c", "cz", "d", "Đ", "é", "z"]
    first = RecordCache(tmp_path, "env")
    for kind in ("producer", "product"):
        for name in names:
            first.put(kind, name, Entry(((name, 1, 1),), {"slug": f"{kind}-{name}"}, []))
    first.save()
    second = RecordCache(tmp_path, "env")
    asked = [("product", n) for n in ("b", "d", "é", "z", "a", "c")] + [
        ("producer", n) for n in ("Đ", "cz", "a")
    ]
    asked += [("product", "cz"), ("product", "Đ")]
    for kind, name in asked:
        entry = second.get(kind, name, ((name, 1, 1),))
        assert entry is not None and entry.values == {"slug": f"{kind}-{name}"}
    assert second.get("product", "missing", (("missing", 1, 1),)) is None


def test_a_damaged_row_is_not_used_and_the_rows_after_it_are(tmp_path: Path) -> None:
    first = RecordCache(tmp_path, "env")
    for name in ("a", "b", "c"):
        first.put("product", name, Entry(((name, 1, 1),), {"slug": name}, []))
    first.save()
    with sqlite3.connect(tmp_path / FILE) as db:
        db.execute("UPDATE entries SET entry = ? WHERE name = 'b'", (b"\x80\x05garbage",))
    second = RecordCache(tmp_path, "env")
    assert second.get("product", "a", (("a", 1, 1),)) is not None
    assert second.get("product", "b", (("b", 1, 1),)) is None
    entry = second.get("product", "c", (("c", 1, 1),))
    assert entry is not None and entry.values == {"slug": "c"}


def test_what_a_paused_block_made_is_frozen_only_inside_a_freezable_block() -> None:
    gc.unfreeze()
    with gc_paused():
        kept = [[] for _ in range(1000)]
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    with gc_freezable():
        with gc_paused():
            kept += [[] for _ in range(1000)]
        assert gc.get_freeze_count() >= 1000 and gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_stamps_are_read_from_their_own_table_and_an_older_file_is_not_used(
    tmp_path: Path,
) -> None:
    """Stamps are kept in a small table beside the records, removed with them; a file of
    an older ocopsite (records only) is a full load, and its rows go when it is saved."""
    cache = RecordCache(tmp_path, "env")
    for name in ("a", "b"):
        cache.put("product", name, Entry(((f"{name}.yaml", 1, 1),), {"slug": name}, []))
    cache.save()
    with sqlite3.connect(tmp_path / FILE) as db:
        stamps = dict(((k, n), s) for k, n, s in db.execute("SELECT kind, name, stamp FROM stamps"))
    assert set(stamps) == {("product", "a"), ("product", "b")}
    again = RecordCache(tmp_path, "env")
    assert again.get("product", "a", (("a.yaml", 1, 1),)) is not None
    again.save()  # "b" nobody asked for: gone from both tables
    with sqlite3.connect(tmp_path / FILE) as db:
        assert [n for (n,) in db.execute("SELECT name FROM stamps")] == ["a"]
    assert set(_rows(tmp_path)) == {("product", "a")}

    with sqlite3.connect(tmp_path / FILE) as db:  # as an older ocopsite left it
        db.execute("DROP TABLE stamps")
    older = RecordCache(tmp_path, "env")
    assert not older.has("product", "a")
    assert older.get("product", "a", (("a.yaml", 1, 1),)) is None
    older.put("product", "c", Entry((("c.yaml", 1, 1),), {"slug": "c"}, []))
    older.save()
    assert set(_rows(tmp_path)) == {("product", "c")}  # the older rows are not kept
    assert RecordCache(tmp_path, "env").get("product", "c", (("c.yaml", 1, 1),)) is not None


def test_an_entry_pickled_by_a_worker_is_saved_as_it_is_and_kept_without_its_bytes(
    tmp_path: Path,
) -> None:
    stamp = (("a.yaml", 1, 1),)
    data = pickle_entry({"slug": "a"}, [])
    kept: Kept = {}
    cache = RecordCache(tmp_path, "env", kept)
    cache.put("product", "a", Entry(stamp, {"slug": "a"}, [], data))
    cache.save()
    assert _rows(tmp_path) == {("product", "a"): data}
    assert kept["env"][("product", "a")] == Entry(stamp, {"slug": "a"}, [])
    again = RecordCache(tmp_path, "env")
    assert again.get("product", "a", stamp) == Entry(stamp, {"slug": "a"}, [])


def test_records_validated_in_workers_load_and_cache_as_in_one_process(
    sample_config: SiteConfig, tmp_path: Path
) -> None:
    alone = Diagnostics(relative_to=ROOT)
    expected = load_catalogue(sample_config, alone)
    assert expected is not None and len(expected.products) > 8  # enough for several chunks
    in_workers = Diagnostics(relative_to=ROOT)
    assert load_catalogue(sample_config, in_workers, tmp_path / "two", jobs=2) == expected
    load_catalogue(sample_config, Diagnostics(relative_to=ROOT), tmp_path / "one", jobs=1)
    assert _rows(tmp_path / "two") == _rows(tmp_path / "one")
    from_cache = Diagnostics(relative_to=ROOT)
    assert load_catalogue(sample_config, from_cache, tmp_path / "two") == expected
    assert alone.items == in_workers.items == from_cache.items
