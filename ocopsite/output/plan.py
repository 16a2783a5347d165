"""Every file of the site as one list of outputs: where it goes, how it is made, what it shows.

An :class:`Output` is one thing a build makes: a page in one language, a photo's
variants (and the listing thumbnail cut from it), a product's QR code, label
sheet, lab document or linkset, a theme file, a feed, the sitemap, the search
index. It declares its output paths (from :mod:`ocopsite.view.urls`), a function
that makes its bytes, and what it depends on, at the place where it is
planned: pages in :func:`ocopsite.render.site.plan_pages` (``PageSpec.depends``),
a product's files in :func:`ocopsite.trace.files.product_outputs`, photos and
site-wide files here. An output that declares no dependencies depends on
everything: every build makes it again (and writes it only if its bytes
changed), so a new kind of output can be slower to rebuild, never stale.

:mod:`ocopsite.output.writer` makes them and puts their files where they go.
"""

from __future__ import annotations

import functools
import hashlib
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from PIL import Image

from ocopsite import keptfiles, sitefiles
from ocopsite.assets import images
from ocopsite.files import plain_relative_list
from ocopsite.load.catalogue import Catalogue
from ocopsite.model import BundleFile, Product
from ocopsite.output.scripts import served
from ocopsite.paths import BUILTIN_THEME_DIRS
from ocopsite.render import events as eventpages
from ocopsite.render import feeds, opendata, recordschema, schedule
from ocopsite.render.renderer import Renderer
from ocopsite.search import codes
from ocopsite.search import index as search
from ocopsite.trace import files as trace_files
from ocopsite.view.i18n import MissingString
from ocopsite.view.jsonld import script_json
from ocopsite.view.pages import PageSpec
from ocopsite.view.theme import Theme
from ocopsite.view.urls import THUMBNAIL, Route, Urls

if TYPE_CHECKING:
    from ocopsite.output.incremental import Keyer
    from ocopsite.view.views import Views

#: What making an output gives: its files' bytes (or text, written as UTF-8), by path.
Made = Mapping[str, bytes | str]
#: What an output depends on: records (products, producers, news items) and plain values.
Depends = Callable[[], Iterable[object]]
#: The stages of a build, in order, and the kinds of output each makes.
STAGES = (("render", ("page",)), ("assets", ("photo", "product")), ("feeds", ("asset", "site")))

#: A problem found while making an output, in any process: (path, line, message, hint).
Problem = tuple[str, int | None, str, str | None]


def _template_location(exc: BaseException, theme: Theme) -> tuple[str, int | None]:
    """The template file and line an error was raised from, from Jinja's rewritten traceback."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return exc.filename, exc.lineno
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            return frame.filename, frame.lineno
    return str(theme.template_dirs[-1]), None


def template_problem(exc: BaseException, theme: Theme) -> Problem:
    """A template error or missing UI string as a problem pointing into the template."""
    path, line = _template_location(exc, theme)
    message = exc.message if isinstance(exc, jinja2.TemplateError) else str(exc)
    hint = (
        "UI strings live in the theme's i18n/<lang>.yaml"
        if isinstance(exc, MissingString)
        else None
    )
    return (path, line, f"template error: {message}", hint)


class Failed(Exception):
    """Making an output failed because of the site's input; ``problem`` says where."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem[2])
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Output:
    """One thing a build makes. See the module's description."""

    kind: str  # page, photo, product, asset or site: the stage that makes it
    #: Every path ``make`` returns, known before making it; empty when only making tells
    #: (a search index named by its content), which ``depends`` of ``None`` must then be.
    paths: tuple[str, ...]
    make: Callable[[], Made]
    #: ``None``: depends on everything, and is made by every build.
    depends: Depends | None = None
    segment: str = ""  # a page's route segment, for partial builds (``build --only``)
    chunk: int = field(default=200, compare=False)  # at most this many per worker's task
    #: The output's key (see :func:`~ocopsite.output.incremental.keys`) when planning took
    #: it, with the paths, from what an earlier build planned for the same record: worked
    #: out then from ``depends``, which is not called again.
    key: str | None = field(default=None, compare=False)
    #: Pages among the files of an output of another kind than "page" (the search page,
    #: made with the search index), for the count of pages made.
    pages: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        assert self.paths or self.depends is None, "an output of unknown paths must redo"
        assert self.key is None or self.depends is not None


def _page(renderer: Renderer, spec: PageSpec, lang: str, path: str) -> Made:
    try:
        return {path: renderer.render(spec, lang)}
    except (jinja2.TemplateError, MissingString) as exc:
        raise Failed(template_problem(exc, renderer.theme)) from None


