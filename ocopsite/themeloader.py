"""Jinja2's template lookup, with every template read through the site's one gate.

Kept apart from :mod:`ocopsite.theme` so that a build with nothing to do never
imports Jinja2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path

from . import sitefiles


class TemplateRefused(jinja2.TemplateError):
    """A template file that :mod:`ocopsite.sitefiles` refuses to read."""


class ContainedLoader(jinja2.BaseLoader):
    """Looks a template up in ``folders`` in order; reads it only if it lies in ``roots``."""

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
                source = sitefiles.read_bytes(path, self.roots).decode("utf-8")
            except sitefiles.Refused as refused:
                raise TemplateRefused(f"{template} {refused.message}") from None
            # Environments do not reload templates (auto_reload is off): always up to date.
            return source, str(path), lambda: True
        raise jinja2.TemplateNotFound(template)
