"""What caches keep between builds: archives of bytes that reading never runs code from."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import pytest

from ocopsite import keptfiles
from ocopsite.keptfiles import keep, kept


class _Planted:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch planted",))


def test_files_kept_come_back_the_same_and_in_order(tmp_path: Path) -> None:
    files = {"s/b": b"\x00\x01", "s/a": b"", "l/x": "é".encode()}
    keep(tmp_path / "vi-1.zip", files, "vi-*.zip")
    assert list(kept(tmp_path / "vi-1.zip").items()) == list(files.items())  # type: ignore[union-attr]
    keep(tmp_path / "other.zip", files, "other*.zip")
    assert (tmp_path / "vi-1.zip").read_bytes() == (tmp_path / "other.zip").read_bytes()


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
