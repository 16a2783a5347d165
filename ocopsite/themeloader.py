"""Jinja2's template lookup, with every template read through the site's one gate.

Kept apart from :mod:`ocopsite.theme` so that a build with nothing to do never
imports Jinja2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import ClassVar

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


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process, by name and source checksum.

    Compiling the theme costs more than rendering a small catalogue, and the preview
    server (and a test run) builds many times in one process. Jinja's buckets carry a
    checksum of the source, so an edited template is compiled again. Only code compiled
    in this process is reused: code is never loaded from disk, where a hostile site
    folder could plant it. Every environment of :func:`ocopsite.theme.environment` has
    the same options, which is what makes the compiled code of one valid for another.
    """

    _compiled: ClassVar[dict[str, tuple[str, CodeType]]] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = self._compiled.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.code is not None:
            self._compiled[bucket.key] = (bucket.checksum, bucket.code)
