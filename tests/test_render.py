"""Fragments that many pages repeat are rendered once, with the same bytes as rendered afresh."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import Counter
from collections.abc import Hashable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from markupsafe import Markup
from sitekit import SAMPLE_DATE, SITES, copy_site, strings_environment

from ocopsite.build import build
from ocopsite.render import renderer as render
from ocopsite.view import jsonld, views, viewtypes
from ocopsite.view.urls import Route

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


def test_a_product_cards_view_is_made_only_for_its_html_and_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Listings pass cards by address (CardOf): a card's view is made when its HTML is
    # rendered, once per language, and not kept beyond the few of the pages being rendered.
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    made_cards: Counter[tuple[str, str]] = Counter()
    made_views: Counter[tuple[str, str]] = Counter()
    cached, product_card = render.Renderer._fragment, views.Views._product_card
    kept = [0]  # the most card views kept at once

    def counting(self: render.Renderer, lang: str, macro: str, key: Hashable, *args: Any) -> Markup:
        if macro == "card" and (macro, key) not in self.fragments[lang]:
            made_cards[(lang, str(key))] += 1
        kept[0] = max(
            [kept[0], *(len(v.memo.get("product_card", ())) for v in self.views.values())]
        )
        return cached(self, lang, macro, key, *args)

    def viewing(self: views.Views, product: Any) -> viewtypes.ProductCard:
        made_views[(self.lang, self.href(Route("product", product.slug)))] += 1
        return product_card(self, product)

    monkeypatch.setattr(render.Renderer, "_fragment", counting)
    monkeypatch.setattr(views.Views, "_product_card", viewing)
    monkeypatch.setattr(views, "RECENT", 2)
    build(site, tmp_path / "out", build_date=BUILD_DATE, jobs=1, cache_dir=tmp_path / "c")
    assert made_views == made_cards
    assert len({key for _, key in made_cards}) > 2  # more cards than the views kept
    assert 0 < kept[0] <= 2


def test_a_product_card_asked_for_a_hidden_name_makes_no_view() -> None:
    # copy, pickle and checks such as hasattr(card, "__html__") ask a CardOf for names it
    # has not: they must not make (or, before __init__, recurse into) the card's view
    made: list[object] = []

    class Asked:
        def product_card(self, product: object) -> object:
            made.append(product)
            return SimpleNamespace(name="Miến dong")

    card = viewtypes.CardOf("/products/mien-dong/", cast(Any, "mien-dong"), cast(Any, Asked()))
    assert not hasattr(card, "__html__") and not made
    assert copy.copy(card).url == "/products/mien-dong/" and not made
    assert card.name == "Miến dong" and made == ["mien-dong"]


def test_compiled_templates_are_reused_until_their_source_changes(tmp_path: Path) -> None:
    """The preview server builds many times in one process: an edited template must show."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    override = site / "templates" / "404.html"
    build(site, tmp_path / "a", build_date=BUILD_DATE)
    assert 'class="site-override"' in (tmp_path / "a/404.html").read_text("utf-8")
    override.write_text(
        override.read_text("utf-8").replace('class="site-override"', 'class="edited"'), "utf-8"
    )
    build(site, tmp_path / "b", build_date=BUILD_DATE)
    page = (tmp_path / "b/404.html").read_text("utf-8")
    assert 'class="edited"' in page and "site-override" not in page
    # and a theme template that a site starts to override is the site's from then on
    (site / "templates" / "statistics.html").write_text(
        '{% extends "base.html" %}{% block main %}<p class="own-statistics"></p>{% endblock %}',
        "utf-8",
    )
    build(site, tmp_path / "c", build_date=BUILD_DATE)
    assert 'class="own-statistics"' in (tmp_path / "c/statistics/index.html").read_text("utf-8")


def _strings_env(strings: dict[str, str], templates: dict[str, str]) -> Any:
    return strings_environment("vi", strings, templates)


