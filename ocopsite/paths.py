"""The fixed names of a site's files and folders, and where the built-in themes live.

Kept apart from the modules that read them so that a build with nothing to do
(see :func:`ocopsite.fingerprint.up_to_date`) can find its inputs without
loading the rest of ocopsite.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_NAME = "site_config.yaml"
#: The site's cache folder (always safe to delete).
CACHE_DIR = ".ocopsite-cache"
#: The default output folder, inside the site.
OUT_DIR = "public"
#: Themes shipped with ocopsite: next to the package in a checkout, inside it when installed.
BUILTIN_THEME_DIRS = (
    Path(__file__).parent / "themes",
    Path(__file__).parent.parent / "themes",
)
