"""The pipeline: load → validate → model → render → assets → feeds → write.

:func:`build` runs the stages in order, times each, and either swaps a complete
new output into place or raises :class:`~ocopsite.diagnostics.BuildFailed` with
every problem found, leaving the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from . import fingerprint, images, incremental, journal, offline, outputs, parallel, paths, trace
from .catalogue import Catalogue, load_catalogue
from .config import CONFIG_NAME, SiteConfig, load_config
from .diagnostics import BuildFailed, Diagnostic, Diagnostics
from .i18n import Strings, load_strings
from .output import MARKER, OutputRefused, Staging, check_output_dir, clean_leftovers
from .recordcache import code_fingerprint, gc_paused
from .render import Renderer, plan_pages
from .theme import Theme, find_theme
from .urls import Urls

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
    inputs: str | None = None,
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

    ``inputs`` is the fingerprint of the inputs (:func:`~ocopsite.fingerprint.site_fingerprint`
    with the same options) when the caller has just taken it; it must have been taken before
    anything was read, so that an edit made meanwhile is seen by the next build.
    """
    site = site.resolve()
    out = (out or site / "public").resolve()
    cache_dir = cache_dir or site / CACHE_DIR
    jobs = jobs or parallel.default_jobs()
    diagnostics = Diagnostics(relative_to=site)
    result = BuildResult(out=out if write else None)
    if write:
        check_output_dir(out, site)
        journal.replay(out)  # finish an update that a killed build left half-published
        clean_leftovers(out)
    if write and only:
        fingerprint.forget(cache_dir)
        incremental.forget(cache_dir)
    elif write:
        with _stage(result, "fingerprint"):
            inputs_hash = inputs or fingerprint.site_fingerprint(site, base_url, build_date, strict)
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
        statics = outputs.theme_files(theme)
        assets = {name: outputs.hashed_name(name, data) for name, data in statics.items()}
        photos = {photo.file.path.as_posix(): photo.file for photo in catalogue.photos()}
        renditions = {key: images.plan(file) for key, file in sorted(photos.items())}
        specs = plan_pages(catalogue)
        if only:
            specs = [spec for spec in specs if spec.route.segment in only]
        renderer = Renderer(catalogue, theme, ready.strings, urls, renditions, assets)
        every = [
            *outputs.pages(renderer, specs),
            *outputs.photos(catalogue, urls, photos, renditions, cache_dir),
            *outputs.product_files(catalogue, urls, cache_dir),
            *outputs.site_files(renderer, specs, statics),
        ]
    run = _Run(jobs, result, diagnostics, strict, progress)
    if not write:  # check: render the pages in memory, keep nothing
        _emit(run, every, _kinds(every, ("page",)), outputs.Nowhere())
        return result
    if only:  # a partial build: the pages asked for and the theme's files; keep no record
        _publish(run, Staging(out), every, _kinds(every, ("page", "asset")))
        return result

    with _stage(result, "plan"), gc_paused():
        site_key = incremental.site_key(urls, catalogue, theme.fingerprint(), code_fingerprint())
        keys = incremental.keys(catalogue, every, site_key)
        previous = (
            incremental.load(cache_dir, out, site_key)
            if not force and (out / MARKER).is_file()
            else None
        )
        todo = incremental.changed(every, keys, previous) if previous is not None else []
        pages = sum(output.kind == "page" for output in every)
        pages_todo = sum(every[index].kind == "page" for index in todo)
    sink: Staging | journal.Update
    # every language has its own page outputs: the floor of 50 pages is per language
    in_place_limit = max(50 * len(catalogue.config.languages), pages // 4)
    if previous is not None and pages_todo <= in_place_limit:
        sink = journal.Update(out)
        result.updated_in_place = True
    else:
        sink, todo = Staging(out), list(range(len(every)))
    # the smallest WebP: what cards ask for, and lighter than the JPEG
    thumbnails = {key: urls.media_output(r.webp[0].name) for key, r in renditions.items()}
    pack = partial(offline.build_pack, catalogue=catalogue, urls=urls, assets=assets,
                   thumbnails=thumbnails)  # fmt: skip
    emitted = _publish(run, sink, every, todo, previous, pack)
    if not result.updated_in_place:
        images.prune_cache(cache_dir / "images", renditions.values())
    files = {
        path: key or "" for output, key in zip(every, keys, strict=True) for path in output.paths
    }
    files.update((path, "") for path in emitted.made if path not in files)
    incremental.save(cache_dir, out, site_key, incremental.Manifest(files, emitted.digests))
    fingerprint.remember(cache_dir, out, inputs_hash)
    return result


def _kinds(every: list[outputs.Output], kinds: tuple[str, ...]) -> list[int]:
    return [index for index, output in enumerate(every) if output.kind in kinds]


@dataclass(frozen=True)
class _Run:
    """How the outputs of one build are made, and where its results and problems go."""

    jobs: int
    result: BuildResult
    diagnostics: Diagnostics
    strict: bool
    progress: Progress | None


def _emit(
    run: _Run, every: list[outputs.Output], todo: list[int], sink: outputs.Sink
) -> outputs.Emitted:
    """Make the outputs ``todo`` into ``sink``, stage by stage; raise BuildFailed on a problem."""
    result, diagnostics, progress = run.result, run.diagnostics, run.progress
    emitted = outputs.Emitted()
    total = sum(every[index].kind == "page" for index in todo)
    for stage, kinds in outputs.STAGES:
        chosen = [index for index in todo if every[index].kind in kinds]
        if not chosen:
            continue
        with _stage(result, stage):
            for kind in kinds:  # one kind at a time: each has its own chunk size
                of_kind = [index for index in chosen if every[index].kind == kind]
                for done in outputs.emit(every, of_kind, sink, run.jobs):
                    emitted.made |= done.made
                    emitted.written |= done.written
                    emitted.digests.update(done.digests)
                    _report(done.problems, diagnostics)
                    result.pages += done.pages
                    if progress is not None and kind == "page":
                        progress(result.pages, total)
            _fail_if(diagnostics, run.strict)
    return emitted


def _publish(
    run: _Run,
    sink: Staging | journal.Update,
    every: list[outputs.Output],
    todo: list[int],
    previous: incremental.Manifest | None = None,
    finish: Callable[[offline.Reader, offline.Digests], dict[str, bytes]] | None = None,
) -> outputs.Emitted:
    """Emit ``todo`` into ``sink`` and publish it; returns what was made.

    ``finish`` makes the files that summarise all the others (the offline pack),
    from the bytes each output file will hold, and the digests of those known:
    the files made now, and the others' from ``previous``. They are published with
    the rest. The result's ``digests`` are those of every file of the site.

    A full build's staging folder is swapped in for the output; an update's
    changed files are moved into it through the journal, and files of the
    last build that no longer belong to the site are deleted. On any failure
    the sink is discarded and the output stays as it was.
    """
    result = run.result
    try:
        emitted = _emit(run, every, todo, sink)
        if isinstance(sink, journal.Update):
            sink.staged |= emitted.written  # workers staged these in their own processes
        now = {path for output in every for path in output.paths} | emitted.made
        if previous is not None:  # files not made again hold what they held
            made = emitted.digests
            for path, kept in previous.digests.items():
                if path in now and path not in made:
                    made[path] = kept
        if finish is not None:
            with _stage(result, "offline"):
                for rel, data in finish(sink.read, emitted.digests).items():
                    if sink.put(rel, data):
                        emitted.written.add(rel)
                    emitted.made.add(rel)
                    emitted.digests[rel] = offline.digest(data)
        with _stage(result, "write"):
            if isinstance(sink, journal.Update):
                sink.staged |= emitted.written
                assert previous is not None
                sink.delete(previous.files - now - emitted.made)
                result.files = len(sink.staged)
            else:
                result.files = len(emitted.written) + 2  # and the marker and .nojekyll
            sink.commit()
    except BaseException:
        sink.discard()
        raise
    return emitted


def _report(problems: list[outputs.Problem], diagnostics: Diagnostics) -> None:
    for path, line, message, hint in problems:
        diagnostics.error(diagnostics.where(path, line), message, hint)


__all__ = ["BuildFailed", "BuildResult", "OutputRefused", "build", "prepare"]
