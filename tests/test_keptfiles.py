"""What caches keep between builds: archives of bytes that reading never runs code from."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import pytest

from ocopsite import keptfiles
from ocopsite.cachekey import TAG_SIZE
from ocopsite.keptfiles import keep, kept


class _Planted:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch planted",))


def test_files_kept_come_back_the_same_and_in_order(tmp_path: Path) -> None:
    files = {"s/b": b"\x00\x01", "s/a": b"", "l/x": "é".encode()}
    keep(tmp_path / "vi-1.zip", files, "vi-*.zip")
    assert list(kept(tmp_path / "vi-1.zip").items()) == list(files.items())  # type: ignore[union-attr]
    keep(tmp_path / "other.zip", files, "other*.zip")
    # the same archive, sealed under each entry's own name (see ocopsite.cachekey)
    first, other = (tmp_path / "vi-1.zip").read_bytes(), (tmp_path / "other.zip").read_bytes()
    assert first[TAG_SIZE:] == other[TAG_SIZE:] and first[:TAG_SIZE] != other[:TAG_SIZE]
    (tmp_path / "vi-2.zip").write_bytes(first)  # moved to another name: not that entry's
    assert kept(tmp_path / "vi-2.zip") is None
    (tmp_path / "vi-1.zip").write_bytes(first[TAG_SIZE:])  # the archive without the seal
    assert kept(tmp_path / "vi-1.zip") is None


def test_a_planted_pickle_or_damaged_entry_is_missing_and_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    entry = tmp_path / "vi-1.zip"
    entry.write_bytes(pickle.dumps(_Planted()))
    assert kept(entry) is None and not (tmp_path / "planted").exists()
    entry.write_bytes(b"PK\x03\x04 cut short")
    assert kept(entry) is None
    assert kept(tmp_path / "missing.zip") is None


def test_a_file_put_in_place_of_an_entry_being_written_is_not_sealed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone who can write to the cache folder swaps the entry being written for their
    own archive while it is sealed, then copies the seal into theirs: it is refused."""
    entry = tmp_path / "vi-1.zip"
    aside = tmp_path / "aside"
    planted = {"data/products.csv": b"<script>planted</script>"}
    keep(tmp_path / "theirs.zip", planted, "theirs.zip")
    theirs = (tmp_path / "theirs.zip").read_bytes()
    sealing = keptfiles.tagger

    def swap_then_seal(purpose: bytes):  # type: ignore[no-untyped-def]
        (temporary,) = tmp_path.glob(f".vi-1.zip.*{keptfiles.TEMPORARY_SUFFIX}")
        temporary.rename(aside)
        temporary.write_bytes(bytes(TAG_SIZE) + theirs[TAG_SIZE:])
        return sealing(purpose)

    monkeypatch.setattr(keptfiles, "tagger", swap_then_seal)
    keep(entry, {"data/products.csv": b"ours"}, "vi-*.zip")
    with entry.open("r+b") as file:  # the seal made for our archive, copied into theirs
        file.write(aside.read_bytes()[:TAG_SIZE])
    assert kept(entry) is None
    assert oct(aside.stat().st_mode & 0o777) == oct(0o600)  # and no one else writes to it


