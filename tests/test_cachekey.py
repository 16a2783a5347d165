"""The cache folder lives in the site: what is read back from it as Python objects must
have been written by this user's ocopsite (see :mod:`ocopsite.cachekey`)."""

from __future__ import annotations

import marshal
import os
import pickle
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BUILD_DATE
from sitekit import SITES, copy_site

from ocopsite import cachekey
from ocopsite.build import build
from ocopsite.files import create_atomic
from ocopsite.load.recordcache import FILE, Entry, RecordCache
from ocopsite.output import incremental, manifestfile


@pytest.fixture
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A user whose cache folder is ``tmp_path/home-cache``; their key file's path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    cachekey.forget()
    yield tmp_path / "home-cache/ocopsite" / cachekey.KEY_FILE
    cachekey.forget()  # the next test's user is the session's again


def _mark(path: str) -> None:
    Path(path).write_text("the pickle ran")


class _Hostile:
    """What a hostile pickle does when it is read: here, it leaves a mark."""

    def __init__(self, mark: Path) -> None:
        self.mark = mark

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (_mark, (str(self.mark),))


def _forged(data: bytes) -> bytes:
    """``data`` sealed as :func:`cachekey.seal` does, with a key that is not the user's."""
    import hashlib
    import hmac

    return hmac.new(os.urandom(32), b"x\0" + data, hashlib.sha256).digest() + data


