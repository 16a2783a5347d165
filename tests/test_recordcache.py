"""The record cache: one row per bundle, reused only with the same stamp and environment."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ocopsite.load.recordcache import FILE, Entry, RecordCache


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
