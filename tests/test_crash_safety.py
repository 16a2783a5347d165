"""Never a broken or mixed output after a crash: dead workers, killed writes, swaps, updates."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BUILD_DATE
from PIL import Image
from sitekit import SITES, copy_site

from ocopsite import cachekey, files, parallel
from ocopsite.build import build
from ocopsite.commands.cli import main
from ocopsite.files import exchange, write_atomic, write_atomic_all
from ocopsite.output import incremental, journal, writer
from ocopsite.output import plan as outputs
from ocopsite.output import staging as output


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def _in_killed_child(action: Callable[[], None]) -> None:
    """Run ``action`` in a forked process that is killed (SIGKILL) wherever ``action`` says."""
    pid = os.fork()
    if pid == 0:  # the child: no cleanup of any kind may run
        try:
            action()
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _dies_on_the_third_chunk(shared: object, chunk: Sequence[int]) -> int:
    if 2 in chunk:
        _die()
    time.sleep(0.05)
    return len(chunk)


# --- a worker that dies --------------------------------------------------------------------


def test_a_dead_worker_fails_the_map_within_seconds() -> None:
    start = time.monotonic()
    with pytest.raises(parallel.WorkerDied, match="worker process died"):
        list(parallel.map_chunks(_dies_on_the_third_chunk, None, range(40), jobs=2, max_chunk=1))
    assert time.monotonic() - start < 10


_WAITING_WORKERS = """
import os, sys, time
from pathlib import Path
from ocopsite import parallel

def wait_for_ever(folder, chunk):
    Path(folder, str(os.getpid())).touch()
    time.sleep(600)

list(parallel.map_chunks(wait_for_ever, sys.argv[1], range(4), jobs=2, max_chunk=1))
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(sys.platform != "linux", reason="workers end with their parent on Linux")
def test_workers_end_when_the_process_that_made_them_is_killed(tmp_path: Path) -> None:
    """A preview server killed while it builds leaves no worker behind."""
    parent = subprocess.Popen([sys.executable, "-c", _WAITING_WORKERS, str(tmp_path)])
    deadline = time.monotonic() + 60
    while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = [int(p.name) for p in tmp_path.iterdir()]
    assert len(workers) == 2
    parent.kill()
    parent.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


def _emit_chunk_that_dies(
    work: tuple[Sequence[outputs.Output], writer.Sink], indices: Sequence[int]
) -> writer.Emitted:
    if 0 in indices:
        _die()
    return REAL_EMIT_CHUNK(work, indices)


REAL_EMIT_CHUNK = writer.emit_chunk


def test_a_dead_worker_fails_the_build_with_a_message_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    before = _tree(out)
    monkeypatch.setattr(writer, "emit_chunk", _emit_chunk_that_dies)
    start = time.monotonic()
    result = CliRunner().invoke(
        main, ["build", "--site", str(site), "--out", str(out), "-j", "2", "--force"]
    )
    assert time.monotonic() - start < 60
    assert result.exit_code == 1
    assert "error: a worker process died" in result.stderr
    assert "hint: run again with -j 1" in result.stderr
    assert "Traceback" not in result.output
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir() if ".staging-" in p.name] == []


# --- one atomic write ----------------------------------------------------------------------


def test_a_write_killed_midway_leaves_the_old_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "cache" / "entry.bin"
    write_atomic(target, b"old bytes")

    def killed_while_flushing() -> None:
        monkeypatch.setattr(os, "fsync", lambda fd: _die())
        write_atomic(target, b"new bytes" * 100_000)

    _in_killed_child(killed_while_flushing)
    assert target.read_bytes() == b"old bytes"
    write_atomic(target, "new text")
    assert target.read_bytes() == b"new text"
    write_atomic(target, (b"in ", b"parts"))  # a seal and the record it seals
    assert target.read_bytes() == b"in parts"


