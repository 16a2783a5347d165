"""What the plan stage works out once and shares: facets and the ranking of listings."""

from __future__ import annotations

import dataclasses

from ocopsite.diagnostics import Diagnostics
from ocopsite.load.catalogue import Catalogue
from ocopsite.paths import bundled_theme
from ocopsite.render import site
from ocopsite.view import facets
from ocopsite.view.i18n import load_strings
from ocopsite.view.markup import render_markdown
from ocopsite.view.urls import Urls
from ocopsite.view.views import Views


def _views(catalogue: Catalogue) -> list[Views]:
    config = catalogue.config
    folder = bundled_theme(config.theme)
    strings = load_strings(folder / "i18n", config.languages, Diagnostics())
    assert strings is not None
    urls = Urls(config.base_url, config.languages)
    return [Views(catalogue, urls, strings[lang], {}, render_markdown) for lang in strings]


def test_facets_are_worked_out_once_per_product_of_a_catalogue(
    sample_catalogue: Catalogue,
) -> None:
    product = sample_catalogue.products[0]
    first = facets.product_facets(sample_catalogue, product)
    assert facets.product_facets(sample_catalogue, product) is first
    assert first == facets._product_facets(sample_catalogue, product)
    # another catalogue (a rebuild) works them out again, from its own records
    other = dataclasses.replace(sample_catalogue)
    again = facets.product_facets(other, product)
    assert again == first and again is not first


def test_a_listing_is_ranked_as_by_its_key_in_any_order_and_with_ties(
    sample_catalogue: Catalogue,
) -> None:
    products = sample_catalogue.products
    twin = dataclasses.replace(products[0], slug="zz-twin")  # ties with products[0]
    for v in _views(sample_catalogue):

        def key(p: object, v: Views = v) -> tuple[int, int, str]:
            return site._rank_key(v, p)  # type: ignore[arg-type]

        assert site.ranked(products, v) == sorted(products, key=key)
        backwards = tuple(reversed(products))
        assert site.ranked(backwards, v) == sorted(backwards, key=key)
        # not one of the catalogue's products: ranked on its own key, ties kept in order
        mixed = (twin, *products)
        assert site.ranked(mixed, v) == sorted(mixed, key=key)
        assert site.ranked(mixed, v).index(twin) < site.ranked(mixed, v).index(products[0])


def test_what_only_a_records_own_pages_show_is_kept_for_recent_records_only(
    sample_catalogue: Catalogue,
) -> None:
    from ocopsite.view import views as view_module

    v = _views(sample_catalogue)[0]
    product = sample_catalogue.products[0]
    first = v.channels(product)
    assert v.channels(product) is first  # asked for again by the same page: made once
    made: list[int] = []
    for number in range(view_module.RECENT * 3):
        v.recent("test", number, lambda number=number: made.append(number) or number)
    assert made == list(range(view_module.RECENT * 3))
    assert len(v.memo["test"]) <= view_module.RECENT  # a worker's memory stays bounded
    assert v.recent("test", made[-1], lambda: -1) == made[-1]


def test_views_made_fast_are_the_dataclasses_they_were() -> None:
    import pytest

    from ocopsite.view.viewtypes import fast_init

    @dataclasses.dataclass(frozen=True)
    class Plain:
        name: str
        count: int = 2

    made = fast_init(dataclasses.dataclass(frozen=True)(type("Made", (), {
        "__annotations__": {"name": "str", "count": "int"}, "count": 2})))  # fmt: skip
    assert made("a").__dict__ == Plain("a").__dict__ == {"name": "a", "count": 2}
    assert made("a", 3) == made(name="a", count=3) and hash(made("a")) == hash(made("a"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made("a").name = "b"  # type: ignore[misc]

    @dataclasses.dataclass(frozen=True)
    class Checked:
        name: str

        def __post_init__(self) -> None:
            assert self.name

    with pytest.raises(TypeError, match="__post_init__"):
        fast_init(Checked)
