"""The pipeline: load → validate → model → render → assets → feeds → write.

:func:`build` runs the stages in order, times each, and either swaps a complete
new output into place or raises :class:`~ocopsite.diagnostics.BuildFailed` with
every problem found, leaving the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import (
    events,
    feeds,
    fingerprint,
    images,
    incremental,
    offline,
    opendata,
    parallel,
    paths,
    recordschema,
    schedule,
    search,
    trace,
    workers,
)
from .catalogue import Catalogue, load_catalogue
from .config import CONFIG_NAME, SiteConfig, load_config
from .diagnostics import BuildFailed, Diagnostic, Diagnostics
from .i18n import MissingString, Strings, load_strings
from .model import BundleFile
from .output import MARKER, OutputRefused, Staging, check_output_dir
from .pages import PageSpec
from .recordcache import code_fingerprint, gc_paused
from .render import Renderer, plan_pages
from .theme import Theme, find_theme
from .urls import Route, Urls

Progress = Callable[[int, int], None]
CACHE_DIR = paths.CACHE_DIR


@dataclass
class BuildResult:
    pages: int = 0
    records: int = 0
    files: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: Peak resident memory of the build process so far, in MB, after each stage.
    peak_mb: dict[str, float] = field(default_factory=dict)
    out: Path | None = None
    unchanged: bool = False  # nothing to do: no input changed since the last build
    updated_in_place: bool = False  # only the affected pages were rendered, in place

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


@dataclass(frozen=True)
class Prepared:
    """Everything validated and ready to render; made by :func:`prepare`."""

    config: SiteConfig
    catalogue: Catalogue
    theme: Theme
    strings: dict[str, Strings]
    urls: Urls


@contextmanager
def _stage(result: BuildResult, name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        result.timings[name] = result.timings.get(name, 0.0) + time.perf_counter() - start
        result.peak_mb[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fail_if(diagnostics: Diagnostics, strict: bool) -> None:
    if diagnostics.has_errors(strict):
        raise BuildFailed(diagnostics)


def prepare(
    site: Path,
    result: BuildResult,
    diagnostics: Diagnostics,
    *,
    base_url: str | None = None,
    build_date: dt.date | None = None,
    strict: bool = False,
    cache_dir: Path | None = None,
    jobs: int = 1,
) -> Prepared:
    """Run the load, validate and model stages; raise BuildFailed on any error.

    With ``cache_dir``, records of bundles unchanged since the last load are reused.
    """
    with _stage(result, "load+validate"):
        config = load_config(
            site / CONFIG_NAME, diagnostics, base_url=base_url, build_date=build_date
        )
        _fail_if(diagnostics, strict)
        assert config is not None
        theme = find_theme(config, diagnostics)
        strings = load_strings(theme.strings_dir, config.languages, diagnostics) if theme else None
        with gc_paused():
            catalogue = load_catalogue(config, diagnostics, cache_dir, jobs)
        if catalogue is not None and config.label_sheets:
            _warn_withheld_labels(catalogue, diagnostics)
        _fail_if(diagnostics, strict)
        assert catalogue is not None and theme is not None and strings is not None
    result.records = (
        len(catalogue.products)
        + len(catalogue.producers)
        + len(catalogue.news)
        + len(catalogue.events)
    )
    return Prepared(config, catalogue, theme, strings, Urls(config.base_url, config.languages))


def _warn_withheld_labels(catalogue: Catalogue, diagnostics: Diagnostics) -> None:
    """Say which label sheets are not made: a rating not in force, a recalled lot."""
    day = catalogue.config.build_date
    for product in catalogue.products:
        where = diagnostics.where(product.bundle / "product.yaml")
        for lot in (None, *product.lots):
            withheld = trace.label_withheld(product, lot, day)
            if withheld is None or withheld[1] == "pending":  # not yet in force: no news
                continue
            if withheld[0] == "label.recalled":
                assert lot is not None
                diagnostics.warning(
                    where,
                    f"no label sheet for lot {lot.code}: it has been recalled",
                    "a recalled lot gets no labels; its label page says why",
                )
            else:
                diagnostics.warning(
                    where,
                    f"no label sheets: the OCOP rating is {withheld[1]} on {day.isoformat()}",
                    "only a rating in force may carry the OCOP mark; the label pages say why",
                )
                break


def _asset_names(theme: Theme) -> dict[str, bytes]:
    """The theme's static files by their content-hashed output names, keyed by source name."""
    return (
        {
            path.name: path.read_bytes()
            for path in sorted(theme.static_dir.iterdir())
            if path.is_file() and not path.name.startswith(".")
        }
        if theme.static_dir.is_dir()
        else {}
    )