def test_many_writes_killed_before_the_renames_leave_every_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = {tmp_path / "a" / "record.yaml": b"old a", tmp_path / "b" / "record.yaml": b"old b"}
    write_atomic_all(old)
    assert {path: path.read_bytes() for path in old} == old
    new = {path: b"new " + data for path, data in old.items()}
    new[tmp_path / "c" / "record.yaml"] = b"new c"

    def killed_while_flushing() -> None:
        monkeypatch.setattr(files, "flush_file_system", lambda folder: _die())
        write_atomic_all(new)

    _in_killed_child(killed_while_flushing)
    assert {path: path.read_bytes() for path in old} == old
    assert not (tmp_path / "c" / "record.yaml").exists()
    write_atomic_all(new)
    assert {path: path.read_bytes() for path in new} == new


def test_many_writes_that_fail_change_nothing_and_leave_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = tmp_path / "a" / "record.yaml"
    write_atomic(kept, b"old a")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    written: list[Path] = []
    real = files._write_temporary

    def disk_full_on_the_second(path: Path, data: bytes | str, *, durable: bool) -> Path:
        if written:
            raise OSError(28, "No space left on device")
        written.append(real(path, data, durable=durable))
        return written[-1]

    monkeypatch.setattr(files, "_write_temporary", disk_full_on_the_second)
    with pytest.raises(OSError):
        write_atomic_all({kept: b"new a", tmp_path / "new" / "deep" / "record.yaml": b"new"})
    assert written and not written[0].exists()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert kept.read_bytes() == b"old a"


def test_no_hand_written_temporary_file_and_rename_is_left() -> None:
    package = Path(output.__file__).parent
    copies = [
        path.name
        for path in package.glob("*.py")
        if path.name != "files.py"
        and (".replace(" in (text := path.read_text("utf-8")) and "temporary" in text)
    ]
    assert copies == []


# --- the swap of a full build ---------------------------------------------------------------


def test_the_swap_is_atomic_and_the_old_tree_goes_in_the_background(tmp_path: Path) -> None:
    out = tmp_path / "public"
    missing: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            if out.exists() and not (out / "index.html").is_file():
                missing.append(1)

    stage = output.Staging(out)
    (stage.root / "index.html").write_text("0")
    stage.commit()
    thread = threading.Thread(target=reader)
    thread.start()
    deleting = []
    try:
        for n in range(1, 40):
            stage = output.Staging(out)
            (stage.root / "index.html").write_text(str(n))
            stage.commit()
            deleting.append(stage.deleting)
    finally:
        stop.set()
        thread.join()
    if sys.platform == "linux":
        assert missing == []  # renameat2(RENAME_EXCHANGE): the name never lacks a tree
    assert (out / "index.html").read_text() == "39"
    for process in deleting:
        assert process is not None and process.wait(timeout=30) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's")
def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a/x").write_text("a")
    (tmp_path / "b/x").write_text("b")
    assert exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "a/x").read_text() == "b" and (tmp_path / "b/x").read_text() == "a"


def test_leftovers_of_killed_builds_are_deleted_by_the_next_build(tmp_path: Path) -> None:
    """Work folders of processes that no longer run are deleted; those of a process that
    runs are not: another build's staging folder, or an old output that a deleting
    process is unlinking already (one more would walk the same tree at the same time)."""
    site = copy_site(SITES / "minimal", tmp_path / "site")
    out = tmp_path / "public"
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # a process id that no longer runs
    dead = finished.pid
    left = [
        tmp_path / f".public.staging-{dead}-0",
        tmp_path / f".public.update-{dead}-3",
        tmp_path / f".public.old-{dead}-0",
    ]
    running = tmp_path / f".public.staging-{os.getppid()}-0"  # another build, still running
    deleting = tmp_path / f".public.old-{os.getppid()}-1"  # a running process deletes it
    for folder in (*left, running, deleting):
        (folder / "products").mkdir(parents=True)
        (folder / "products/index.html").write_text("stale")
    build(site, out, build_date=BUILD_DATE)
    deadline = time.monotonic() + 20
    kept = sorted(["site", "public", running.name, deleting.name])
    while time.monotonic() < deadline and sorted(p.name for p in tmp_path.iterdir()) != kept:
        time.sleep(0.05)  # (a deleting process renames a folder before it deletes it)
    assert sorted(p.name for p in tmp_path.iterdir()) == kept


