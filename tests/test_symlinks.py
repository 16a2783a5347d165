"""Symlinks: every file the build reads must really lie inside the site folder.

The refusals themselves, one per kind of file, are the ``symlink-*`` invalid
fixtures; these tests cover what a fixture cannot: links that stay inside the
site, the fingerprint that must notice a new link, and the gate itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import BUILD_DATE
from sitekit import SITES, copy_site

from ocopsite import sitefiles
from ocopsite.build import build
from ocopsite.diagnostics import BuildFailed


def test_links_that_stay_inside_the_site_are_followed(tmp_path: Path) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    shared = site / "shared"
    shared.mkdir()
    (shared / "mat-ong.md").write_text("Mật ong **chung**.\n", encoding="utf-8")
    text = site / "content/products/mat-ong/vi.md"
    text.unlink()
    text.symlink_to("../../../shared/mat-ong.md")
    result = build(site, tmp_path / "public", build_date=BUILD_DATE)
    assert result.pages
    page = (tmp_path / "public/products/mat-ong/index.html").read_text(encoding="utf-8")
    assert "Mật ong <strong>chung</strong>." in page


def test_symlinks_a_fingerprint_must_not_skip(tmp_path: Path) -> None:
    """A new link to a folder outside the site fails the next build, never 'Nothing changed'."""
    site = copy_site(SITES / "minimal", tmp_path / "site")
    out = tmp_path / "public"
    assert not build(site, out, build_date=BUILD_DATE).unchanged
    assert build(site, out, build_date=BUILD_DATE).unchanged
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "product.yaml").write_text(
        (site / "content/products/mat-ong/product.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (site / "content/products/lien-ket").symlink_to(outside, target_is_directory=True)
    with pytest.raises(BuildFailed) as failed:
        build(site, out, build_date=BUILD_DATE)
    assert failed.value.diagnostics.report().startswith(
        f"content/products/lien-ket: error: leads outside the site folder (to {outside})"
    )
    # Inside a linked folder that is allowed, a changed file is seen too.
    (site / "content/products/lien-ket").unlink()
    assert build(site, out, build_date=BUILD_DATE).unchanged
    inner = site / "assets"
    inner.mkdir()
    (site / "content/lien-ket-noi-bo").symlink_to(inner, target_is_directory=True)
    assert not build(site, out, build_date=BUILD_DATE).unchanged
    (inner / "note.txt").write_text("x", encoding="utf-8")
    assert not build(site, out, build_date=BUILD_DATE).unchanged


def test_the_gate_refuses_links_out_loops_and_dangling_links(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "real.md").write_text("x", encoding="utf-8")
    (root / "inside.md").symlink_to("real.md")
    (root / "out.md").symlink_to(tmp_path)
    (root / "loop.md").symlink_to("loop.md")
    (root / "dangling.md").symlink_to("nowhere.md")
    assert sitefiles.real_path(root / "inside.md", root) == (root / "real.md").resolve()
    assert sitefiles.real_path(root / "real.md", root, parent=root.resolve()) == (
        root.resolve() / "real.md"
    )
    kinds = {}
    for name in ("out.md", "loop.md", "dangling.md"):
        with pytest.raises(sitefiles.Refused) as refused:
            sitefiles.read_bytes(root / name, root)
        kinds[name] = refused.value.kind
    assert kinds == {"out.md": "outside", "loop.md": "loop", "dangling.md": "unreadable"}
    with pytest.raises(FileNotFoundError):
        sitefiles.real_path(root / "missing.md", root)
    assert sorted(p.path.name for p in sitefiles.refused_in(root, root)) == [
        "dangling.md",
        "loop.md",
        "out.md",
    ]


def test_a_file_opened_in_a_checked_folder_is_never_read_through_a_link(tmp_path: Path) -> None:
    """With its folder's real location known, a file is opened without following a link:
    a link is checked as always, whether it was there before or put there since."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "real.md").write_text("inside", encoding="utf-8")
    (tmp_path / "secret.md").write_text("outside", encoding="utf-8")
    (root / "inside.md").symlink_to("real.md")
    (root / "out.md").symlink_to(tmp_path / "secret.md")
    parent = root.resolve()

    def read(name: str) -> bytes:
        with sitefiles.open_binary(root / name, root, parent) as file:
            return file.read()

    assert read("real.md") == b"inside"
    assert read("inside.md") == b"inside"
    with pytest.raises(sitefiles.Refused) as refused:
        read("out.md")
    assert refused.value.kind == "outside"
    with pytest.raises(FileNotFoundError):
        read("missing.md")
    (root / "real.md").unlink()  # swapped for a link after any check was made
    (root / "real.md").symlink_to(tmp_path / "secret.md")
    with pytest.raises(sitefiles.Refused):
        read("real.md")


def test_a_record_linked_to_a_file_outside_is_never_read(tmp_path: Path) -> None:
    site = copy_site(SITES / "minimal", tmp_path / "site")
    secret = tmp_path / "secret.md"
    secret.write_text("mật khẩu: 1234\n", encoding="utf-8")
    text = site / "content/products/mat-ong/vi.md"
    text.unlink()
    os.symlink(secret, text)
    with pytest.raises(BuildFailed):
        build(site, tmp_path / "public", build_date=BUILD_DATE)
    assert not (tmp_path / "public").exists()


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no read-ahead on this system")
def test_read_ahead_asks_only_for_regular_files_and_follows_no_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading asks for bundles' files ahead; a link, a pipe or a linked folder is left alone."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not the site's\n", encoding="utf-8")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "product.yaml").write_text("name: x\n", encoding="utf-8")
    (bundle / "vi.md").symlink_to(outside / "secret.txt")
    (bundle / "loop.md").symlink_to(bundle / "loop.md")
    os.mkfifo(bundle / "pipe")  # opening a pipe to read would wait for a writer for ever
    linked = tmp_path / "linked"
    linked.symlink_to(outside, target_is_directory=True)
    opened: list[str] = []
    real_open = os.open

    def recording_open(path: str, flags: int, *args: int) -> int:
        opened.append(os.path.basename(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", recording_open)
    monkeypatch.setattr(sitefiles, "_cached", lambda folders: False)  # as on a cold disk
    with sitefiles.read_ahead([bundle, linked, tmp_path / "missing"]):
        pass
    assert opened == ["product.yaml"]


@pytest.mark.skipif(not hasattr(os, "RWF_NOWAIT"), reason="no way to ask the cache here")
def test_read_ahead_asks_for_nothing_when_the_files_are_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files just written are in the system's cache: the first of the first, middle and
    last folders are looked at, and no thread asks for any file."""
    folders = []
    for number in range(5):
        folder = tmp_path / f"bundle-{number}"
        folder.mkdir()
        (folder / "product.yaml").write_text("name: x\n", encoding="utf-8")
        folders.append(folder)
    asked: list[Path] = []
    monkeypatch.setattr(sitefiles, "_ask_for_files", asked.append)
    with sitefiles.read_ahead(folders):
        pass
    assert asked == []
    os.mkfifo(folders[2] / "a-pipe")  # not a file: not opened, and the next one is read
    assert sitefiles._cached(folders)
    (folders[4] / "product.yaml").write_bytes(b"")  # an empty file tells nothing: ask ahead
    assert not sitefiles._cached(folders)
    (folders[4] / "product.yaml").unlink()  # a folder without a file: ask ahead
    assert not sitefiles._cached(folders)