def test_keeping_drops_older_entries_and_left_over_writes_only(tmp_path: Path) -> None:
    keep(tmp_path / "vi-1.zip", {"a": b"1"}, "vi-*.zip")
    keep(tmp_path / "en-1.zip", {"a": b"1"}, "en-*.zip")
    old = tmp_path / f".vi-0.zip.123.0{keptfiles.TEMPORARY_SUFFIX}"
    recent = tmp_path / f".vi-0.zip.456.0{keptfiles.TEMPORARY_SUFFIX}"
    for left in (old, recent):
        left.write_bytes(b"half")
    long_ago = time.time() - keptfiles.LEFT_OVER_AFTER - 60
    os.utime(old, (long_ago, long_ago))
    keep(tmp_path / "vi-2.zip", {"a": b"2"}, "vi-*.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == [recent.name, "en-1.zip", "vi-2.zip"]


def _parts(folder: Path, records: list[tuple[str, str | None, bytes]], made: list[str]):  # type: ignore[no-untyped-def]
    """Ask a KeptParts in ``folder`` for ``records`` (key, token, content), noting those made."""

    def make(key: str, content: bytes) -> list[bytes]:
        made.append(key)
        return [content, content.upper()]

    parts = keptfiles.KeptParts(folder, "env", ["a", "b"])
    got = [
        parts.get(key, token, lambda k=key, c=content: make(k, c))
        for key, token, content in records
    ]
    parts.save()
    return got, parts.joined()


def test_kept_parts_come_back_until_their_token_changes(tmp_path: Path) -> None:
    records = [("x", "1", b"one"), ("y", "1", b""), ("z", None, b"three"), ("w", "1", b"four")]
    made: list[str] = []
    first = _parts(tmp_path, records, made)
    assert made == ["x", "y", "z", "w"]
    assert first[1] == [b"onethreefour", b"ONETHREEFOUR"]
    made.clear()
    assert _parts(tmp_path, records, made) == first
    assert made == ["z"]  # a record without a token is always made
    made.clear()
    edited = [records[3], ("x", "2", b"uno"), records[1], ("v", "1", b"new")]
    got, joined = _parts(tmp_path, edited, made)
    assert made == ["x", "v"]  # a new token is seen; moved records are taken as kept
    assert joined == [b"fourunonew", b"FOURUNONEW"]
    assert got[0] == (b"four", b"FOUR")
    made.clear()
    assert _parts(tmp_path, edited, made)[1] == joined and made == []
    assert [p.name for p in tmp_path.iterdir()] == ["env.zip"]


def test_damaged_or_foreign_kept_parts_are_made_again(tmp_path: Path) -> None:
    records = [("x", "1", b"one"), ("y", "1", b"two")]
    _parts(tmp_path, records, [])
    entry = tmp_path / "env.zip"
    files = kept(entry)
    assert files is not None
    for damage in (
        {**files, "a": files["a"][:-1]},  # lengths that do not add up
        {**files, "lengths.bin": files["lengths.bin"][:-8]},
        {k: v for k, v in files.items() if k != "b"},  # a column missing
        {**files, "records.txt": b"x\t1\nx\t1"},  # a key twice
        {**files, "records.txt": b"x1\ny1"},
    ):
        keep(entry, damage, "*.zip")
        made: list[str] = []
        _, joined = _parts(tmp_path, records, made)
        assert made == ["x", "y"] and joined == [b"onetwo", b"ONETWO"]
    entry.write_bytes(b"PK\x03\x04 cut short")
    made = []
    assert _parts(tmp_path, records, made)[1] == [b"onetwo", b"ONETWO"] and made == ["x", "y"]
    other: list[str] = []  # another environment keeps nothing of this one
    parts = keptfiles.KeptParts(tmp_path, "other", ["a", "b"])
    parts.add("x", "1", lambda: other.append("x") or [b"1", b"2"])  # type: ignore[func-returns-value]
    assert other == ["x"]


def test_kept_parts_are_joined_column_by_column_under_their_heads_with_their_ends(
    tmp_path: Path,
) -> None:
    records = [("x", "1", b"one,"), ("y", None, b"two,"), ("z", "1", b""), ("w", "1", b"four,")]
    made: list[str] = []
    for _ in range(2):  # made, then taken as kept but for y, which has no token
        parts = keptfiles.KeptParts(tmp_path, "env", ["a", "b"], [b"[", b"<"])
        for key, token, content in records:
            parts.add(key, token, lambda k=key, c=content: made.append(k) or [c, c.upper()])  # type: ignore[func-returns-value]
        parts.save()
        # the columns as the files show them: a head, the parts, the last bytes replaced
        assert parts.joined([(1, b"]"), (0, b"")]) == [b"[one,two,four]", b"<ONE,TWO,FOUR,"]
    assert made == ["x", "y", "z", "w", "y"]
    # what was saved: the records with a token, without the heads or the ends
    again = keptfiles.KeptParts(tmp_path, "env", ["a", "b"])
    assert again.kept() == {
        "x": ("1", (b"one,", b"ONE,")),
        "z": ("1", (b"", b"")),
        "w": ("1", (b"four,", b"FOUR,")),
    }
    assert again.get("w", "1", list) == (b"four,", b"FOUR,")
    assert again.get("v", "1", lambda: [b"v", b"V"]) == (b"v", b"V")
    assert again.joined() == [b"four,v", b"FOUR,V"]
    # a column with no parts keeps its head whole: nothing of it is cut
    empty = keptfiles.KeptParts(None, None, ["a"], [b"[\n"])
    empty.add("x", None, lambda: [b""])
    assert empty.joined([(2, b"\n]\n")]) == [b"[\n"]
