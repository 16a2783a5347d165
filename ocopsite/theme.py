"""Finding a theme and setting up its Jinja2 environment.

Templates are looked up in the site's own ``templates/`` folder first, then in
the theme, so a site overrides a single template without copying the theme.
The environment escapes everything and makes an undefined variable an error.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path

from . import sitefiles
from .config import CONFIG_NAME, SiteConfig
from .diagnostics import Diagnostics

#: Themes shipped with ocopsite: next to the package in a checkout, inside it when installed.
BUILTIN_THEME_DIRS = (
    Path(__file__).parent / "themes",
    Path(__file__).parent.parent / "themes",
)


@dataclass(frozen=True)
class Theme:
    name: str
    folder: Path
    template_dirs: tuple[Path, ...]  # searched in order
    #: Where its files may really be (symbolic links followed): the site and the theme.
    roots: tuple[Path, ...] = ()

    @property
    def static_dir(self) -> Path:
        return self.folder / "static"

    @property
    def strings_dir(self) -> Path:
        return self.folder / "i18n"

    def fingerprint(self) -> str:
        """A hash of every file that styles the output, for caches to notice a changed theme."""
        digest = hashlib.sha256()
        for folder in (*self.template_dirs, self.static_dir, self.strings_dir):
            for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
                if path.is_file() or path.is_symlink():
                    digest.update(path.as_posix().encode())
                    try:
                        digest.update(sitefiles.read_bytes(path, self.roots or self.folder))
                    except (sitefiles.Refused, OSError):
                        digest.update(b"\0refused")  # the build reports it
        return digest.hexdigest()


def find_theme(config: SiteConfig, diagnostics: Diagnostics) -> Theme | None:
    """The theme named in the config: ``<site>/themes/<name>`` first, then a built-in one."""
    candidates = [
        config.root / "themes" / config.theme,
        *(d / config.theme for d in BUILTIN_THEME_DIRS),
    ]
    folder = next((c for c in candidates if (c / "templates").is_dir()), None)
    if folder is None:
        diagnostics.error(
            diagnostics.where(config.root / CONFIG_NAME),
            f"theme '{config.theme}' not found",
            f"looked in {', '.join(str(c) for c in candidates)}",
        )
        return None
    site_templates = config.root / "templates"
    dirs = (
        (site_templates, folder / "templates")
        if site_templates.is_dir() or site_templates.is_symlink()
        else (folder / "templates",)
    )
    theme = Theme(config.theme, folder, dirs, (config.root, folder))
    refused = [
        problem
        for top in (*dirs, theme.static_dir, theme.strings_dir)
        if sitefiles.present(top)
        for problem in _refused_under(top, theme.roots)
    ]
    for problem in refused:
        diagnostics.error(diagnostics.where(problem.path), problem.message, problem.hint)
    return None if refused else theme


def _refused_under(top: Path, roots: tuple[Path, ...]) -> list[sitefiles.Refused]:
    """``top`` itself if it is refused, else every link under it that is refused."""
    try:
        sitefiles.real_path(top, roots)
    except sitefiles.Refused as refused:
        return [refused]
    return sitefiles.refused_in(top, roots)


class TemplateRefused(jinja2.TemplateError):
    """A template file that :mod:`ocopsite.sitefiles` refuses to read."""


class _ContainedLoader(jinja2.BaseLoader):
    """Jinja2's file system lookup, with every template read through the site's one gate."""

    def __init__(self, folders: tuple[Path, ...], roots: tuple[Path, ...]) -> None:
        self.folders = folders
        self.roots = roots

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.folders:
            path = folder.joinpath(*pieces)
            if not sitefiles.present(path):
                continue
            try:
                real = sitefiles.real_path(path, self.roots)
                source = real.read_text("utf-8")
            except sitefiles.Refused as refused:
                raise TemplateRefused(f"{template} {refused.message}") from None
            mtime = real.stat().st_mtime
            return source, str(path), functools.partial(_unchanged, real, mtime)
        raise jinja2.TemplateNotFound(template)


def _unchanged(path: Path, mtime: float) -> bool:
    try:
        return path.stat().st_mtime == mtime
    except OSError:
        return False


def environment(theme: Theme) -> jinja2.Environment:
    return jinja2.Environment(
        loader=_ContainedLoader(theme.template_dirs, theme.roots or (theme.folder,)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
