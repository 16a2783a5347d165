"""The record cache: records in batches, reused only with the same stamp and environment."""

from __future__ import annotations

import gc
import pickle
import sqlite3
from pathlib import Path
from typing import Any

from sitekit import ROOT

from ocopsite.cachekey import unsealed
from ocopsite.diagnostics import Diagnostics
from ocopsite.load.catalogue import load_catalogue
from ocopsite.load.config import SiteConfig
from ocopsite.load.recordcache import (
    BATCH,
    FILE,
    Entry,
    Kept,
    RecordCache,
    gc_freezable,
    gc_paused,
)


def _rows(folder: Path) -> dict[tuple[str, str], Any]:
    """Each saved bundle's (record, warnings)."""
    with sqlite3.connect(folder / FILE) as db:
        (env,) = db.execute("SELECT value FROM meta WHERE key = 'env'").fetchone()
        purpose = b"records\0" + env.encode()
        rows = db.execute("SELECT id, data FROM batches")
        batches = {b: pickle.loads(unsealed(d, purpose) or b"") for b, d in rows}
        found = db.execute("SELECT kind, name, batch FROM stamps")
        return {(k, n): batches[b][n] for k, n, b in found}


def _batches(folder: Path) -> dict[tuple[str, str], bytes]:
    """The pickled batch that holds each saved bundle."""
    with sqlite3.connect(folder / FILE) as db:
        query = "SELECT s.kind, name, data FROM stamps AS s JOIN batches ON batch = id"
        return {(k, n): d for k, n, d in db.execute(query)}


def test_an_edit_rewrites_only_its_batch_and_removed_bundles_are_forgotten(
    tmp_path: Path,
) -> None:
    names = [f"p{i:04}" for i in range(3 * BATCH)]
    first = RecordCache(tmp_path, "env")
    for name in names:
        first.put("product", name, Entry(((f"{name}.yaml", 1, 1),), {"slug": name}, []))
    first.save()
    before = _batches(tmp_path)
    assert set(before) == {("product", name) for name in names}
    assert len(set(before.values())) == 3  # each batch one pickle

    second = RecordCache(tmp_path, "env")
    edited, deleted = names[1], names[-1]
    for name in names:
        if name == deleted:  # deleted: nobody asks for it
            continue
        stamp = ((f"{name}.yaml", 2 if name == edited else 1, 1),)
        entry = second.get("product", name, stamp)
        if name == edited:
            assert entry is None  # edited: stamp differs
            second.put("product", name, Entry(stamp, {"slug": name + "-2"}, []))
        else:
            assert entry == Entry(stamp, {"slug": name}, [])
    second.save()
    after = _batches(tmp_path)
    assert set(after) == {("product", name) for name in names[:-1]}
    unchanged = names[BATCH : 2 * BATCH]  # the batch that held neither
    assert all(after[("product", n)] == before[("product", n)] for n in unchanged)
    assert after[("product", edited)] != before[("product", edited)]
    assert after[("product", names[-2])] != before[("product", names[-2])]
    rows = _rows(tmp_path)
    assert rows[("product", edited)] == ({"slug": edited + "-2"}, [])
    assert rows[("product", names[0])] == ({"slug": names[0]}, [])


def test_new_bundles_join_a_small_batch_of_their_kind(tmp_path: Path) -> None:
    cache = RecordCache(tmp_path, "env")
    cache.put("product", "a", Entry((("a", 1, 1),), {"slug": "a"}, []))
    cache.save()
    for name in ("b", "c"):
        cache = RecordCache(tmp_path, "env")
        for known in sorted(key[1] for key in _rows(tmp_path)):
            assert cache.get("product", known, ((known, 1, 1),)) is not None
        cache.put("product", name, Entry(((name, 1, 1),), {"slug": name}, []))
        cache.save()
    assert len(set(_batches(tmp_path).values())) == 1
    assert set(_rows(tmp_path)) == {("product", n) for n in "abc"}


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


def test_a_damaged_batch_is_not_used_and_the_others_are(tmp_path: Path) -> None:
    names = [f"p{i:04}" for i in range(2 * BATCH)]
    first = RecordCache(tmp_path, "env")
    for name in names:
        first.put("product", name, Entry(((name, 1, 1),), {"slug": name}, []))
    first.save()
    with sqlite3.connect(tmp_path / FILE) as db:
        (damaged,) = db.execute("SELECT batch FROM stamps WHERE name = ?", (names[0],)).fetchone()
        db.execute("UPDATE batches SET data = ? WHERE id = ?", (b"\x80\x05garbage", damaged))
    second = RecordCache(tmp_path, "env")
    for name in names[:BATCH]:
        assert second.get("product", name, ((name, 1, 1),)) is None
    for name in names[BATCH:]:
        entry = second.get("product", name, ((name, 1, 1),))
        assert entry is not None and entry.values == {"slug": name}
    for name in names[:BATCH]:  # validated again
        second.put("product", name, Entry(((name, 1, 1),), {"slug": name}, []))
    second.save()
    assert _rows(tmp_path) == {("product", n): ({"slug": n}, []) for n in names}


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
    another layout (an older ocopsite's) is a full load, and its rows go when it is saved."""
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
        db.execute("DELETE FROM meta WHERE key = 'layout'")
    older = RecordCache(tmp_path, "env")
    assert not older.has("product", "a")
    assert older.get("product", "a", (("a.yaml", 1, 1),)) is None
    older.put("product", "c", Entry((("c.yaml", 1, 1),), {"slug": "c"}, []))
    older.save()
    assert set(_rows(tmp_path)) == {("product", "c")}  # the older rows are not kept
    assert RecordCache(tmp_path, "env").get("product", "c", (("c.yaml", 1, 1),)) is not None


def test_an_entry_put_is_saved_and_kept_in_memory(tmp_path: Path) -> None:
    stamp = (("a.yaml", 1, 1),)
    kept: Kept = {}
    cache = RecordCache(tmp_path, "env", kept)
    cache.put("product", "a", Entry(stamp, {"slug": "a"}, []))
    cache.save()
    assert _rows(tmp_path) == {("product", "a"): ({"slug": "a"}, [])}
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