class _Page:
    """Makes ``spec``'s page in ``lang`` at ``path``, when called.

    An object of four slots: a ``partial`` of the same, with its tuple of arguments and
    its dict of keywords, took 160 bytes more for each of the 90,000 pages of 16,000
    products, held by the process that plans them and by every worker it forks."""

    __slots__ = ("lang", "path", "renderer", "spec")

    def __init__(self, renderer: Renderer, spec: PageSpec, lang: str, path: str) -> None:
        self.renderer, self.spec, self.lang, self.path = renderer, spec, lang, path

    def __call__(self) -> Made:
        return _page(self.renderer, self.spec, self.lang, self.path)


class _Shows:
    """What a page shows, in every language (``spec.depends`` of the views), when called:
    as :class:`_Page`, lighter than a ``partial``."""

    __slots__ = ("depends", "views")

    def __init__(
        self, depends: Callable[[Sequence[Views]], Iterable[object]], views: list[Views]
    ) -> None:
        self.depends, self.views = depends, views

    def __call__(self) -> Iterable[object]:
        return self.depends(self.views)


def pages(renderer: Renderer, specs: Sequence[PageSpec]) -> list[Output]:
    """Every page in every language; the languages of a page share its dependencies."""
    urls, views = renderer.urls, list(renderer.views.values())
    made = []
    languages = list(renderer.views)
    output_path = urls.output_path
    for spec in specs:
        depends = _Shows(spec.depends, views) if spec.depends is not None else None
        route = spec.route
        segment = route.segment
        for lang in languages:
            path = output_path(route, lang)
            made.append(
                Output("page", (path,), _Page(renderer, spec, lang, path), depends, segment)
            )
    return made


def _photo(
    file: BundleFile, rendition: images.Rendition, paths: tuple[str, ...], cache: Path
) -> Made:
    try:
        encoded = images.encode(file, rendition, cache / "images")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise Failed((str(file.path), None, f"image cannot be decoded: {exc}", None)) from None
    variants = list(encoded.values())
    made: dict[str, bytes | str] = dict(zip(paths, variants, strict=False))
    if len(paths) > len(variants):  # the listing thumbnail: the smallest JPEG, once more
        made[paths[-1]] = encoded[rendition.smallest.name]
    return made


def photos(
    catalogue: Catalogue,
    urls: Urls,
    files: Mapping[str, BundleFile],
    renditions: Mapping[str, images.Rendition],
    cache: Path,
) -> list[Output]:
    """Each photo's variants, with the thumbnail of the product it is the first photo of."""
    thumbs = {
        product.photos[0].file.path.as_posix(): urls.file_in(
            Route("product", product.slug), THUMBNAIL
        )[1]
        for product in catalogue.products
        if product.photos
    }
    made = []
    for key, rendition in renditions.items():
        names = [v.name for v in (*rendition.webp, *rendition.jpeg)]
        paths = tuple(urls.media_output(name) for name in names)
        if key in thumbs:
            paths += (thumbs[key],)
        make = partial(_photo, files[key], rendition, paths, cache)
        # a variant's name hashes the source's bytes and the encoding settings
        made.append(Output("photo", paths, make, partial(tuple, names), chunk=8))
    return made


#: The folder, in the cache folder, of the product files planned by the last build.
PRODUCT_FILES = "product-files"


def product_files(
    catalogue: Catalogue,
    urls: Urls,
    cache: Path,
    site_key: str | None = None,
    products: Sequence[Product] | None = None,
    owners: list[str | None] | None = None,
) -> list[Output]:
    """Every product's QR codes, label sheets, lab documents and linkset.

    With ``site_key`` (see :func:`~ocopsite.output.incremental.site_key`), what each
    product's files are (their paths and keys) is kept in ``cache`` between builds, as
    parts of :class:`~ocopsite.keptfiles.KeptParts` under the product's token
    (:meth:`~ocopsite.load.catalogue.Catalogue.product_token`) and the site key: the
    files of a product whose record did not change are then not planned again, only
    taken as planned before, with a ``make`` and ``depends`` that plan them when called.

    With ``products``, only theirs are planned (and none kept). ``owners`` is given the
    slug of the product of each output returned, in order.
    """
    if site_key is None or products is not None:
        pairs = [
            (product.slug, Output("product", paths, make, depends))
            for product in (catalogue.products if products is None else products)
            for paths, make, depends in trace_files.product_outputs(catalogue, urls, product, cache)
        ]
        if owners is not None:
            owners += [slug for slug, _ in pairs]
        return [output for _, output in pairs]
    from ocopsite.output.incremental import Keyer  # here: that module imports this one

    keyer = functools.cache(partial(Keyer, catalogue, site_key))  # only if one is planned
    environment = keptfiles.environment(catalogue.config.root, site_key)
    kept = keptfiles.KeptParts(cache / PRODUCT_FILES, environment, ("outputs",))
    owned = len(owners) if owners is not None else 0
    try:
        made = _plan_or_take(catalogue, urls, cache, keyer, kept, owners)
    except _NotPlain:  # not what this module wrote: every product's files are planned
        kept.forget()
        if owners is not None:
            del owners[owned:]
        made = _plan_or_take(catalogue, urls, cache, keyer, kept, owners)
    kept.save()
    return made


