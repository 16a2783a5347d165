"""One list of outputs: every file declared once, with what it depends on; one writer."""

from __future__ import annotations

import dataclasses
import functools
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BUILD_DATE
from sitekit import SITES, copy_site

from ocopsite import build as build_module
from ocopsite.build import build
from ocopsite.load.catalogue import Catalogue
from ocopsite.output import incremental, writer
from ocopsite.output import plan as outputs
from ocopsite.output.staging import MARKER
from ocopsite.trace import files as trace_files
from ocopsite.view.pages import PageSpec
from ocopsite.view.urls import Urls


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_every_file_of_a_build_is_a_declared_output(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    manifest = incremental.read_record(site / ".ocopsite-cache")
    assert manifest is not None
    written = set(_tree(out)) - {MARKER, ".nojekyll"}
    assert set(manifest["paths"]) == written
    kinds = {rel.rsplit("/", 1)[-1] for rel in written}
    assert {"index.html", "qr.svg", "qr.png", "label.png", "thumb.jpg", "robots.txt"} <= kinds


def _output(path: str, depends: Callable[[], list[object]] | None) -> outputs.Output:
    return outputs.Output("page", (path,), lambda: {path: "x"}, depends)


def test_an_output_without_declared_dependencies_is_made_by_every_build(
    sample_catalogue: Catalogue,
) -> None:
    product = sample_catalogue.products[0]
    declared = _output("a.html", lambda: [product, 3])
    undeclared = _output("b.html", None)
    keys = incremental.keys(sample_catalogue, [declared, undeclared], "site")
    assert keys[0] is not None and keys[1] is None
    previous = incremental.Manifest({"a.html": keys[0], "b.html": ""})
    assert incremental.changed([declared, undeclared], keys, previous) == [1]
    moved = incremental.Manifest({"b.html": ""})  # a.html is missing: made again
    assert incremental.changed([declared, undeclared], keys, moved) == [0, 1]


def test_a_dependency_of_an_unknown_type_fails_loudly(sample_catalogue: Catalogue) -> None:
    with pytest.raises(TypeError, match=r"cannot depend on a .*Path"):
        incremental.keys(sample_catalogue, [_output("a.html", lambda: [Path("x")])], "site")


def test_a_products_files_are_planned_again_only_when_its_record_changed(
    sample_catalogue: Catalogue, tmp_path: Path
) -> None:
    catalogue = sample_catalogue
    urls = Urls(catalogue.config.base_url, catalogue.config.languages)
    fresh = outputs.product_files(catalogue, urls, tmp_path)  # nothing kept
    fresh_keys = incremental.keys(catalogue, fresh, "site")
    first = outputs.product_files(catalogue, urls, tmp_path, "site")  # planned, and kept
    kept = outputs.product_files(catalogue, urls, tmp_path, "site")  # taken as kept
    assert fresh and all(
        getattr(output.make, "func", None) is outputs._made_again for output in kept
    )
    for made in (first, kept):
        assert [output.paths for output in made] == [output.paths for output in fresh]
        assert incremental.keys(catalogue, made, "site") == fresh_keys
    for taken, planned in zip(kept, fresh, strict=True):  # planned again when called
        assert taken.depends is not None and planned.depends is not None
        assert list(taken.depends()) == list(planned.depends())
        if not taken.paths[0].endswith("label.png"):  # drawn: slow, and tested elsewhere
            assert taken.make() == planned.make()
    # a record whose stamp changed has its files planned again, and only it
    edited = catalogue.products[0]
    stamps = {**catalogue.stamps, edited.bundle: "edited"}
    changed = dataclasses.replace(catalogue, stamps=stamps)
    replanned = outputs.product_files(changed, urls, tmp_path, "site")
    assert incremental.keys(changed, replanned, "site") == incremental.keys(
        changed, outputs.product_files(changed, urls, tmp_path), "site"
    )
    planned_now = [
        output.paths
        for output in replanned
        if getattr(output.make, "func", None) is not outputs._made_again
    ]
    planned = trace_files.product_outputs(changed, urls, edited, tmp_path)
    assert planned_now == [paths for paths, _make, _depends in planned]
    # another site key keeps its own plan
    other = outputs.product_files(catalogue, urls, tmp_path, "other")
    assert incremental.keys(catalogue, other, "other") == incremental.keys(
        catalogue, fresh, "other"
    )


def test_an_output_that_makes_other_files_than_it_declares_fails_loudly() -> None:
    wrong = outputs.Output("page", ("a.html",), lambda: {"b.html": "x"}, lambda: [])
    with pytest.raises(AssertionError):
        writer.emit_chunk(([wrong], writer.Nowhere()), [0])


def test_pages_that_forget_to_declare_dependencies_are_slower_never_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_plan = build_module.plan_pages

    def forgetful(
        catalogue: Catalogue, cache: Path | None = None, **options: Any
    ) -> list[PageSpec]:
        planned = real_plan(catalogue, cache, **options)
        return [dataclasses.replace(spec, depends=None) for spec in planned]

    monkeypatch.setattr(build_module, "plan_pages", forgetful)
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    product = site / "content/producers/ho-van-don/producer.yaml"
    product.write_text(product.read_text("utf-8").replace("Hộ Vân Đồn", "Hộ ông Ba"), "utf-8")
    build(site, out, build_date=BUILD_DATE)
    shutil.rmtree(site / ".ocopsite-cache")
    monkeypatch.undo()
    build(site, tmp_path / "clean", build_date=BUILD_DATE)
    assert _tree(out) == _tree(tmp_path / "clean")


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_update_made_on_any_number_of_cores_equals_a_clean_build(
    tmp_path: Path, jobs: int
) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE, jobs=jobs)
    product = site / "content/products/dao-canh/product.yaml"
    product.write_text(product.read_text("utf-8").replace("stars: 4", "stars: 3"), "utf-8")
    assert build(site, out, build_date=BUILD_DATE, jobs=jobs).updated_in_place
    shutil.rmtree(site / ".ocopsite-cache")
    build(site, tmp_path / "clean", build_date=BUILD_DATE, jobs=1)
    assert _tree(out) == _tree(tmp_path / "clean")


