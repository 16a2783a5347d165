"""The fixed names of a site's files and folders, and where the built-in themes live.

Kept apart from the modules that read them so that a build with nothing to do
(see :func:`ocopsite.load.fingerprint.up_to_date`) can find its inputs without
loading the rest of ocopsite.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_NAME = "site_config.yaml"
#: The site's cache folder (always safe to delete).
CACHE_DIR = ".ocopsite-cache"
#: The default output folder, inside the site.
OUT_DIR = "public"
#: The ``ocopsite`` package: its code, and the data it ships in ``data/``.
PACKAGE_DIR = Path(__file__).parent
DATA_DIR = PACKAGE_DIR / "data"
#: Themes shipped with ocopsite: next to the package in a checkout, inside it when installed.
BUILTIN_THEME_DIRS = (
    PACKAGE_DIR / "themes",
    PACKAGE_DIR.parent / "themes",
)


def bundled_theme(name: str = "default") -> Path:
    """The folder of the theme ``name`` shipped with ocopsite (see :data:`BUILTIN_THEME_DIRS`);
    where it would be installed if there is none."""
    found = (folder / name for folder in BUILTIN_THEME_DIRS if (folder / name).is_dir())
    return next(found, BUILTIN_THEME_DIRS[0] / name)