class _NotPlain(Exception):
    """A kept part names a path that is not a plain relative one."""


def _plan_or_take(
    catalogue: Catalogue,
    urls: Urls,
    cache: Path,
    keyer: Callable[[], Keyer],
    kept: keptfiles.KeptParts,
    owners: list[str | None] | None,
) -> list[Output]:
    """Each product's files, planned or taken from ``kept`` (see :func:`product_files`)."""
    made: list[Output] = []
    for product in catalogue.products:
        planned: list[Output] = []
        describe = partial(_describe, catalogue, urls, product, cache, keyer, planned)
        (part,) = kept.get(product.slug, catalogue.product_token(product), describe)
        if planned or not part:
            made += planned
            if owners is not None:
                owners += [product.slug] * len(planned)
            continue
        described = part.decode("utf-8", "surrogatepass")
        # the cache folder may have been written by someone else: a path kept there is
        # deleted one day, when its product goes, so it must name nothing outside the output
        if not plain_relative_list(described):
            raise _NotPlain
        for index, text in enumerate(described.split(_END)):
            key, *paths = text.split(_SEP)
            again = (catalogue, urls, product, cache, index, tuple(paths))
            make, depends = partial(_made_again, *again), partial(_depends_again, *again)
            made.append(Output("product", tuple(paths), make, depends, key=key))
            if owners is not None:
                owners.append(product.slug)
    return made


#: How a product's files are described in its kept part: each file's key and paths
#: separated by NUL, which no path holds, and the files by two.
_SEP, _END = "\0", "\0\0"


def _describe(
    catalogue: Catalogue,
    urls: Urls,
    product: Product,
    cache: Path,
    keyer: Callable[[], Keyer],
    planned: list[Output],
) -> list[bytes]:
    """Plan ``product``'s files into ``planned``, and describe them for the next build."""
    for paths, make, depends in trace_files.product_outputs(catalogue, urls, product, cache):
        key = keyer().key(paths, keyer().shown(depends()))
        planned.append(Output("product", paths, make, depends, key=key))
    text = _END.join(_SEP.join((output.key or "", *output.paths)) for output in planned)
    return [text.encode("utf-8", "surrogatepass")]


def _planned_again(
    catalogue: Catalogue,
    urls: Urls,
    product: Product,
    cache: Path,
    index: int,
    paths: tuple[str, ...],
) -> trace_files.ProductOutput:
    """The ``index``-th file of ``product``, planned again as an earlier build planned it."""
    found = trace_files.product_outputs(catalogue, urls, product, cache)[index]
    # the record and the code are those the paths were kept with: so is the plan
    assert found[0] == paths, (found[0], paths)
    return found


def _made_again(*again: Any) -> Made:
    return _planned_again(*again)[1]()


def _depends_again(*again: Any) -> Iterable[object]:
    return _planned_again(*again)[2]()


def _search(renderer: Renderer, cache: Path | None, search_pages: Sequence[PageSpec] = ()) -> Made:
    """The search index's files, and the search pages ``search_pages`` in every language,
    each carrying its language's part of the manifest (:func:`search.page_manifest`)."""
    urls = renderer.urls
    made: dict[str, bytes | str] = {}
    made.update(
        search.index_files(
            renderer.catalogue,
            renderer.views,
            urls,
            cache and cache / search.WORDS_CACHE,
            cache and cache / codes.CODES_CACHE,
            cache and cache / search.ROWS_CACHE,
        )
    )
    manifest = made[urls.search_file(search.MANIFEST)[1]]
    assert isinstance(manifest, bytes)
    for spec in search_pages:
        for lang in renderer.views:
            named = script_json(search.page_manifest(manifest, lang))
            page = replace(spec, data=partial(_with_manifest, spec.data, named))
            made.update(_page(renderer, page, lang, urls.output_path(spec.route, lang)))
    return made


def _with_pages(renderer: Renderer, make: Callable[[], Made], specs: Sequence[PageSpec]) -> Made:
    """The files ``make`` makes, and the pages ``specs`` in every language, which show what
    those files hold: made here, they take it from what the same process worked out for
    the files (the sizes of the open data files, :func:`~ocopsite.render.opendata.data_sizes`;
    what the schedule lists, :func:`~ocopsite.render.schedule.due`)."""
    urls = renderer.urls
    made: dict[str, bytes | str] = dict(make())
    for spec in specs:
        for lang in renderer.views:
            made.update(_page(renderer, spec, lang, urls.output_path(spec.route, lang)))
    return made