def test_ui_strings_are_compiled_in_escaped_and_per_language() -> None:
    from ocopsite.view.i18n import MissingString

    templates = {
        "page.html": "<p>{{ t('a') }}|{{ t('n', n=2) }}|{{ t('a')|upper }}</p>"
        "{% if missing %}{{ t('missing') }}{% endif %}",
        "own.html": "{% macro m(t) %}{{ t('a') }}{% endmacro %}{{ m(own) }}",
    }
    vi = _strings_env({"a": "<Sản phẩm>", "n": "{n} sao"}, templates)
    en = _strings_env({"a": "Products & more", "n": "{n} stars"}, templates)
    assert vi.get_template("page.html").render(missing=False) == (
        "<p>&lt;Sản phẩm&gt;|2 sao|&lt;SẢN PHẨM&gt;</p>"
    )
    # the same template, compiled again with another language's strings (compiled code
    # is kept for the process, by source and strings: vi's is not reused)
    assert en.get_template("page.html").render(missing=False) == (
        "<p>Products &amp; more|2 stars|PRODUCTS &amp; MORE</p>"
    )
    # a literal key is compiled in, escaped: only the call with values stays a call
    assert "Products &amp; more" in en.compile(templates["page.html"], raw=True)
    calls: list[str] = []
    vi.globals["t"] = lambda key, **values: calls.append(key) or key
    vi.get_template("page.html").render(missing=False)
    assert calls == ["n"]
    # a key that does not exist stays a call, and fails with its message when rendered
    with pytest.raises(MissingString, match="no UI string 'missing'"):
        en.get_template("page.html").render(missing=True)
    # a template that gives ``t`` its own meaning keeps it
    assert en.get_template("own.html").render(own=lambda key: f"own {key}") == "own a"


def test_templates_share_the_environments_globals_unless_given_their_own() -> None:
    env = _strings_env({"a": "A"}, {"page.html": "{{ g }}", "own.html": "{{ g }}"})
    page = env.get_template("page.html")
    # a global set after the template was loaded shows, as it does through Jinja's chain
    env.globals["g"] = "later"
    assert page.globals is env.globals and page.render() == "later"
    # a template given globals of its own keeps them to itself
    own = env.get_template("own.html", globals={"g": "own"})
    assert own.render() == "own" and env.globals["g"] == "later" and page.render() == "later"


def test_templates_write_and_call_macros_as_jinja_does() -> None:
    """The environment's faster output, macro calls and lookups: Jinja's results and errors."""
    import jinja2

    source = (
        "{% macro m(a, b=2, c='<') %}[{{ a }}|{{ b }}|{{ c }}]{% endmacro %}"
        "{% macro k() %}{{ kwargs }}{{ varargs }}{% endmacro %}"
        "{% macro w() %}<{{ caller() }}>{% endmacro %}"
        "{{ m(1) }}{{ m('&', c='\"') }}{{ m(a=3) }}{{ m(4, 5, 6) }}{{ m(x, b=y) }}"
        "{{ k(1, z=2) }}{% call w() %}{{ x }}{% endcall %}{% set s = m(x) %}{{ s }}{{ s|length }}"
        "{% for i in n %}{{ m(i, b=loop.index) }}{% endfor %}"
        "{{ d.a }}{{ d.items is defined }}{{ d.nope is defined }}{{ h }}{{ 5 }}{{ mk }}{{ none }}"
    )
    values = {
        "x": "<b>'",
        "y": Markup("<i>"),
        "n": ["&", 7],
        "d": {"a": "<a>", "items": 1},
        "h": Markup("<em>&</em>"),
        "mk": jinja2.Undefined,
        "none": None,
    }
    ours = _strings_env({}, {"p.html": source}).get_template("p.html")
    jinjas = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    assert ours.render(values) == jinjas.from_string(source).render(values)
    for wrong in ("{{ m(1, 2, 3, 4) }}", "{{ m(1, z=1) }}", "{{ m(1, a=1) }}", "{{ m(b=1) }}"):
        template = "{% macro m(a, b=2, c=3) %}{{ a }}{% endmacro %}" + wrong
        with pytest.raises((TypeError, jinja2.UndefinedError)) as expected:
            jinjas.from_string(template).render()
        with pytest.raises(expected.type, match=re.escape(str(expected.value))):
            _strings_env({}, {"w.html": template}).get_template("w.html").render()


def test_a_lots_jsonld_is_its_products_with_the_production_date() -> None:
    product = {
        "@context": "https://schema.org",
        "name": 'Trà <b> & "co"',
        "hasCertification": [{"@type": "Certification", "url": "https://x.org/?a=1&b=2"}],
        "image": ["https://example.org/media/a.jpg"],
        "url": 'https://example.org/products/,"url":/',
        "gtin14": "08930000000012",
    }
    lot: Any = SimpleNamespace(produced=dt.date(2025, 10, 15))
    spliced = jsonld.of_lot(jsonld.script_json(product), lot)
    assert isinstance(spliced, Markup)
    assert spliced == jsonld.script_json({**product, "productionDate": "2025-10-15"})