def test_bundled_scripts_are_served_minified_and_still_parse(tmp_path: Path) -> None:
    import os
    import subprocess

    from ocopsite.paths import bundled_theme
    from ocopsite.view.theme import Theme

    folder = bundled_theme()
    files = outputs.theme_files(Theme("default", folder, (folder / "templates",), (folder,)))
    scripts = {name: data for name, data in files.items() if name.endswith(".js")}
    assert {"search.js", "ocop.js"} <= set(scripts)
    node = shutil.which("node")
    if node is None:
        message = "node not found: make test-deps installs npm, which brings it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    for name, data in scripts.items():
        assert len(data) < len((folder / "static" / name).read_bytes()), name
        (tmp_path / name).write_bytes(data)
        checked = subprocess.run([node, "--check", str(tmp_path / name)], capture_output=True)
        assert checked.returncode == 0, (name, checked.stderr)


def test_minified_scripts_keep_their_api_and_are_kept_for_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ocopsite import cachekey
    from ocopsite.output import scripts

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cachekey.forget()
    source = (
        b"(function () {\n  /* why */\n"
        b"  function fold(text) { var folded = text; return folded; }\n"
        b"  window.OcopSearch = { fold: fold };\n})();\n"
    )
    made = scripts.served("search.js", source)
    assert b"why" not in made and b"folded" not in made  # comments gone, local names short
    assert b"window.OcopSearch" in made and b"fold:" in made  # what pages call keeps its name
    folder = scripts.kept_folder()
    assert folder is not None and folder.parent == tmp_path / "ocopsite"
    (entry,) = folder.iterdir()
    assert scripts.served("search.js", source) == made == scripts.minified(source)
    # a kept script that is not this user's own (not sealed with their key) is not used
    entry.write_bytes(entry.read_bytes().replace(b"OcopSearch", b"EvilScript"))
    assert scripts.served("search.js", source) == made
    # a changed script is printed again, and its old entry dropped
    scripts.served("search.js", source.replace(b"fold(text)", b"fold(words)"))
    assert [path.name for path in folder.iterdir()] != [entry.name]
    assert len(list(folder.iterdir())) == 1
    assert scripts.served("style.css", b"/* kept */ a{}") == b"/* kept */ a{}"
    monkeypatch.undo()
    cachekey.forget()


