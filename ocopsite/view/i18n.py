"""UI strings of a theme, one YAML file per language, complete or reported.

A string missing from any language is an error at load time, and asking a
template for a key that does not exist is an error at render time: a page
never shows a blank where a word should be.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocopsite import sitefiles
from ocopsite.diagnostics import Diagnostics
from ocopsite.load.source import LineDict, load_yaml


class MissingString(LookupError):
    """A template asked for a UI string that the theme does not define."""


@dataclass(frozen=True)
class Strings:
    lang: str
    table: dict[str, str]

    def __call__(self, key: str, **values: Any) -> str:
        """The UI string ``key``, with ``{name}`` placeholders filled from ``values``."""
        try:
            template = self.table[key]
        except KeyError:
            raise MissingString(f"no UI string '{key}' for language '{self.lang}'") from None
        return template.format(**values) if values else template


def load_strings(
    folder: Path, languages: tuple[str, ...], diagnostics: Diagnostics
) -> dict[str, Strings] | None:
    """Load ``<folder>/<lang>.yaml`` for every language and check they define the same keys.

    The union of all keys is the reference, so a key added to one language only
    is reported against each language that lacks it.
    """
    tables: dict[str, LineDict] = {}
    for lang in languages:
        path = folder / f"{lang}.yaml"
        if not sitefiles.present(path):
            diagnostics.error(
                diagnostics.where(path),
                f"the theme has no UI strings for language '{lang}'",
                f"copy another language's file to {lang}.yaml and translate it",
            )
            continue
        raw = load_yaml(path, diagnostics)
        if raw is None:
            continue
        if not isinstance(raw, LineDict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
        ):
            diagnostics.error(diagnostics.where(path), "expected 'key: text' pairs only")
            continue
        tables[lang] = raw
    all_keys = sorted({key for table in tables.values() for key in table})
    for lang, table in tables.items():
        path = folder / f"{lang}.yaml"
        for key in all_keys:
            if key not in table:
                other = next(code for code, t in tables.items() if key in t)
                diagnostics.error(
                    diagnostics.where(path, table.line),
                    f"missing UI string '{key}' (defined in {other}.yaml)",
                    "every language of the theme must define every string",
                )
    if len(tables) != len(languages) or diagnostics.errors:
        return None
    return {lang: Strings(lang, dict(table)) for lang, table in tables.items()}
