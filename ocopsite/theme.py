"""Finding a theme and setting up its Jinja2 environment.

Templates are looked up in the site's own ``templates/`` folder first, then in
the theme, so a site overrides a single template without copying the theme.
The environment escapes everything and makes an undefined variable an error.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import CONFIG_NAME, SiteConfig
from .diagnostics import Diagnostics
from .paths import BUILTIN_THEME_DIRS

if TYPE_CHECKING:
    import jinja2


@dataclass(frozen=True)
class Theme:
    name: str
    folder: Path
    template_dirs: tuple[Path, ...]  # searched in order

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
                if path.is_file():
                    digest.update(path.as_posix().encode())
                    digest.update(path.read_bytes())
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
        if site_templates.is_dir()
        else (folder / "templates",)
    )
    return Theme(config.theme, folder, dirs)


def environment(theme: Theme) -> jinja2.Environment:
    """The Jinja environment of ``theme``'s templates.

    Templates are read once: an environment lives for one build, so it never
    checks the files again (a check costs a ``stat`` per page and template).
    """
    import jinja2  # here, so that a build with nothing to do never loads it

    return jinja2.Environment(
        auto_reload=False,
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(d) for d in theme.template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