def test_the_bundled_theme_ships_its_scripts_printed_from_the_scripts_it_holds() -> None:
    """A build from nothing (a fresh CI runner) loads no parser: the bundled theme ships
    every script printed, from its bytes as they are now. Fails after a bundled script is
    edited until ``make minified`` prints it again."""
    from ocopsite.output import scripts
    from ocopsite.paths import bundled_theme

    theme = bundled_theme()
    sources = {path.name: path.read_bytes() for path in sorted(theme.glob("static/*.js"))}
    shipped = {scripts.ahead_path(theme, name, data) for name, data in sources.items()}
    assert set((theme / scripts.AHEAD).iterdir()) == shipped, "run make minified"
    for name, data in sources.items():
        assert scripts.ahead_path(theme, name, data).read_bytes() == scripts.minified(data), name


def test_a_shipped_script_is_served_without_the_parser_and_an_edited_one_is_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ocopsite import cachekey
    from ocopsite.output import scripts
    from ocopsite.paths import bundled_theme
    from ocopsite.view.theme import Theme

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # nothing kept
    cachekey.forget()
    bundled = bundled_theme()
    theme = tmp_path / "themes" / "default"
    shutil.copytree(bundled, theme)
    monkeypatch.setattr(outputs, "BUILTIN_THEME_DIRS", (theme.parent,))  # bundled, as a copy
    printed = scripts.minified

    def parse(source: bytes) -> bytes:
        parsed.append(source)
        return printed(source)

    parsed: list[bytes] = []
    monkeypatch.setattr(scripts, "minified", parse)
    try:
        ocop = (theme / "static" / "ocop.js").read_bytes()
        files = outputs.theme_files(Theme("default", theme, (theme / "templates",), (theme,)))
        assert parsed == []
        assert files["ocop.js"] == scripts.ahead_path(bundled, "ocop.js", ocop).read_bytes()
        edited = ocop.replace(b"(function", b"/* edited */ (function", 1)
        assert edited != ocop
        (theme / "static" / "ocop.js").write_bytes(edited)
        files = outputs.theme_files(Theme("default", theme, (theme / "templates",), (theme,)))
        assert parsed == [edited]
        assert files["ocop.js"] == printed(edited)
        # a shipped file that is a link out of the theme is not read, and the script printed
        (theme / "static" / "ocop.js").write_bytes(ocop)
        shipped = scripts.ahead_path(theme, "ocop.js", ocop)
        (tmp_path / "elsewhere.js").write_bytes(b"alert('not the theme')")
        shipped.unlink()
        shipped.symlink_to(tmp_path / "elsewhere.js")
        files = outputs.theme_files(Theme("default", theme, (theme / "templates",), (theme,)))
        assert parsed == [edited, ocop] and files["ocop.js"] == printed(ocop)
    finally:
        monkeypatch.undo()
        cachekey.forget()


