"""The pipeline: load → validate → model → render → assets → feeds → write.

:func:`build` runs the stages in order, times each, and either swaps a complete
new output into place or raises :class:`~ocopsite.diagnostics.BuildFailed` with
every problem found, leaving the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import feeds, fingerprint, images, parallel, search, trace, workers
from .catalogue import Catalogue, load_catalogue
from .config import CONFIG_NAME, SiteConfig, load_config
from .diagnostics import BuildFailed, Diagnostic, Diagnostics
from .i18n import Strings, load_strings
from .output import MARKER, OutputRefused, Staging, check_output_dir
from .render import Renderer, plan_pages
from .theme import BUILTIN_THEME_DIRS, Theme, find_theme
from .urls import Route, Urls

Progress = Callable[[int, int], None]
CACHE_DIR = ".ocopsite-cache"


@dataclass
class BuildResult:
    pages: int = 0
    records: int = 0
    files: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    out: Path | None = None
    unchanged: bool = False  # nothing to do: no input changed since the last build

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
        catalogue = load_catalogue(config, diagnostics, cache_dir)
        _fail_if(diagnostics, strict)
        assert catalogue is not None and theme is not None and strings is not None
    result.records = len(catalogue.products) + len(catalogue.producers) + len(catalogue.news)
    return Prepared(config, catalogue, theme, strings, Urls(config.base_url, config.languages))


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
    """
    site = site.resolve()
    out = (out or site / "public").resolve()
    cache_dir = cache_dir or site / CACHE_DIR
    jobs = jobs or parallel.default_jobs()
    diagnostics = Diagnostics(relative_to=site)
    result = BuildResult(out=out if write else None)
    if write:
        check_output_dir(out, site)
        with _stage(result, "fingerprint"):
            inputs_hash = fingerprint.compute(
                [site / CONFIG_NAME, site / "content", site / "templates", site / "themes",
                 *BUILTIN_THEME_DIRS, Path(__file__).parent],
                {
                    "base_url": base_url or "",
                    "build_date": (build_date or dt.date.today()).isoformat(),
                    "strict": str(strict),
                },
            )  # fmt: skip
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
    )
    result.warnings = diagnostics.warnings
    catalogue, urls, theme = ready.catalogue, ready.urls, ready.theme

    with _stage(result, "plan"):
        statics = _asset_names(theme)
        assets = {name: _hashed(name, data) for name, data in statics.items()}
        photos = {photo.file.path.as_posix(): photo.file for photo in catalogue.photos()}
        renditions = {key: images.plan(file) for key, file in sorted(photos.items())}
        specs = plan_pages(catalogue)

    staging = Staging(out) if write else None
    try:
        # The index comes before the pages, which name its content-hashed file.
        with _stage(result, "search"):
            renderer = Renderer(catalogue, theme, ready.strings, urls, renditions, assets)
            indexes: dict[str, tuple[str, bytes]] = {}
            for lang, views in renderer.views.items():
                data = search.encode(search.build_index(catalogue, views))
                indexes[lang] = (search.file_name(lang, data), data)
            renderer.search_index = {
                lang: urls.search_file(name)[0] for lang, (name, _) in indexes.items()
            }
            if staging is not None:
                for name, data in indexes.values():
                    staging.write_bytes(urls.search_file(name)[1], data)
        with _stage(result, "render"):
            work = workers.RenderWork(renderer, specs, theme, staging.root if staging else None)
            total = len(specs) * len(catalogue.config.languages)
            for pages, problems in parallel.map_chunks(
                workers.render_chunk, work, range(len(specs)), jobs
            ):
                result.pages += pages
                _report(problems, diagnostics)
                if progress is not None:
                    progress(result.pages, total)
            _fail_if(diagnostics, strict)
        if staging is not None:
            with _stage(result, "assets"):
                for name, data in statics.items():
                    staging.write_bytes(urls.asset_output(assets[name]), data)
                assets_work = workers.AssetWork(
                    catalogue, urls, photos, renditions, staging.root, cache_dir
                )
                for files, problems in parallel.map_chunks(
                    workers.image_chunk, assets_work, list(renditions), jobs, max_chunk=8
                ):
                    staging.files += files
                    _report(problems, diagnostics)
                _fail_if(diagnostics, strict)
                images.prune_cache(cache_dir / "images", renditions.values())
                _write_thumbnails(catalogue, renditions, urls, staging)
                for files, _ in parallel.map_chunks(
                    workers.trace_chunk, assets_work, range(len(catalogue.products)), jobs
                ):
                    staging.files += files
                staging.write_bytes(
                    ".well-known/gs1resolver", trace.resolver_description(catalogue, urls)
                )
        with _stage(result, "feeds"):
            texts = {"sitemap.xml": feeds.sitemap(specs, urls), "robots.txt": feeds.robots(urls)}
            for lang, views in renderer.views.items():
                texts[urls.output_path(Route("feed"), lang)] = feeds.atom_feed(
                    catalogue, views, urls
                )
            if staging is not None:
                for rel, text in texts.items():
                    staging.write_text(rel, text)
        if staging is not None:
            with _stage(result, "write"):
                result.files = staging.files + result.pages
                staging.commit()
                fingerprint.remember(cache_dir, out, inputs_hash)
    except BaseException:
        if staging is not None:
            staging.discard()
        raise
    return result


def _report(problems: list[workers.Problem], diagnostics: Diagnostics) -> None:
    for path, line, message, hint in problems:
        diagnostics.error(diagnostics.where(path, line), message, hint)


def _write_thumbnails(
    catalogue: Catalogue, renditions: dict[str, images.Rendition], urls: Urls, staging: Staging
) -> None:
    """Each product's smallest JPEG at a path the search script derives from the slug."""
    for product in catalogue.products:
        if product.photos:
            variant = renditions[product.photos[0].file.path.as_posix()].smallest
            rel = urls.file_in(Route("product", product.slug), "thumb.jpg")[1]
            staging.write_bytes(rel, staging.path(urls.media_output(variant.name)).read_bytes())


__all__ = ["BuildFailed", "BuildResult", "OutputRefused", "build", "prepare"]
