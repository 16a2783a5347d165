"""Fragments that many pages repeat are rendered once, with the same bytes as rendered afresh."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup
from sitekit import SAMPLE_DATE, SITES, copy_site

from ocopsite import render
from ocopsite.build import build

BUILD_DATE = dt.date.fromisoformat(SAMPLE_DATE)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_fragments_render_once_per_key_and_language_with_unchanged_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    cached = render.Renderer._fragment
    made: Counter[tuple[str, str, Hashable]] = Counter()
    asked: Counter[str] = Counter()

    def counting(self: render.Renderer, lang: str, macro: str, key: Hashable, *args: Any) -> Markup:
        asked[macro] += 1
        if (macro, key) not in self.fragments[lang]:
            made[(lang, macro, key)] += 1
        return cached(self, lang, macro, key, *args)

    monkeypatch.setattr(render.Renderer, "_fragment", counting)
    build(site, tmp_path / "cached", build_date=BUILD_DATE, jobs=1, cache_dir=tmp_path / "c1")
    assert set(made.values()) == {1}
    for macro in ("card", "producer_card", "site_search_nav", "site_footer"):
        assert asked[macro] > sum(1 for _, m, _ in made if m == macro), macro

    def afresh(self: render.Renderer, lang: str, macro: str, key: Hashable, *args: Any) -> Markup:
        module = self.envs[lang].get_template(render.FRAGMENTS).module
        return Markup(getattr(module, macro)(*args))

    monkeypatch.setattr(render.Renderer, "_fragment", afresh)
    build(site, tmp_path / "fresh", build_date=BUILD_DATE, jobs=1, cache_dir=tmp_path / "c2")
    assert _tree(tmp_path / "cached") == _tree(tmp_path / "fresh")