def _hashed(name: str, data: bytes) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}{dot}{ext}" if dot else name


def build(
    site: Path,
    out: Path | None = None,
    *,
    base_url: str | None = None,
    build_date: dt.date | None = None,
    strict: bool = False,
    write: bool = True,
    cache_dir: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: Progress | None = None,
    only: frozenset[str] | None = None,
) -> BuildResult:
    """Build the site in ``site`` into ``out`` (default ``site/public``).

    Pages and photos are rendered by ``jobs`` processes (default: all cores).
    Encoded photos and drawn label sheets are kept in ``cache_dir`` (default
    ``site/.ocopsite-cache``), a folder that is always safe to delete. With
    ``write=False`` everything is validated and rendered in memory only (the
    ``check`` command). When no input has changed since the last build into
    ``out`` (see :mod:`ocopsite.fingerprint`), nothing is done and
    ``result.unchanged`` is set, unless ``force``. Raises BuildFailed with all
    problems, or OutputRefused before touching an output folder it must not replace.

    ``only`` (names from :data:`~ocopsite.urls.SEGMENTS`) makes a partial build,
    for a quick look at part of a large catalogue: everything is still validated,
    but only those pages and the theme's files are written (no QR codes, photos,
    search index or feeds), and the next build starts afresh.
    """
    site = site.resolve()
    out = (out or site / "public").resolve()
    cache_dir = cache_dir or site / CACHE_DIR
    jobs = jobs or parallel.default_jobs()
    diagnostics = Diagnostics(relative_to=site)
    result = BuildResult(out=out if write else None)
    if write and only:
        check_output_dir(out, site)
        fingerprint.forget(cache_dir)
        incremental.forget(cache_dir)
    elif write:
        check_output_dir(out, site)
        with _stage(result, "fingerprint"):
            inputs_hash = fingerprint.site_fingerprint(site, base_url, build_date, strict)
            if not force and fingerprint.unchanged(cache_dir, out, MARKER, inputs_hash):
                result.unchanged = True
                return result
    ready = prepare(
        site,
        result,
        diagnostics,
        base_url=base_url,
        build_date=build_date,
        strict=strict,
        cache_dir=cache_dir,
        jobs=jobs,
    )
    result.warnings = diagnostics.warnings
    catalogue, urls, theme = ready.catalogue, ready.urls, ready.theme

    with _stage(result, "plan"), gc_paused():
        statics = _asset_names(theme)
        assets = {name: _hashed(name, data) for name, data in statics.items()}
        photos = {photo.file.path.as_posix(): photo.file for photo in catalogue.photos()}
        renditions = {key: images.plan(file) for key, file in sorted(photos.items())}
        specs = plan_pages(catalogue)
        if only:
            specs = [spec for spec in specs if spec.route.segment in only]
        renderer = Renderer(catalogue, theme, ready.strings, urls, renditions, assets)
    plan = _Plan(catalogue, urls, renderer, specs, statics, assets, photos, renditions, cache_dir)
    if not write or only:  # check, or a partial build: keep no record
        _full(plan, out if write else None, jobs, result, diagnostics, strict, progress, only)
        return result

    with _stage(result, "plan"), gc_paused():
        site_key = incremental.site_key(urls, catalogue, theme.fingerprint(), code_fingerprint())
        keys = incremental.page_keys(catalogue, specs, site_key, renderer.views.values())
        languages = catalogue.config.languages
        page_keys = {
            urls.output_path(spec.route, lang): key
            for spec, key in zip(specs, keys, strict=True)
            for lang in languages
        }
        previous = (
            incremental.load(cache_dir, out, site_key)
            if not force and (out / MARKER).is_file()
            else None
        )
        todo = _changed(specs, keys, previous, urls, languages)
    if previous is not None and len(todo) <= max(50, len(specs) // 4):
        files = _update(plan, todo, out, previous, set(page_keys), result, diagnostics, strict)
        result.updated_in_place = True
    else:
        made = _full(plan, out, jobs, result, diagnostics, strict, progress)
        files = made | set(page_keys) | _product_and_media_files(plan)
    with _stage(result, "offline"):
        # the smallest WebP: what cards ask for, and lighter than the JPEG
        thumbnails = {key: urls.media_output(r.webp[0].name) for key, r in plan.renditions.items()}
        files |= offline.build_pack(out, catalogue, urls, plan.assets, thumbnails)
    incremental.save(cache_dir, out, site_key, incremental.Manifest(page_keys, frozenset(files)))
    fingerprint.remember(cache_dir, out, inputs_hash)
    return result


def _media_files(plan: _Plan) -> set[str]:
    """The paths of every photo variant."""
    return {
        plan.urls.media_output(v.name)
        for rendition in plan.renditions.values()
        for v in (*rendition.webp, *rendition.jpeg)
    }


def _product_and_media_files(plan: _Plan) -> set[str]:
    """The paths of every photo variant and of every product's QR, label and lab files."""
    paths = _media_files(plan)
    for product in plan.catalogue.products:
        paths.update(rel for rel, _ in trace.product_outputs(plan.catalogue, plan.urls, product))
    return paths


def _changed(
    specs: list[PageSpec],
    keys: list[str],
    previous: incremental.Manifest | None,
    urls: Urls,
    languages: tuple[str, ...],
) -> list[int]:
    """Indexes of the specs whose key changed, in any language, since the last build."""
    if previous is None:
        return list(range(len(specs)))
    todo = []
    for index, (spec, key) in enumerate(zip(specs, keys, strict=True)):
        if any(previous.pages.get(urls.output_path(spec.route, lang)) != key for lang in languages):
            todo.append(index)
    return todo


@dataclass(frozen=True)
class _Plan:
    """What the render and assets stages need, made once by :func:`build`."""

    catalogue: Catalogue
    urls: Urls
    renderer: Renderer
    specs: list[PageSpec]
    statics: dict[str, bytes]
    assets: dict[str, str]
    photos: dict[str, BundleFile]
    renditions: dict[str, images.Rendition]
    cache_dir: Path


def _site_files(plan: _Plan) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every output file that is neither a page nor a product's: index, feeds, assets.

    Returns (files, copies): copies are thumbnails, each a copy of a photo variant
    written by the images stage (target → source, both relative to the output).
    """
    catalogue, urls, renderer = plan.catalogue, plan.urls, plan.renderer
    files: dict[str, bytes] = {}
    hrefs: dict[str, str] = {}
    for lang, views in renderer.views.items():
        data = search.encode(search.build_index(catalogue, views))
        name = search.file_name(lang, data)
        hrefs[lang] = urls.search_file(name)[0]
        files[urls.search_file(name)[1]] = data
    files[urls.search_file(search.MANIFEST)[1]] = search.manifest(hrefs)
    for name, data in plan.statics.items():
        files[urls.asset_output(plan.assets[name])] = data
    files.update(feeds.sitemaps(plan.specs, urls))
    files["robots.txt"] = feeds.robots(urls).encode()
    for lang, views in renderer.views.items():
        files[urls.output_path(Route("feed"), lang)] = feeds.atom_feed(
            catalogue, views, urls
        ).encode()
    files[".well-known/gs1resolver"] = trace.resolver_description(catalogue, urls)
    files.update(events.calendar_files(catalogue, renderer.views.values()))
    files.update(opendata.data_files(catalogue, urls))
    files.update(recordschema.schema_files(catalogue.config, urls))
    files.update(schedule.files(catalogue, renderer.views.values(), urls))
    copies: dict[str, str] = {}
    for product in catalogue.products:
        if product.photos:
            variant = plan.renditions[product.photos[0].file.path.as_posix()].smallest
            thumb = urls.file_in(Route("product", product.slug), "thumb.jpg")[1]
            copies[thumb] = urls.media_output(variant.name)
    return files, copies


def _full(
    plan: _Plan,
    out: Path | None,
    jobs: int,
    result: BuildResult,
    diagnostics: Diagnostics,
    strict: bool,
    progress: Progress | None,
    only: frozenset[str] | None = None,
) -> set[str]:
    """Render and write everything into a staging folder, then swap it in for ``out``.

    With ``out`` of ``None`` (the check command), pages are rendered in memory only.
    With ``only`` (a partial build), the pages and the theme's files are all it writes.
    Returns the paths of the site-wide files written (see :func:`_site_files`).
    """
    catalogue, urls = plan.catalogue, plan.urls
    staging = Staging(out) if out is not None else None
    try:
        with _stage(result, "render"):
            work = workers.RenderWork(
                plan.renderer, plan.specs, plan.renderer.theme, staging.root if staging else None
            )
            total = len(plan.specs) * len(catalogue.config.languages)
            for pages, problems in parallel.map_chunks(
                workers.render_chunk, work, range(len(plan.specs)), jobs
            ):
                result.pages += pages
                _report(problems, diagnostics)
                if progress is not None:
                    progress(result.pages, total)
            _fail_if(diagnostics, strict)
        if staging is None:
            return set()
        if only:
            for name, data in plan.statics.items():
                staging.write_bytes(plan.urls.asset_output(plan.assets[name]), data)
            result.files = staging.files + result.pages
            staging.commit()
            return set()
        with _stage(result, "assets"):
            assets_work = workers.AssetWork(
                catalogue, urls, plan.photos, plan.renditions, staging.root, plan.cache_dir
            )
            for written, problems in parallel.map_chunks(
                workers.image_chunk, assets_work, list(plan.renditions), jobs, max_chunk=8
            ):
                staging.files += written
                _report(problems, diagnostics)
            _fail_if(diagnostics, strict)
            images.prune_cache(plan.cache_dir / "images", plan.renditions.values())
            for written in parallel.map_chunks(
                workers.trace_chunk, assets_work, range(len(catalogue.products)), jobs
            ):
                staging.files += written
        with _stage(result, "feeds"):
            files, copies = _site_files(plan)
            for rel, data in files.items():
                staging.write_bytes(rel, data)
            for rel, source in copies.items():
                staging.write_bytes(rel, staging.path(source).read_bytes())
        with _stage(result, "write"):
            result.files = staging.files + result.pages
            staging.commit()
    except BaseException:
        if staging is not None:
            staging.discard()
        raise
    return set(files) | set(copies)


def _update(
    plan: _Plan,
    todo: list[int],
    out: Path,
    previous: incremental.Manifest,
    pages_now: set[str],
    result: BuildResult,
    diagnostics: Diagnostics,
    strict: bool,
) -> set[str]:
    """Bring ``out`` up to date in place: render the pages in ``todo``, write changed files.

    Every page is rendered in memory before any file is touched, so bad input
    still leaves the output as it was. Files are replaced by rename, and files
    of the last build that no longer belong to the site are deleted. Returns
    every file the site now has.
    """
    catalogue, urls, renderer = plan.catalogue, plan.urls, plan.renderer
    languages = catalogue.config.languages
    with _stage(result, "render"):
        pages: dict[str, str] = {}
        for index in todo:
            spec = plan.specs[index]
            for lang in languages:
                try:
                    pages[urls.output_path(spec.route, lang)] = renderer.render(spec, lang)
                except (jinja2.TemplateError, MissingString) as exc:
                    _report([workers.template_problem(exc, renderer.theme)], diagnostics)
        _fail_if(diagnostics, strict)
        files, copies = _site_files(plan)
    with _stage(result, "write"):
        for rel, html in pages.items():
            result.files += incremental.write_if_changed(out, rel, html)
        result.pages = len(pages)
        before = previous.files
        media = out / "media"
        for key, rendition in plan.renditions.items():
            variants = (*rendition.webp, *rendition.jpeg)
            if any(plan.urls.media_output(v.name) not in before for v in variants):
                images.write(plan.photos[key], rendition, media, plan.cache_dir / "images")
                result.files += len(variants)
        changed = {plan.specs[i].route.key for i in todo if plan.specs[i].route.kind == "product"}
        product_files: set[str] = set()
        for product in catalogue.products:
            outputs = trace.product_outputs(catalogue, urls, product, plan.cache_dir)
            for rel, make in outputs:
                product_files.add(rel)
                if product.slug in changed or rel not in before:
                    result.files += incremental.write_if_changed(out, rel, make())
        for rel, data in files.items():
            result.files += incremental.write_if_changed(out, rel, data)
        for rel, source in copies.items():
            # a thumbnail is products/<slug>/thumb.jpg: it changes with its product
            if rel not in before or rel.split("/")[-2] in changed:
                result.files += incremental.write_if_changed(out, rel, (out / source).read_bytes())
        now = set(files) | set(copies) | pages_now | product_files | _media_files(plan)
        # the offline pack's files are rewritten, and pruned, by offline.write after this
        incremental.remove(out, {rel for rel in before - now if not offline.owns(rel)})
    return now


def _report(problems: list[workers.Problem], diagnostics: Diagnostics) -> None:
    for path, line, message, hint in problems:
        diagnostics.error(diagnostics.where(path, line), message, hint)


__all__ = ["BuildFailed", "BuildResult", "OutputRefused", "build", "prepare"]
