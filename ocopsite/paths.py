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
