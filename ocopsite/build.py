"""The pipeline: load → validate → model → render → assets → feeds → write.

:func:`build` runs the stages in order, times each, and either swaps a complete
new output into place or raises :class:`~ocopsite.diagnostics.BuildFailed` with
every problem found, leaving the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

from ocopsite import cachekey, parallel, paths
from ocopsite.assets import images
from ocopsite.diagnostics import BuildFailed, Diagnostics
from ocopsite.load import fingerprint
from ocopsite.load.catalogue import Catalogue, load_catalogue
from ocopsite.load.config import CONFIG_NAME, SiteConfig, load_config
from ocopsite.load.recordcache import Kept, code_fingerprint, gc_freezable, gc_paused
from ocopsite.output import groups, incremental, journal, writer
from ocopsite.output import plan as outputs
from ocopsite.output.manifestfile import Group
from ocopsite.output.publish import (
    BuildResult,
    Progress,
    Run,
    Superseded,
    fail_if,
    publish,
    stage,
    update_in_steps,
)
from ocopsite.output.publish import emit as publish_emit
from ocopsite.output.staging import (
    MARKER,
    OutputRefused,
    Staging,
    check_output_dir,
    clean_leftovers,
)
from ocopsite.render import offline
from ocopsite.render.renderer import FRAGMENTS, Renderer
from ocopsite.render.site import listed_routes, plan_pages
from ocopsite.trace import lots as trace
from ocopsite.trace import qr as trace_qr
from ocopsite.view.i18n import Strings, load_strings
from ocopsite.view.pages import PageSpec
from ocopsite.view.theme import Theme, find_theme
from ocopsite.view.themeloader import CompiledTemplates, load_apart
from ocopsite.view.urls import Route, Urls

CACHE_DIR = paths.CACHE_DIR


@dataclass(frozen=True)
class Prepared:
    """Everything validated and ready to render; made by :func:`prepare`."""

    config: SiteConfig
    catalogue: Catalogue
    theme: Theme
    strings: dict[str, Strings]
    urls: Urls


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
    kept: Kept | None = None,
    stamps: Mapping[str, fingerprint.FolderStamp] | None = None,
    check: Callable[[], None] | None = None,
) -> Prepared:
    """Run the load, validate and model stages; raise BuildFailed on any error.

    With ``cache_dir``, records of bundles unchanged since the last load are reused;
    ``kept`` holds those of a long-lived process's earlier builds, in memory; ``stamps``
    the bundles' stamps if they have just been read (see :func:`build`). ``check`` is
    called now and then, and may raise to abandon the load (a newer change came in).
    """
    with stage(result, "load+validate"):
        config = load_config(
            site / CONFIG_NAME, diagnostics, base_url=base_url, build_date=build_date
        )
        fail_if(diagnostics, strict)
        assert config is not None
        theme = find_theme(config, diagnostics)
        strings = load_strings(theme.strings_dir, config.languages, diagnostics) if theme else None
        with gc_paused():
            catalogue = load_catalogue(config, diagnostics, cache_dir, jobs, kept, stamps, check)
        if catalogue is not None and config.label_sheets:
            _note_withheld_labels(catalogue, diagnostics)
        fail_if(diagnostics, strict)
        assert catalogue is not None and theme is not None and strings is not None
    result.records = (
        len(catalogue.products)
        + len(catalogue.producers)
        + len(catalogue.news)
        + len(catalogue.events)
    )
    return Prepared(config, catalogue, theme, strings, Urls(config.base_url, config.languages))


def _note_withheld_labels(catalogue: Catalogue, diagnostics: Diagnostics) -> None:
    """Say which label sheets are not made: a rating not in force, a recalled lot, a lot
    past its best-before date.

    Notes, not warnings: nothing in the records is wrong, and a rating that runs out
    must not make a ``--strict`` build fail on that day.
    """
    day = catalogue.config.build_date
    for product in catalogue.products:
        where = diagnostics.where(product.bundle / "product.yaml")
        for lot in (None, *product.lots):
            withheld = trace.label_withheld(product, lot, day)
            if withheld is None or withheld[1] == "pending":  # not yet in force: no news
                continue
            if withheld[0] == "label.recalled":
                assert lot is not None
                diagnostics.note(
                    where,
                    f"no label sheet for lot {lot.code}: it has been recalled",
                    "a recalled lot gets no labels; its label page says why",
                )
            elif withheld[0] == "label.lot_expired":
                assert lot is not None
                diagnostics.note(
                    where,
                    f"no label sheet for lot {lot.code}: past its best-before date"
                    f" ({lot.expires.isoformat()})",
                    "old stock is not relabelled for sale; its label page says why",
                )
            else:
                diagnostics.note(
                    where,
                    f"no label sheets: the OCOP rating is {withheld[1]} on {day.isoformat()}",
                    "only a rating in force may carry the OCOP mark; the label pages say why",
                )
                break


Function = TypeVar("Function", bound=Callable[..., Any])


def _thaws(function: Function) -> Function:
    """``function`` run in a :func:`~ocopsite.load.recordcache.gc_freezable` block."""

    @functools.wraps(function)
    def run(*args: Any, **options: Any) -> Any:
        with gc_freezable():
            return function(*args, **options)

    return cast(Function, run)


@_thaws
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
    stamps: dict[str, fingerprint.FolderStamp] | None = None,
    resident: incremental.Resident | None = None,
) -> BuildResult:
    """Build the site in ``site`` into ``out`` (default ``site/public``).

    Pages and photos are rendered by ``jobs`` processes (default: all cores).
    Encoded photos and drawn label sheets are kept in ``cache_dir`` (default
    ``site/.ocopsite-cache``), a folder that is always safe to delete: one without this
    user's mark is emptied first (see :func:`ocopsite.cachekey.claim`). With
    ``write=False`` everything is validated and rendered in memory only (the
    ``check`` command). When no input has changed since the last build into
    ``out`` (see :mod:`ocopsite.load.fingerprint`), nothing is done and
    ``result.unchanged`` is set, unless ``force``. Raises BuildFailed with all
    problems, or OutputRefused before touching an output folder it must not replace.

    ``only`` (names from :data:`~ocopsite.view.urls.SEGMENTS`) makes a partial build,
    for a quick look at part of a large catalogue: everything is still validated,
    but only those pages and the theme's files are written (no QR codes, photos,
    search index or feeds), and the next build starts afresh.

    ``inputs`` is the fingerprint of the inputs (:func:`~ocopsite.load.fingerprint.site_fingerprint`
    with the same options) when the caller has just taken it; it must have been taken before
    anything was read, so that an edit made meanwhile is seen by the next build. ``stamps``
    are the folders' stamps that walk read, by real path: the record cache takes a bundle's
    stamp from them instead of reading the bundle's folder again. The dict is handed over:
    the build empties it once the load has read it.

    ``resident`` is what a long-lived process keeps from one of its builds to the
    next (see :class:`~ocopsite.output.incremental.Resident`); it is told when the pages are live.
    Such a process is told of every change (the preview server watches the files), so
    after its first build it takes no fingerprint: it forgets the last one instead, and
    the next build of another process compares outputs' dependencies to find what changed.
    """
    site = site.resolve()
    out = (out or site / "public").resolve()
    cache_dir = cache_dir or site / CACHE_DIR
    jobs = jobs or parallel.default_jobs()
    diagnostics = Diagnostics(relative_to=site)
    result = BuildResult(out=out if write else None)
    seen = resident.changed_since_last() if resident is not None else frozenset()
    check = partial(_superseded, resident.stop) if resident is not None else None
    if write:
        with stage(result, "output"):
            check_output_dir(out, site)
            cachekey.claim(cache_dir)  # before anything touches it (a failure is the load's)
            journal.replay(out)  # finish an update that a killed build left half-published
            clean_leftovers(out)
    inputs_hash: str | None = None
    walked: dict[str, fingerprint.FolderStamp] = {}
    if write and only:
        fingerprint.forget(cache_dir)
        incremental.forget(cache_dir)
    elif write and resident is not None and resident.manifest is not None:
        fingerprint.forget(cache_dir)  # before anything is read: see above
    elif write:
        with stage(result, "fingerprint"):
            if inputs is None:
                inputs = fingerprint.site_fingerprint(
                    site, base_url, build_date, strict, cache_dir, walked
                )
                stamps = walked
            inputs_hash = inputs
            if not force and fingerprint.unchanged(cache_dir, out, MARKER, inputs_hash):
                result.unchanged = True
                if resident is not None:
                    resident.pages_live()
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
        kept=resident.records if resident is not None else None,
        stamps=stamps if inputs_hash is not None else None,
        check=check,
    )
    # the folders' stamps served the load: not held through the build (some 13 MB at
    # 16,000 products, in this process and in every worker forked from it), neither here
    # nor by the caller, who handed its dict over (the command line's lives until it ends)
    if stamps is not None:
        stamps.clear()
    walked, stamps = {}, None
    result.warnings = diagnostics.warnings
    result.notes = diagnostics.notes
    catalogue, urls, theme = ready.catalogue, ready.urls, ready.theme

    with stage(result, "plan"), gc_paused():
        statics = outputs.theme_files(theme)
        assets = {name: outputs.hashed_name(name, data) for name, data in statics.items()}
        photos = {photo.file.path.as_posix(): photo.file for photo in catalogue.photos()}
        renditions = {key: images.plan(file) for key, file in sorted(photos.items())}
        renderer = Renderer(catalogue, theme, ready.strings, urls, renditions, assets)
        site_key = incremental.site_key(
            urls, catalogue, theme.fingerprint(), code_fingerprint(), assets
        )
        kept_key = site_key if write and not only else None  # a partial build keeps nothing
        keyer = incremental.Keyer(catalogue, site_key)
        previous = None
        if kept_key is not None and not force and (out / MARKER).is_file():
            previous = (resident and resident.previous(out, site_key)) or incremental.load(
                cache_dir, out, site_key
            )
        reuse = groups.reusable(catalogue, keyer, site_key, previous) if kept_key else None

        def plan(reuse: groups.Reuse) -> _Planned:
            skipped = reuse.kept
            owned: dict[Route, str] = {}
            block: list[int] = []
            specs = plan_pages(catalogue, cache_dir, skip=skipped, owners=owned, block=block)
            if check is not None:
                check()
            if only:
                specs = [spec for spec in specs if spec.route.segment in only]
            # a build that makes the search index makes the search page with it: the page
            # names the index's files (a partial build's, or a check's, reads the manifest);
            # and the open data and schedule pages with the files they show
            kinds = outputs.WITH_FILES if write and not only else ()
            found = [spec for spec in specs if spec.route.kind in kinds]
            paged = [spec for spec in specs if spec.route.kind not in kinds] if found else specs
            owners = [owned.get(spec.route) for spec in paged for _ in catalogue.config.languages]
            every = outputs.pages(renderer, paged)
            # a partial build makes neither photos nor product files: not planned (0.3 s at
            # 16,000 products, with a core idle)
            if not only:
                every += outputs.photos(catalogue, urls, photos, renditions, cache_dir)
                owners += [None] * (len(every) - len(owners))
                chosen = (
                    [p for p in catalogue.products if p.slug not in skipped] if skipped else None
                )
                every += outputs.product_files(catalogue, urls, cache_dir, kept_key, chosen, owners)
            listed = partial(listed_routes, catalogue, specs, block) if skipped else specs
            every += outputs.site_files(renderer, listed, statics, cache_dir, found)
            owners += [None] * (len(every) - len(owners))
            return _Planned(specs, every, owners, reuse)

        planned = plan(reuse or groups.Reuse())
        specs, every = planned.specs, planned.every
    gc.freeze()  # everything loaded and planned: see gc_freezable
    run = Run(jobs, result, diagnostics, strict, progress, resident.stop if resident else None)
    if jobs > 1 and (only or not write):  # a build's own are compiled once it knows its pages
        with stage(result, "workers"):
            templates = {spec.template for spec in specs}
            _load_for_workers(renderer, templates, not only, catalogue.config.label_sheets)
    if not write:  # check: render the pages in memory, keep nothing
        publish_emit(run, every, _kinds(every, ("page",)), writer.Nowhere())
        CompiledTemplates.save()
        return result
    if only:  # a partial build: the pages asked for and the theme's files; keep no record
        publish(run, Staging(out), every, _kinds(every, ("page", "asset")))
        CompiledTemplates.save()
        return result

    with stage(result, "plan"), gc_paused():
        # without a last build, nothing tells what to make: the outputs are keyed once the
        # workers are forked (see described_outputs), not by every worker's copy of this one
        keys, todo = None, []
        if previous is not None:
            keys = incremental.keys(catalogue, every, site_key, check, keyer)
            todo = incremental.changed(every, keys, previous)
        pages = sum(output.kind == "page" for output in every) + planned.reuse.pages
        pages_todo = sum(every[index].kind == "page" for index in todo)
        # every language has its own page outputs: the floor of 50 pages is per language
        in_place_limit = max(50 * len(catalogue.config.languages), pages // 4)
        result.updated_in_place = previous is not None and pages_todo <= in_place_limit
        if planned.reuse.kept and not result.updated_in_place:  # a full build: plan it all
            planned = plan(groups.Reuse(planned.reuse.signatures))
            specs, every = planned.specs, planned.every
            keys = incremental.keys(catalogue, every, site_key, check, keyer)
        kept = planned.reuse.keys
    if jobs > 1:
        templates = {spec.template for spec in specs}
        if result.updated_in_place:  # only the templates of the kinds of pages made again
            segments = {every[index].segment for index in todo if every[index].kind == "page"}
            templates = {spec.template for spec in specs if spec.route.segment in segments}
            # and those of the pages made with their files, which every build makes again
            templates |= {spec.template for spec in specs if spec.route.kind in outputs.WITH_FILES}
        with stage(result, "workers"):
            _load_for_workers(renderer, templates, True, catalogue.config.label_sheets)
    # the smallest WebP: what cards ask for, and lighter than the JPEG
    thumbnails = {key: urls.media_output(r.webp[0].name) for key, r in renditions.items()}
    # each file's output key, and the products' blocks: what the manifest describes
    files: dict[str, str] = {}
    blocks: dict[str, Group] = {}
    outputs_described: list[bool] = []

    def described_outputs() -> None:
        """Fill ``files`` and ``blocks`` from ``every`` (keyed now if it was not), once:
        before ``every`` is emptied."""
        if outputs_described:
            return
        outputs_described.append(True)
        with gc_paused():
            output_keys = keys
            if output_keys is None:
                output_keys = incremental.keys(catalogue, every, site_key, check, keyer)
            blocks.update(groups.blocks(catalogue, keyer, planned.reuse, every, planned.owners))
            files.update(kept)
            files.update(
                (path, key or "")
                for output, key in zip(every, output_keys, strict=True)
                for path in output.paths
            )

    if keys is not None:  # an update: what it makes is known, and told as it is published
        described_outputs()
    pack = partial(offline.build_pack, catalogue=catalogue, urls=urls, assets=assets,
                   thumbnails=thumbnails, cache=cache_dir / offline.PACK_CACHE)  # fmt: skip

    def described(emitted: writer.Emitted) -> incremental.Manifest:
        described_outputs()
        files.update((path, "") for path in emitted.made if path not in files)
        return incremental.Manifest(files, emitted.digests, blocks)

    # What describes the output (the manifest, the record of the inputs) must never describe
    # another output than the live one, even if the build is killed at any point: else a
    # later build trusts it, and an edit undone meanwhile is never published.
    if previous is not None and result.updated_in_place and resident is not None:

        def published(so_far: writer.Emitted, first: bool) -> None:
            # The output holds these new files and otherwise the last build's. On disk the
            # manifest was dropped (see below): until this build saves it, another process
            # builds in full, and rewriting it after each step would take a second.
            interim = incremental.Manifest(
                {**previous.keys, **{path: files[path] for path in so_far.made}},
                {**previous.digests, **so_far.digests},
            )
            resident.remember(cache_dir, out, site_key, interim, on_disk=False)
            if first:
                resident.pages_live(out)

        fingerprint.forget(cache_dir)  # the output will not match the last build's inputs
        incremental.forget(cache_dir)
        viewed = resident.viewed()
        emitted = update_in_steps(
            run, out, every, todo, previous, pack, viewed, published, kept.keys()
        )
        if viewed & emitted.written:  # an open page that sums up the site (home, browse)
            resident.pages_live(out)
    elif previous is not None and result.updated_in_place:
        update = journal.Update(out, previous.digests)

        def kept_with_the_update(emitted: writer.Emitted) -> None:
            fingerprint.forget(cache_dir)  # remembered once the update is live
            manifest = incremental.encoded(out, site_key, described(emitted))
            update.keep_beside(incremental.manifest_path(cache_dir), manifest)

        emitted = publish(
            run, update, every, todo, previous, pack, kept_with_the_update, kept.keys()
        )
    else:

        def dropped_before_the_swap(emitted: writer.Emitted) -> None:
            fingerprint.forget(cache_dir)
            incremental.forget(cache_dir)  # it describes the output the swap replaces

        emitted = publish(run, Staging(out), every, list(range(len(every))), None, pack,
                          dropped_before_the_swap, release=True,
                          meanwhile=described_outputs)  # fmt: skip
        with stage(result, "caches"):
            images.prune_cache(cache_dir / "images", renditions.values())
    with stage(result, "caches"):  # what the next build reads: the manifest, the fingerprint
        manifest = described(emitted)
        # the sets of paths made and written, some 20 MB at 16,000 products: not held while
        # the manifest is encoded, this process's largest moment
        del emitted
        if resident is not None:
            resident.remember(cache_dir, out, site_key, manifest)
            if not result.updated_in_place:
                resident.pages_live(out)
            options = (base_url, build_date, strict)
            last = incremental.LastBuild(
                catalogue, theme, ready.strings, urls, renditions, assets, cache_dir, options
            )
            resident.built(last, seen)
        elif not result.updated_in_place:  # an update's manifest was saved with it
            incremental.save(cache_dir, out, site_key, manifest)
        if inputs_hash is not None:
            fingerprint.remember(cache_dir, out, inputs_hash)
        CompiledTemplates.save()  # what this process compiled while rendering (one job)
    return result


@dataclass(frozen=True)
class _Planned:
    """What planning made: the pages planned, every output, the slug of the product each
    output belongs to (``None`` for others), and what was taken from the last build."""

    specs: list[PageSpec]
    every: list[outputs.Output]
    owners: list[str | None]
    reuse: groups.Reuse


def _load_for_workers(
    renderer: Renderer, templates: set[str], photos: bool, label_sheets: bool
) -> None:
    """Compile ``templates`` (and what they name) and, with ``photos``, import what photos
    and label sheets need, once here: not again in every forked worker (the stage
    ``workers`` of ``build -v``)."""
    load_apart(list(renderer.envs.values()), {*templates, FRAGMENTS})
    if photos:
        _import_for_workers(label_sheets)


def _import_for_workers(label_sheets: bool) -> None:
    """Import, before the workers fork, what they need for photos and label sheets.

    Those modules are imported where they are used, so that a build that makes
    neither (``--only``) does not load them; workers forked without them would each
    import them again (and, for label sheets, each read the QR encoder's version).
    """
    import PIL.ImageCms
    import PIL.ImageDraw
    import PIL.ImageFont  # noqa: F401

    if label_sheets:
        trace_qr.encoder()


def _superseded(stop: threading.Event) -> None:
    """Abandon a resident process's build once a newer change has come in."""
    if stop.is_set():
        raise Superseded


def _kinds(every: list[outputs.Output], kinds: tuple[str, ...]) -> list[int]:
    return [index for index, output in enumerate(every) if output.kind in kinds]


__all__ = ["BuildFailed", "BuildResult", "OutputRefused", "build", "prepare"]