def test_a_rebuild_after_a_shipped_script_changed_equals_a_clean_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages link to each script by a hash of its bytes as served: a shipped minified
    script printed again (another minifier, ``make minified``) must make every page
    again, not leave some linking to a file the build no longer writes."""
    from ocopsite.load import fingerprint
    from ocopsite.output import scripts
    from ocopsite.paths import bundled_theme
    from ocopsite.view import theme as theme_module

    bundled = bundled_theme()
    themes = tmp_path / "themes"
    shutil.copytree(bundled, themes / "default")
    for module in (outputs, fingerprint, theme_module):  # the copy is the bundled theme
        monkeypatch.setattr(module, "BUILTIN_THEME_DIRS", (themes,))
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    build(site, out, build_date=BUILD_DATE)
    ocop = (themes / "default/static/ocop.js").read_bytes()
    shipped = scripts.ahead_path(themes / "default", "ocop.js", ocop)
    shipped.write_bytes(shipped.read_bytes() + b";")
    build(site, out, build_date=BUILD_DATE)
    shutil.rmtree(site / ".ocopsite-cache")
    build(site, tmp_path / "clean", build_date=BUILD_DATE)
    assert _tree(out) == _tree(tmp_path / "clean")


def test_a_sites_own_theme_scripts_are_served_as_written(tmp_path: Path) -> None:
    from ocopsite.view.theme import Theme

    folder = tmp_path / "themes" / "mine"
    (folder / "static").mkdir(parents=True)
    nested = b'el.innerHTML = `<a href="${p ? `https://x/${p}` : "#"}">go</a>`; // why\n'
    (folder / "static" / "nested.js").write_bytes(nested)
    legacy = b"var s = 'caf\xe9';\n"  # saved in a legacy encoding, not UTF-8
    (folder / "static" / "legacy.js").write_bytes(legacy)
    files = outputs.theme_files(Theme("mine", folder, (folder / "templates",), (tmp_path,)))
    assert files["nested.js"] == nested
    assert files["legacy.js"] == legacy


class _Kept:
    """A sink that writes every file but ``b.webp``, whose bytes it already holds."""

    def put(self, rel: str, data: bytes | str) -> bool:
        return rel != "b.webp"


def test_what_a_worker_made_comes_back_under_the_planning_processs_own_paths() -> None:
    files = {"a.webp": b"1", "b.webp": b"22"}
    declared = outputs.Output("photo", tuple(files), lambda: files, lambda: [])
    unknown = outputs.Output("site", (), lambda: {"feed.xml": "x"})
    every = [declared, unknown]
    for sink in (_Kept(), writer.Nowhere()):
        made = writer.emit_chunk((every, sink), [0, 1])
        expected = pickle.loads(pickle.dumps(made))
        placed = writer._by_place(every, [0, 1], made)
        # the paths of an output that declares them go as places; what only making tells,
        # as paths
        assert placed.made == {"feed.xml"} and set(placed.digests) <= {"feed.xml"}
        assert [entry[:2] for entry in placed.placed] == [(0, 0), (0, 1)]
        sent = pickle.loads(pickle.dumps(placed))  # as a worker's result comes back
        back = writer._by_path(every, sent)
        assert back == expected and back.placed == []
        own = {id(path) for path in declared.paths}
        assert {id(path) for path in back.made if path != "feed.xml"} == own


@pytest.mark.parametrize("jobs", [1, 2])
def test_work_meanwhile_is_done_once_while_the_outputs_are_still_there(
    tmp_path: Path, jobs: int
) -> None:
    from ocopsite.diagnostics import Diagnostics
    from ocopsite.output.publish import BuildResult, Run, publish
    from ocopsite.output.staging import Staging

    for count in (0, 1, 40):  # no chunk, one, several
        names = [f"{n}.txt" for n in range(count)]
        every = [
            outputs.Output("site", (name,), functools.partial(dict, [(name, b"x")]))
            for name in names
        ]
        seen: list[int] = []
        run = Run(jobs, BuildResult(), Diagnostics(relative_to=tmp_path), False, None)
        out = tmp_path / f"out-{jobs}-{count}"
        emitted = publish(
            run, Staging(out), every, list(range(count)), release=True,
            meanwhile=lambda every=every, seen=seen: seen.append(len(every)),
        )  # fmt: skip
        assert seen == [count] and every == []  # once, before the outputs were let go
        assert emitted.made == set(names) and set(names) <= {p.name for p in out.iterdir()}


def test_a_pages_outputs_make_it_in_each_language_and_share_what_it_shows() -> None:
    from ocopsite.assets import images
    from ocopsite.build import BuildResult, prepare
    from ocopsite.diagnostics import Diagnostics
    from ocopsite.render.renderer import Renderer
    from ocopsite.render.site import plan_pages

    site = SITES / "bilingual"
    ready = prepare(site, BuildResult(), Diagnostics(relative_to=site), build_date=BUILD_DATE)
    photos = {photo.file.path.as_posix(): photo.file for photo in ready.catalogue.photos()}
    renditions = {key: images.plan(file) for key, file in photos.items()}
    statics = outputs.theme_files(ready.theme)
    assets = {name: outputs.hashed_name(name, data) for name, data in statics.items()}
    renderer = Renderer(ready.catalogue, ready.theme, ready.strings, ready.urls, renditions, assets)
    specs = [spec for spec in plan_pages(ready.catalogue) if spec.depends is not None][:3]
    langs = list(renderer.views)
    made = outputs.pages(renderer, specs)
    assert len(made) == len(specs) * len(langs) and len(langs) == 2
    views = list(renderer.views.values())
    for number, spec in enumerate(specs):
        both = made[number * len(langs) : (number + 1) * len(langs)]
        assert both[0].depends is both[1].depends  # keyed once for every language
        shown = both[0].depends
        assert shown is not None and list(shown()) == list(spec.depends(views))
        for lang, output in zip(langs, both, strict=True):
            path = ready.urls.output_path(spec.route, lang)
            assert output.paths == (path,) and output.segment == spec.route.segment
            assert output.make() == {path: renderer.render(spec, lang)}