def _with_manifest(data: Callable[[Any], dict[str, Any]], named: str, v: Any) -> dict[str, Any]:
    return {**data(v), "search_manifest": named}


def _feeds(renderer: Renderer, specs: Specs, cache: Path | None) -> Made:
    catalogue, urls = renderer.catalogue, renderer.urls
    kept = cache and cache / feeds.SITEMAP_CACHE
    sitemaps = (
        feeds.sitemap_files(specs(), urls, kept)
        if callable(specs)
        else feeds.sitemaps(specs, urls, kept)
    )
    made: dict[str, bytes | str] = {**sitemaps, "robots.txt": feeds.robots(urls)}
    for lang, views in renderer.views.items():
        made[urls.output_path(Route("feed"), lang)] = feeds.atom_feed(catalogue, views, urls)
    made[".well-known/gs1resolver"] = trace_files.resolver_description(catalogue, urls)
    return made


def theme_files(theme: Theme) -> dict[str, bytes]:
    """The theme's static files as served (see :func:`~ocopsite.output.scripts.served`),
    by file name."""
    bundled = any(theme.folder.parent == folder for folder in BUILTIN_THEME_DIRS)
    return (
        {
            path.name: served(
                path.name,
                sitefiles.read_bytes(path, theme.roots or theme.folder),
                bundled,
                theme.folder if bundled else None,
            )
            for path in sorted(theme.static_dir.iterdir())
            if path.is_file() and not path.name.startswith(".")
        }
        if theme.static_dir.is_dir()
        else {}
    )


def hashed_name(name: str, data: bytes) -> str:
    """``name`` with a hash of ``data`` before its extension: a new name for new bytes."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}{dot}{ext}" if dot else name


#: The kinds of page that :func:`site_files` can make with the files they show (in the
#: order it takes them): the search page, the open data page and the schedule page.
WITH_FILES = ("search", "opendata", "expiring")


#: Every page of the site, or what names the routes of those the sitemap lists (when a
#: build planned only some: see :func:`~ocopsite.render.site.listed_routes`).
Specs = Sequence[PageSpec] | Callable[[], Sequence[Route]]


def site_files(
    renderer: Renderer,
    specs: Specs,
    statics: Mapping[str, bytes],
    cache: Path | None = None,
    with_files: Sequence[PageSpec] = (),
) -> list[Output]:
    """The theme's files, and every file that shows the whole site: index, feeds, data.

    ``cache`` is the build's cache folder, where the parts of those files that an edit
    seldom changes are kept between builds (see :func:`~ocopsite.search.index.word_files`,
    :func:`~ocopsite.search.codes.code_files` and :func:`~ocopsite.render.opendata.data_files`).
    ``with_files`` are the specs of pages made with the files they show (see
    :data:`WITH_FILES`), when :func:`pages` was not given them: the search page with the
    index, whose files it names (see :func:`search.page_manifest`), the open data page with
    the data files, whose sizes it shows, and the schedule page with the schedule's files,
    which list the same (each worked out once, by the process that makes the files, rather
    than again by the one that renders the page).
    """
    catalogue, urls = renderer.catalogue, renderer.urls
    views = list(renderer.views.values())
    data_cache = cache and cache / opendata.DATA_CACHE
    search_pages, data_pages, due_pages = (
        tuple(spec for spec in with_files if spec.route.kind == kind) for kind in WITH_FILES
    )
    assert len(search_pages) + len(data_pages) + len(due_pages) == len(with_files)
    languages = len(renderer.views)
    made = [
        Output("asset", (path,), partial(dict, [(path, data)]), partial(tuple, [path]))
        for name, data in statics.items()
        for path in [urls.asset_output(renderer.assets[name])]
    ]
    made += [
        Output(
            "site",
            (),
            partial(_search, renderer, cache, search_pages),
            pages=len(search_pages) * languages,
        ),
        Output("site", (), partial(_feeds, renderer, specs, cache)),
        Output("site", (), partial(eventpages.calendar_files, catalogue, views)),
        Output(
            "site",
            (),
            partial(
                _with_pages,
                renderer,
                partial(opendata.data_files, catalogue, urls, data_cache),
                data_pages,
            ),
            pages=len(data_pages) * languages,
        ),
        Output("site", (), partial(recordschema.schema_files, catalogue.config, urls)),
        Output(
            "site",
            (),
            partial(
                _with_pages, renderer, partial(schedule.files, catalogue, views, urls), due_pages
            ),
            pages=len(due_pages) * languages,
        ),
    ]
    return made
