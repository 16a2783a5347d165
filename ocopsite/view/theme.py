"""Finding a theme and setting up its Jinja2 environment.

Templates are looked up in the site's own ``templates/`` folder first, then in
the theme, so a site overrides a single template without copying the theme.
The environment escapes everything and makes an undefined variable an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ocopsite import sitefiles
from ocopsite.diagnostics import Diagnostics
from ocopsite.load.config import CONFIG_NAME, SiteConfig
from ocopsite.paths import BUILTIN_THEME_DIRS

if TYPE_CHECKING:
    from ocopsite.view.themeloader import StringsEnvironment


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

    @property
    def minified_dir(self) -> Path:
        """Where a bundled theme ships its scripts minified (see ocopsite.output.scripts)."""
        return self.folder / "minified"

    def fingerprint(self) -> str:
        """A hash of every file that styles the output, for caches to notice a changed theme:
        its templates, static files and strings, and the scripts it ships minified."""
        digest = hashlib.sha256()
        for folder in (*self.template_dirs, self.static_dir, self.strings_dir, self.minified_dir):
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


def environment(theme: Theme, strings: Mapping[str, str] | None = None) -> StringsEnvironment:
    """The Jinja environment of ``theme``'s templates.

    Templates are read once: an environment lives for one build, so it never
    checks the files again (a check costs a ``stat`` per page and template).
    ``t('key')`` for a key in ``strings`` (one language's UI strings) is compiled as
    that key's text (:func:`~ocopsite.view.themeloader.inline_strings`).
    """
    import jinja2  # here, so that a build with nothing to do never loads it

    from ocopsite.view.themeloader import (
        CompiledTemplates,
        ContainedLoader,
        StringsEnvironment,
        strings_salt,
    )

    strings = strings or {}
    return StringsEnvironment(
        strings,
        auto_reload=False,
        loader=ContainedLoader(theme.template_dirs, theme.roots or (theme.folder,)),
        bytecode_cache=CompiledTemplates(strings_salt(strings)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
