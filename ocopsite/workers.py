"""The work of the render and assets stages, in chunks that can run on any core.

Each function takes the stage's shared state (reaching workers through fork,
see :mod:`ocopsite.parallel`) and a chunk of items, writes its output files
under the staging folder, and returns only counts and problems.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from PIL import Image

from . import images, trace
from .catalogue import Catalogue
from .i18n import MissingString
from .model import BundleFile
from .pages import PageSpec
from .render import Renderer
from .theme import Theme
from .urls import Urls

#: A problem found in a worker: (path, line, message, hint).
Problem = tuple[str, int | None, str, str | None]


def write(root: Path, rel: str, data: bytes | str) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        target.write_text(data, encoding="utf-8", newline="\n")
    else:
        target.write_bytes(data)


@dataclass(frozen=True)
class RenderWork:
    renderer: Renderer
    specs: Sequence[PageSpec]
    theme: Theme
    root: Path | None  # the staging folder; None renders in memory only (check)


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


def render_chunk(work: RenderWork, indices: Sequence[int]) -> tuple[int, list[Problem]]:
    """Render the specs at ``indices`` in every language; (pages written, problems)."""
    renderer = work.renderer
    languages = renderer.catalogue.config.languages
    pages, problems = 0, []
    for index in indices:
        spec = work.specs[index]
        for lang in languages:
            try:
                html = renderer.render(spec, lang)
            except (jinja2.TemplateError, MissingString) as exc:
                problems.append(template_problem(exc, work.theme))
                continue
            if work.root is not None:
                write(work.root, renderer.urls.output_path(spec.route, lang), html)
            pages += 1
    return pages, problems


@dataclass(frozen=True)
class AssetWork:
    catalogue: Catalogue
    urls: Urls
    photos: dict[str, BundleFile]
    renditions: dict[str, images.Rendition]
    root: Path
    cache_dir: Path


def image_chunk(work: AssetWork, keys: Sequence[str]) -> tuple[int, list[Problem]]:
    """Encode the photos at ``keys`` (their source paths); (files written, problems)."""
    media = work.root / "media"
    files, problems = 0, list[Problem]()
    for key in keys:
        rendition = work.renditions[key]
        try:
            images.write(work.photos[key], rendition, media, work.cache_dir / "images")
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            problems.append((key, None, f"image cannot be decoded: {exc}", None))
            continue
        files += len(rendition.webp) + len(rendition.jpeg)
    return files, problems


def trace_chunk(work: AssetWork, indices: Sequence[int]) -> int:
    """QR codes, label sheets, lab documents and linksets of the products at ``indices``.

    Returns the number of files written.
    """
    files = 0
    for index in indices:
        product = work.catalogue.products[index]
        outputs = trace.product_outputs(work.catalogue, work.urls, product, work.cache_dir)
        for rel, make in outputs:
            write(work.root, rel, make())
            files += 1
    return files