# --- in-place updates: staged, journaled, published in one burst -----------------------------


def _edit_and_prepare(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    before = _tree(out)
    product = site / "content/products/dao-canh/product.yaml"
    product.write_text(product.read_text("utf-8").replace("stars: 4", "stars: 3"), "utf-8")
    return site, out, before


def _clean_build(site: Path, tmp_path: Path) -> dict[str, bytes]:
    shutil.rmtree(site / ".ocopsite-cache")
    build(site, tmp_path / "clean", build_date=BUILD_DATE)
    return _tree(tmp_path / "clean")


def test_an_update_killed_while_staging_leaves_the_output_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, out, before = _edit_and_prepare(tmp_path)
    real_put = journal.Update.put

    def put_then_die(self: journal.Update, rel: str, data: bytes | str) -> bool:
        changed = real_put(self, rel, data)
        if len(self.staged) >= 3:
            _die()
        return changed

    def killed_build() -> None:
        monkeypatch.setattr(journal.Update, "put", put_then_die)
        build(site, out, build_date=BUILD_DATE, jobs=1)  # staging in the build's own process

    _in_killed_child(killed_build)
    monkeypatch.undo()
    assert _tree(out) == before  # nothing of the update reached the live folder
    assert any(".update-" in p.name for p in tmp_path.iterdir())
    assert build(site, out, build_date=BUILD_DATE).updated_in_place
    assert _tree(out) == _clean_build(site, tmp_path)


def test_an_update_killed_midway_through_publishing_is_finished_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, out, before = _edit_and_prepare(tmp_path)
    moves: list[str] = []
    real_replace = os.replace

    def replace_then_die(source: str | Path, target: str | Path) -> None:
        real_replace(source, target)
        if ".update-" in str(source):  # a move of the burst, not some cache's atomic write
            moves.append(str(target))
        if len(moves) == 2:
            _die()

    def killed_build() -> None:
        monkeypatch.setattr(journal.os, "replace", replace_then_die)
        build(site, out, build_date=BUILD_DATE)

    _in_killed_child(killed_build)
    monkeypatch.undo()
    assert journal.journal_path(out).is_file()
    mixed = _tree(out)
    assert mixed != before  # two files of the update are live, the others not yet
    journal.replay(out)  # what the next build does first
    assert not journal.journal_path(out).exists()
    replayed = _tree(out)
    assert build(site, out, build_date=BUILD_DATE).updated_in_place
    assert _tree(out) == replayed == _clean_build(site, tmp_path)


def _undo_the_edit(site: Path) -> None:
    product = site / "content/products/dao-canh/product.yaml"
    product.write_text(product.read_text("utf-8").replace("stars: 3", "stars: 4"), "utf-8")


def test_an_update_killed_once_live_leaves_what_describes_the_live_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after its files are live but before it is recorded as done: the next build
    must still know what the output holds, or undoing the edit would never be published."""
    site, out, before = _edit_and_prepare(tmp_path)

    real_publish = journal._publish

    def publish_then_die(out: Path, record: dict[str, object]) -> None:
        real_publish(out, record)
        _die()

    def killed_build() -> None:
        monkeypatch.setattr(journal, "_publish", publish_then_die)
        build(site, out, build_date=BUILD_DATE)

    _in_killed_child(killed_build)
    monkeypatch.undo()
    assert _tree(out) != before  # the update is live
    _undo_the_edit(site)
    assert build(site, out, build_date=BUILD_DATE).updated_in_place
    assert _tree(out) == before == _clean_build(site, tmp_path)


def test_a_full_build_killed_once_swapped_in_leaves_no_stale_description(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, out, before = _edit_and_prepare(tmp_path)

    def killed_build() -> None:
        monkeypatch.setattr(incremental, "save", lambda *args: _die())
        build(site, out, build_date=BUILD_DATE, force=True)  # a full build, swapped in

    _in_killed_child(killed_build)
    monkeypatch.undo()
    assert _tree(out) != before  # the new output is live
    _undo_the_edit(site)
    result = build(site, out, build_date=BUILD_DATE)
    assert not result.unchanged
    assert _tree(out) == before == _clean_build(site, tmp_path)


def test_a_journal_renames_only_the_pending_files_it_keeps_beside(tmp_path: Path) -> None:
    out = tmp_path / "public"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("kept")
    record = {"version": 1, "staging": ".public.update-x", "moves": [], "delete": [],
              "beside": [[str(victim), str(tmp_path / "elsewhere.txt")]]}  # fmt: skip
    journal.journal_path(out).write_text(json.dumps(record))
    assert not journal.replay(out)
    assert victim.read_text() == "kept" and not journal.journal_path(out).exists()


def test_an_update_stages_flat_and_journals_of_the_former_layout_are_still_replayed(
    tmp_path: Path,
) -> None:
    out = tmp_path / "public"
    (out / "en/product/a").mkdir(parents=True)
    update = journal.Update(out)
    assert update.put("en/product/a/index.html", b"new a")
    assert update.put("en/product/b/index.html", b"new b")
    assert update.read("en/product/b/index.html") == b"new b"
    assert all(p.is_file() for p in update.root.iterdir())  # no folder per page
    update.commit()
    assert (out / "en/product/a/index.html").read_bytes() == b"new a"
    assert (out / "en/product/b/index.html").read_bytes() == b"new b"
    assert not update.root.exists()
    # a journal of the former layout, its files staged at their own paths (sealed as every
    # journal is: an unsealed one may have come with the site, see test_cachekey.py)
    staged = tmp_path / ".public.update-old"
    (staged / "en/product/c").mkdir(parents=True)
    (staged / "en/product/c/index.html").write_bytes(b"new c")
    record = {"version": 1, "staging": staged.name, "moves": ["en/product/c/index.html"],
              "delete": ["en/product/a/index.html"]}  # fmt: skip
    sealed = cachekey.seal(json.dumps(record).encode(), journal._purpose(out))
    journal.journal_path(out).write_bytes(sealed)
    assert journal.replay(out)
    assert (out / "en/product/c/index.html").read_bytes() == b"new c"
    assert not (out / "en/product/a").exists() and not staged.exists()


def test_a_truncated_photo_fails_an_update_before_any_page_is_written(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    before = _tree(out)
    photo = next((site / "content/products").rglob("*.jpg"))
    Image.new("RGB", (500, 400), "#884422").save(photo, "JPEG", quality=90)
    photo.write_bytes(photo.read_bytes()[: photo.stat().st_size * 2 // 3])
    result = CliRunner().invoke(main, ["build", "--site", str(site), "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "is corrupt or truncated" in result.stderr and "product.yaml:" in result.stderr
    assert _tree(out) == before


# --- what a record's cached copy depends on -------------------------------------------------


def test_a_photo_in_a_subfolder_of_its_record_is_made_again_when_replaced(
    tmp_path: Path,
) -> None:
    """A record names a file in a subfolder of its own: changing that file (which leaves
    the record's folder untouched) must reach the output as a change of the record does."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    bundle = site / "content/products/mien-dong"
    (bundle / "photos").mkdir()
    (bundle / "mien.jpg").rename(bundle / "photos/mien.jpg")
    record = bundle / "product.yaml"
    record.write_text(record.read_text("utf-8").replace("file: mien.jpg", "file: photos/mien.jpg"))
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    before = _tree(out)
    folder_times = os.stat(bundle).st_mtime_ns
    Image.new("RGB", (640, 480), "#225588").save(bundle / "photos/mien.jpg", "JPEG", quality=80)
    assert os.stat(bundle).st_mtime_ns == folder_times  # nothing in the record's folder changed
    build(site, out, build_date=BUILD_DATE)
    assert _tree(out) != before
    assert _tree(out) == _clean_build(site, tmp_path)
