"""English pages in English: units from the registry, Vietnamese-only values marked and counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BuiltSite

from ocopsite.commands.cli import main
from ocopsite.model.vietnamese import looks_vietnamese, quantity_in_english, unit_in_english


@pytest.mark.parametrize(
    ("written", "english"),
    [
        ("2 000 gói 500 g", "2,000 packs of 500 g"),
        ("800 chai", "800 bottles"),
        ("1 hộp quà", "1 gift box"),
        ("12,5 kg", "12.5 kg"),
        ("5.000 hũ 200 g", "5,000 jars of 200 g"),
        ("vài gói", None),
        ("800 ống", None),
    ],
)
def test_quantities_are_read_with_the_units_registry(written: str, english: str | None) -> None:
    assert quantity_in_english(written) == english


def test_units_of_sale_are_translated() -> None:
    assert unit_in_english("gói 500 g") == "500 g pack"
    assert unit_in_english("chiếc") == "piece"
    assert unit_in_english("khách/đêm") is None


def test_vietnamese_letters_are_recognised() -> None:
    assert looks_vietnamese("Hợp tác xã Tài Hoan")
    assert looks_vietnamese("Đông")
    assert not looks_vietnamese("Tai Hoan Cooperative")
    assert not looks_vietnamese("Zürich Straße")  # ü and ß are not Vietnamese letters


def test_check_warns_per_vietnamese_only_field(fresh_bilingual: Path) -> None:
    loose = CliRunner().invoke(main, ["check", "--site", str(fresh_bilingual)])
    assert loose.exit_code == 0
    assert (
        "content/producers/htx-tai-hoan/producer.yaml:1: warning: name: 'Hợp tác xã Tài Hoan' "
        "is in Vietnamese only; English pages show it marked as Vietnamese"
    ) in loose.stderr
    # a quantity whose unit is in the registry needs no English text
    assert "quantity" not in loose.stderr
    strict = CliRunner().invoke(main, ["check", "--strict", "--site", str(fresh_bilingual)])
    assert strict.exit_code == 1


def test_english_pages_mark_vietnamese_values_and_say_so(bilingual_site: BuiltSite) -> None:
    html = bilingual_site.page("en/products/mien-dong/")
    assert (
        '<span lang="vi">Hợp tác xã Tài Hoan</span> <small class="in-lang">(in Vietnamese)</small>'
    ) in html
    assert '<span lang="vi">Xã Côn Minh</span>' in html  # a place name: marked, not noted
    vietnamese = bilingual_site.page("products/mien-dong/")
    assert 'lang="vi"' not in vietnamese.split("<body>", 1)[1]
    assert "in-lang" not in vietnamese


def test_lot_quantity_is_in_english(bilingual_site: BuiltSite) -> None:
    assert "2,000 packs of 500 g" in bilingual_site.page("en/01/09520000001018/10/TH2510A/")
    assert "2 000 gói 500 g" in bilingual_site.page("01/09520000001018/10/TH2510A/")