def test_the_key_is_made_once_private_to_the_user_and_kept(own_key: Path) -> None:
    first = cachekey.key()
    assert own_key.read_bytes() == first and len(first) == cachekey.KEY_SIZE
    assert stat.S_IMODE(own_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(own_key.parent.stat().st_mode) & 0o077 == 0
    cachekey.forget()
    assert cachekey.key() == first  # another process finds it
    sealed = cachekey.seal(b"data", b"purpose")
    assert bytes(cachekey.unsealed(sealed, b"purpose") or b"") == b"data"
    assert cachekey.unsealed(sealed, b"another purpose") is None
    assert cachekey.unsealed(sealed[:-1], b"purpose") is None
    assert cachekey.unsealed(_forged(b"data"), b"purpose") is None
    assert cachekey.unsealed(b"short", b"purpose") is None


@pytest.mark.parametrize("kind", ["readable by others", "a link", "the wrong size"])
def test_a_key_file_that_is_not_the_users_private_file_is_not_used(
    own_key: Path, kind: str
) -> None:
    """Such a file may be someone else's (who could then forge the cache): the process
    uses a key of its own, and leaves the file as it found it."""
    own_key.parent.mkdir(parents=True)
    planted = os.urandom(cachekey.KEY_SIZE)
    if kind == "a link":
        (own_key.parent / "elsewhere").write_bytes(planted)
        (own_key.parent / "elsewhere").chmod(0o600)
        own_key.symlink_to(own_key.parent / "elsewhere")
    else:
        own_key.write_bytes(planted if kind != "the wrong size" else planted[:-1])
        own_key.chmod(0o644 if kind == "readable by others" else 0o600)
    first = cachekey.key()
    assert first != planted and len(first) == cachekey.KEY_SIZE and not cachekey.kept()
    cachekey.forget()
    assert cachekey.key() != first  # one of this process alone, each time
    assert os.path.islink(own_key) == (kind == "a link")


def test_creating_a_file_never_replaces_one_already_there(tmp_path: Path) -> None:
    assert create_atomic(tmp_path / "made", b"first", mode=0o600)
    assert not create_atomic(tmp_path / "made", b"second", mode=0o600)
    assert (tmp_path / "made").read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["made"]  # no temporary file left
    assert stat.S_IMODE((tmp_path / "made").stat().st_mode) == 0o600


def test_a_record_batch_not_sealed_by_this_user_is_never_unpickled(
    own_key: Path, tmp_path: Path
) -> None:
    cache = RecordCache(tmp_path, "env")
    cache.put("product", "a", Entry((("a.yaml", 1, 1),), {"slug": "a"}, []))
    cache.save()
    mark = tmp_path / "mark"
    hostile = pickle.dumps({"a": (_Hostile(mark), [])})
    for data in (hostile, _forged(hostile), cachekey.seal(hostile, b"records\0other env")):
        with sqlite3.connect(tmp_path / FILE) as db:
            db.execute("UPDATE batches SET data = ?", (data,))
        assert RecordCache(tmp_path, "env").get("product", "a", (("a.yaml", 1, 1),)) is None
        assert not mark.exists()
    with sqlite3.connect(tmp_path / FILE) as db:  # the test's pickle does run when sealed
        db.execute("UPDATE batches SET data = ?", (cachekey.seal(hostile, b"records\0env"),))
    RecordCache(tmp_path, "env").get("product", "a", (("a.yaml", 1, 1),))
    assert mark.exists()


def test_an_output_manifest_not_sealed_by_this_user_is_never_unmarshalled(own_key: Path) -> None:
    record = {"version": 1, "paths": ["index.html"]}
    assert manifestfile.decoded(manifestfile.encoded(record)) == record
    assert b"".join(manifestfile.encoded_parts(record)) == manifestfile.encoded(record)
    assert manifestfile.decoded(marshal.dumps(record)) is None
    assert manifestfile.decoded(_forged(marshal.dumps(record))) is None


def test_a_build_with_a_planted_cache_runs_nothing_of_it_and_equals_a_clean_one(
    own_key: Path, tmp_path: Path
) -> None:
    """A site handed over with its cache folder, made by someone else: every batch of the
    record cache is a hostile pickle, and the manifest a crafted record. The build reads
    neither, and makes what a build without a cache makes."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    clean = tmp_path / "clean"
    build(site, clean, build_date=BUILD_DATE)
    out = tmp_path / "out"
    build(site, out, build_date=BUILD_DATE)
    cache = site / ".ocopsite-cache"
    mark = tmp_path / "mark"
    with sqlite3.connect(cache / FILE) as db:
        names = [n for (n,) in db.execute("SELECT name FROM stamps")]
        hostile = pickle.dumps({name: (_Hostile(mark), []) for name in names})
        db.execute("UPDATE batches SET data = ?", (_forged(hostile),))
    record = incremental.read_record(cache)
    assert record is not None
    record["paths"] = ["../../outside.html"]
    incremental.manifest_path(cache).write_bytes(_forged(marshal.dumps(record)))
    assert incremental.read_record(cache) is None
    for path in (site / "content").rglob("*.yaml"):  # not a build with nothing to do
        path.touch()
    assert not build(site, out, build_date=BUILD_DATE).unchanged
    assert not mark.exists()
    assert _tree(out) == _tree(clean)


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_a_relative_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """As the XDG specification asks: relative to the current folder, the key could be
    one a site brought along."""
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.setenv("HOME", "/home/someone")
    assert cachekey.key_path() == Path("/home/someone/.cache/ocopsite") / cachekey.KEY_FILE
    monkeypatch.setenv("HOME", "relative-home")
    assert cachekey.key_path() is None


def test_a_cache_folder_made_elsewhere_is_emptied_before_use_and_ones_own_is_kept(
    own_key: Path, tmp_path: Path
) -> None:
    """A site received with its cache folder (or copied from elsewhere) does not ship what
    that cache holds, such as encoded photos and QR codes: the folder is emptied first."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    build(site, tmp_path / "clean", build_date=BUILD_DATE)
    cache = site / ".ocopsite-cache"
    planted = cache / "planted"
    planted.write_text("kept")
    build(site, tmp_path / "again", build_date=BUILD_DATE)
    assert planted.exists()  # one's own cache folder is used as it is
    received = tmp_path / "received"
    site.rename(received)  # as if made at another place, by someone else
    build(received, tmp_path / "out", build_date=BUILD_DATE)
    assert not (received / ".ocopsite-cache/planted").exists()
    assert (received / ".ocopsite-cache" / cachekey.OWNER_FILE).is_file()
    assert _tree(tmp_path / "out") == _tree(tmp_path / "clean")


def test_a_link_in_place_of_the_cache_folder_is_removed_not_followed(
    own_key: Path, tmp_path: Path
) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious").write_text("precious")
    (site / ".ocopsite-cache").symlink_to(elsewhere)
    build(site, tmp_path / "out", build_date=BUILD_DATE)
    assert (elsewhere / "precious").read_text() == "precious"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["precious"]
    assert (site / ".ocopsite-cache").is_dir() and not (site / ".ocopsite-cache").is_symlink()


def test_a_path_out_of_the_output_kept_in_the_cache_is_never_touched(
    own_key: Path, tmp_path: Path
) -> None:
    """Someone who can write into the cache folder after it was claimed (a shared drive)
    adds a path out of the output to the files kept for a product. It is never planned,
    so never deleted when the product's files change."""
    import array
    import zipfile

    from ocopsite.output.plan import PRODUCT_FILES

    site = copy_site(SITES / "minimal", tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, build_date=BUILD_DATE)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (entry,) = (site / ".ocopsite-cache" / PRODUCT_FILES).glob("*.zip")
    with zipfile.ZipFile(entry) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    lengths = array.array("Q")
    lengths.frombytes(files["lengths.bin"])
    parts, at = [], 0
    for length in lengths:
        parts.append(files["outputs"][at : at + length])
        at += length
    first, *rest = parts[0].split(b"\0\0")
    parts[0] = b"\0\0".join([first + b"\0../victim.txt", *rest])
    files["outputs"] = b"".join(parts)
    files["lengths.bin"] = array.array("Q", map(len, parts)).tobytes()
    with zipfile.ZipFile(entry, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    build(site, out, build_date=BUILD_DATE, force=True)
    for path in (site / "content").rglob("*.yaml"):  # every product's files change
        path.write_bytes(path.read_bytes() + b"\n")
    build(site, out, build_date=BUILD_DATE)
    assert victim.read_text() == "precious"
    clean = tmp_path / "clean"
    build(copy_site(site, tmp_path / "copy"), clean, build_date=BUILD_DATE)
    assert _tree(out) == _tree(clean)


def test_a_journal_left_beside_the_output_moves_and_deletes_only_inside_it(
    tmp_path: Path,
) -> None:
    """A journal is replayed at the start of a build. One planted in a site (beside its
    ``public/``, with a link in it to the user's home) is not replayed at all; one of this
    user's, replayed after a link was put in the output, touches nothing through it."""
    import json

    from ocopsite.output import journal

    out = tmp_path / "public"
    (out / "a").mkdir(parents=True)
    (out / "a/old.html").write_text("old")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("precious")
    (home / "precious").write_text("precious")
    (out / "p").symlink_to(home)
    staging = tmp_path / ".public.update-1-1"
    staging.mkdir()
    for rel in ("p/.bashrc", "../moved.txt", "a/new.html"):
        (staging / journal.staged_name(rel)).write_text("planted")
    record = {
        "version": 2,
        "staging": staging.name,
        "moves": ["p/.bashrc", "../moved.txt", "/tmp/x", "a/../../y", "a/new.html"],
        "delete": ["p/precious", "../victim.txt", str(home / "precious"), "a/old.html"],
        "beside": [],
    }
    journal.journal_path(out).write_text(json.dumps(record))
    assert not journal.replay(out)  # not sealed by this user: ignored, and removed
    assert not journal.journal_path(out).exists() and (out / "a/old.html").exists()
    sealed = cachekey.seal(json.dumps(record).encode(), journal._purpose(out))
    journal.journal_path(out).write_bytes(sealed)
    assert journal.replay(out)
    assert (home / ".bashrc").read_text() == (home / "precious").read_text() == "precious"
    assert not (tmp_path / "moved.txt").exists()
    assert not (out / "a/old.html").exists() and (out / "a/new.html").read_text() == "planted"
    outside = dict(record, staging="../elsewhere", delete=["a"])
    journal.journal_path(out).write_bytes(
        cachekey.seal(json.dumps(outside).encode(), journal._purpose(out))
    )
    assert not journal.replay(out)


def test_a_build_without_a_key_of_its_own_says_so(
    own_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    cachekey.forget()
    site = copy_site(SITES / "minimal", tmp_path / "site")
    result = build(site, tmp_path / "out", build_date=BUILD_DATE)
    assert (tmp_path / "out/index.html").is_file()
    notes = [note.format() for note in result.notes]
    assert any("no key of your own can be kept here" in note for note in notes), notes


def test_files_in_ones_own_cache_folder_changed_by_someone_else_are_not_shipped(
    own_key: Path, tmp_path: Path
) -> None:
    """The folder's mark is this user's (a cache sent to a colleague and sent back), but
    its files were changed: encoded photos, QR codes and kept files are each sealed, and
    those not sealed so are made again."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    build(site, tmp_path / "clean", build_date=BUILD_DATE)
    cache = site / ".ocopsite-cache"
    changed = 0
    sealed_apart = (cachekey.OWNER_FILE, FILE, "output-manifest.bin")  # tested above
    for path in cache.rglob("*"):
        if path.is_file() and path.name not in sealed_apart and path.suffix != ".json":
            path.write_bytes(path.read_bytes()[cachekey.TAG_SIZE :] + b"PLANTED")
            changed += 1
    assert changed > 10
    out = tmp_path / "out"
    build(site, out, build_date=BUILD_DATE, force=True)
    assert not any(b"PLANTED" in data for data in _tree(out).values())
    assert _tree(out) == _tree(tmp_path / "clean")


def test_a_foreign_cache_folder_that_cannot_be_emptied_stops_the_build_with_a_clear_error(
    own_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from ocopsite.commands.cli import main

    site = copy_site(SITES / "minimal", tmp_path / "site")
    (site / ".ocopsite-cache").mkdir()
    (site / ".ocopsite-cache/planted").write_text("someone else's")

    def refused(*args: object) -> None:
        raise PermissionError("not yours")

    monkeypatch.setattr(cachekey.os, "rename", refused)
    result = CliRunner().invoke(main, ["build", "--site", str(site), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert ".ocopsite-cache: error: this cache folder holds files that were not written" in (
        result.stderr
    )
    assert (site / ".ocopsite-cache/planted").exists()


def test_an_output_manifest_is_written_without_references_and_read_in_any_format(
    own_key: Path,
) -> None:
    shared = "vi/san-pham/a/index.html"
    key = "k" * 20
    record = {"version": 6, "paths": [shared, "b.webp"], "keys": [key, key], "by": {shared: 1}}
    seal, data = manifestfile.encoded_parts(record)
    # marshal's references (a table of every object met twice, some 40 MB at 16,000
    # products) are not used: each object is written out where it is met
    assert data == marshal.dumps(record, 2)
    assert data != marshal.dumps(record)  # which the default format would share
    assert manifestfile.decoded(seal + data) == record
    # a record an earlier ocopsite wrote, in marshal's default format, still reads back
    earlier = marshal.dumps(record)
    assert manifestfile.decoded(cachekey.tag(earlier, b"output-manifest") + earlier) == record
