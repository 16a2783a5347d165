"""Rating histories: the state on any day (Python and the page's script), the granting
rules at each boundary, the issuing authority, and the verdict of a scanned page in
Chromium with the reader's clock set before and after every boundary."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BuiltSite, _build
from sitekit import ROOT, SITES, serve_folder

from ocopsite.model import Producer, Rating, RatingEvent, districts, ratings

CASES = yaml.safe_load((ROOT / "tests" / "rating_cases.yaml").read_text("utf-8"))
_KINDS = {"s": "suspended", "r": "reinstated", "x": "revoked"}


def _rating(history: list[list[Any]]) -> Rating:
    """The model of a compact history, so that Python is tested on its own objects."""
    events = []
    for code, day, *rest in history:
        if code == "g":
            kind = "granted" if not events else "rerated"
            events.append(RatingEvent(kind, day, "1/QĐ", 4, "province", rest[0]))
        else:
            events.append(RatingEvent(_KINDS[code], day, "2/QĐ"))
    return Rating(tuple(events))


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def _js_cases() -> list[dict[str, Any]]:
    return [
        {
            "v": {
                "h": [[str(code), *map(_iso, rest)] for code, *rest in case["history"]],
                "r": _iso(case.get("recalled")),
                "b": _iso(case.get("best_before")),
            },
            "verdicts": {_iso(day): key for day, key in case["verdicts"].items()},
        }
        for case in CASES
    ]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_verdict_cases_in_python(case: dict[str, Any]) -> None:
    rating = _rating(case["history"])
    assert ratings.compact(rating) == _js_cases()[CASES.index(case)]["v"]["h"]
    for day, key in case["verdicts"].items():
        got = ratings.verdict_key(rating, day, case.get("recalled"), case.get("best_before"))
        assert got == key, f"{case['name']} on {day}"
        # the page prepares a sentence for every verdict it can reach
        days = ratings.verdict_days(rating, dt.date(2026, 11, 22), None, None)
        keys = {ratings.verdict_key(rating, d, None, None) for d in days}
        plain = ratings.verdict_key(rating, day, None, None)
        assert plain in keys


@pytest.fixture(scope="module")
def history_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return _build(SITES / "history", tmp_path_factory.mktemp("history"))


@pytest.fixture(scope="module")
def served(history_site: BuiltSite) -> Iterator[str]:
    with serve_folder(history_site.out) as url:
        yield url


@pytest.mark.browser
def test_verdict_cases_in_javascript(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(served)
    got = page.evaluate(
        "cases => cases.map(c => Object.keys(c.verdicts).map(d => OcopRating.verdict(c.v, d)))",
        _js_cases(),
    )
    assert got == [list(case["verdicts"].values()) for case in _js_cases()]
    page.close()


# --- granting rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "stars", "allowed"),
    [
        ("2019-06-06", 4, None),  # before Decision 1048: no rating at all
        ("2019-06-07", 3, "province"),
        ("2023-02-23", 3, "province"),  # last day of 1048
        ("2023-02-24", 3, "district"),  # first day of 148
        ("2023-02-24", 4, "province"),
        ("2025-06-30", 3, "district"),  # last day of districts
        ("2025-07-01", 3, "province"),  # two-level government, Decision 1489
        ("2025-07-01", 4, "province"),
        ("2019-06-07", 5, "national"),
        ("2025-07-01", 5, "national"),
    ],
)
def test_granting_rules_at_each_boundary(day: str, stars: int, allowed: str | None) -> None:
    date = dt.date.fromisoformat(day)
    for level in ("district", "province", "national"):
        problem = ratings.grant_problem(stars, level, date)
        assert (problem is None) is (level == allowed), (day, stars, level, problem)
        if problem is not None and allowed is not None:
            period = ratings.period_on(date)
            assert period is not None and period.decision in problem[1]


def test_certificate_lasts_at_most_36_months() -> None:
    assert ratings.latest_expiry(dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)
    assert ratings.latest_expiry(dt.date(2023, 12, 20)) == dt.date(2026, 12, 20)


# --- the issuing authority ---------------------------------------------------------------


def _producer(province: str, former: str | None) -> Producer:
    from ocopsite.model import Body

    return Producer("p", Path("."), None, "cooperative", province, "x", Body(()), None, former)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("level", "day", "province", "former", "expected"),
    [
        ("province", "2024-06-12", "thai-nguyen", "Xã Khang Ninh, huyện Ba Bể, tỉnh Bắc Kạn",
         "UBND tỉnh Bắc Kạn"),
        ("province", "2025-09-30", "thai-nguyen", "Xã Khang Ninh, huyện Ba Bể, tỉnh Bắc Kạn",
         "UBND tỉnh Thái Nguyên"),
        ("province", "2024-01-20", "thai-nguyen", None, "UBND tỉnh Thái Nguyên"),
        ("province", "2024-06-28", "ha-noi", None, "UBND thành phố Hà Nội"),
        ("province", "2024-12-31", "hue", None, "UBND tỉnh Thừa Thiên Huế"),
        ("province", "2025-01-01", "hue", None, "UBND thành phố Huế"),
        ("province", "2025-03-18", "dong-nai",
         "Phường Tân Phú, thành phố Đồng Xoài, tỉnh Bình Phước", "UBND tỉnh Bình Phước"),
        # the former province written with any dash, spaced or not (the list writes "–")
        ("province", "2024-09-10", "ho-chi-minh", "huyện Châu Đức, tỉnh Bà Rịa - Vũng Tàu",
         "UBND tỉnh Bà Rịa–Vũng Tàu"),
        ("province", "2024-09-10", "ho-chi-minh", "Xã Suối Nghệ, huyện Châu Đức, Bà Rịa-Vũng Tàu",
         "UBND tỉnh Bà Rịa–Vũng Tàu"),
        ("province", "2024-09-10", "ho-chi-minh", "huyện Châu Đức, tỉnh Bà Rịa – Vũng Tàu",
         "UBND tỉnh Bà Rịa–Vũng Tàu"),
        ("province", "2025-08-01", "ho-chi-minh", None, "UBND Thành phố Hồ Chí Minh"),
        ("district", "2023-11-02", "quang-ngai", "Xã Nghĩa Kỳ, huyện Tư Nghĩa, tỉnh Quảng Ngãi",
         "UBND huyện Tư Nghĩa"),
        ("district", "2024-03-01", "quang-ngai", None, None),
        ("national", "2025-02-28", "thai-nguyen", None, "Bộ Nông nghiệp và Phát triển nông thôn"),
        ("national", "2025-03-01", "thai-nguyen", None, "Bộ Nông nghiệp và Môi trường"),
    ],
)  # fmt: skip
def test_issuing_authority(
    level: str, day: str, province: str, former: str | None, expected: str | None
) -> None:
    event = RatingEvent("granted", dt.date.fromisoformat(day), "1", 4, level, None)
    assert ratings.authority(event, level, _producer(province, former)) == expected
    named = RatingEvent("granted", event.date, "1", 4, level, None, "UBND huyện Ba Bể")
    assert ratings.authority(named, level, _producer(province, former)) == "UBND huyện Ba Bể"


@pytest.mark.parametrize(
    ("name", "english"),
    [
        ("UBND tỉnh Bắc Kạn", "Bac Kan Provincial People's Committee"),
        ("UBND tỉnh Bà Rịa–Vũng Tàu", "Ba Ria–Vung Tau Provincial People's Committee"),
        ("UBND tỉnh Thừa Thiên Huế", "Thua Thien Hue Provincial People's Committee"),
        ("UBND thành phố Huế", "Hue City People's Committee"),
        ("UBND Thành phố Hồ Chí Minh", "Ho Chi Minh City People's Committee"),
        ("UBND huyện Na Rì", "Na Rì District People's Committee"),
        ("UBND thị xã Sơn Tây", "Sơn Tây Town People's Committee"),
        # a city under a province: its own committee, not the province's
        ("UBND thành phố Bắc Kạn", "Bắc Kạn City People's Committee"),
        ("UBND thành phố Móng Cái", "Móng Cái City People's Committee"),
        ("Bộ Nông nghiệp và Môi trường", "Ministry of Agriculture and Environment"),
        ("Sở Nông nghiệp tỉnh X", None),  # written freely in a record: shown as written
        ("UBND tỉnh Atlantis", None),
    ],
)
def test_bodies_named_in_english(name: str, english: str | None) -> None:
    assert ratings.body_in_english(name) == english


def test_sample_history_and_jsonld(sample_site: BuiltSite) -> None:
    html = sample_site.page("en/products/mien-dong-tai-hoan/")
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html).group(1))  # type: ignore[union-attr]
    ocop = data["hasCertification"][0]
    assert ocop["issuedBy"]["name"] == "Bộ Nông nghiệp và Phát triển nông thôn"
    history = html[html.index('<ol class="timeline history">') :]
    assert history.index("Rated 4 stars") < history.index("5-star potential")
    assert history.index("5-star potential") < history.index("Upgraded to 5 stars")
    # the 2021 grant, before Bắc Kạn joined Thái Nguyên, named in English on English pages
    assert "Bac Kan Provincial People&#39;s Committee" in history
    assert "Ministry of Agriculture and Rural Development (National level)" in html
    assert "UBND tỉnh Bắc Kạn" in sample_site.page("products/mien-dong-tai-hoan/")
    revoked = sample_site.page("products/mang-kho-ba-be/")
    history = revoked[revoked.index('<ol class="timeline history">') :]
    # granted by the district in 2023; revoked in 2026, when districts were no more
    granted, _, later = history.partition("Thu hồi")
    assert "UBND huyện Ba Bể" in granted and "UBND tỉnh Thái Nguyên" in later
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', revoked).group(1))  # type: ignore[union-attr]
    assert "award" not in data
    assert data["hasCertification"][0]["certificationStatus"].endswith("CertificationInactive")


# --- the verdict in Chromium, the reader's clock set around each boundary ---------------

TEA_LOT = "01/09520000002015/10/T2410/"  # suspended 2025-01-10, reinstated 2025-04-01,
# rating until 2027-03-01, lot best before 2026-12-31
TEA = "01/09520000002015/"
RECALLED_LOT = "01/09520000002015/10/T2411/"  # recalled 2026-06-01
SHOOTS_LOT = "en/01/09520000002022/10/M2509/"  # revoked 2026-10-01, best before 2027-06-30


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "day", "state", "words"),
    [
        (TEA_LOT, "2025-01-09", "valid", "còn hiệu lực đến ngày 01/03/2027"),
        (TEA_LOT, "2025-01-10", "suspended",
         "Quyết định 77/QĐ-UBND, 10/01/2025, UBND tỉnh Quảng Ninh"),
        (TEA_LOT, "2025-03-31", "suspended", "Thiếu hồ sơ truy xuất nguồn gốc."),
        (TEA_LOT, "2025-04-01", "valid", "còn hiệu lực đến ngày 01/03/2027"),
        (TEA_LOT, "2026-12-31", "valid", "còn hiệu lực"),
        (TEA_LOT, "2027-01-01", "lot_expired", "Lô T2410 đã quá hạn sử dụng (31/12/2026)"),
        (TEA_LOT, "2027-03-02", "lot_expired", "quá hạn sử dụng"),
        (TEA, "2027-03-01", "valid", "còn hiệu lực đến ngày 01/03/2027"),
        (TEA, "2027-03-02", "expired", "đã hết hạn ngày 01/03/2027"),
        (RECALLED_LOT, "2026-05-31", "valid", "còn hiệu lực"),
        (RECALLED_LOT, "2026-06-01", "recalled", "Lô T2411 đã bị thu hồi từ ngày 01/06/2026"),
        (RECALLED_LOT, "2027-02-01", "recalled", "Nhiễm nấm mốc."),
        (SHOOTS_LOT, "2026-09-30", "valid", "rating valid until 1 Aug 2028"),
        (SHOOTS_LOT, "2026-10-01", "revoked", "Decision 1550/QĐ-UBND, 1 Oct 2026"),
        (SHOOTS_LOT, "2027-07-01", "lot_expired", "past its best-before date (30 Jun 2027)"),
    ],
)  # fmt: skip
def test_verdict_on_the_readers_day(  # type: ignore[no-untyped-def]
    browser, served: str, path: str, day: str, state: str, words: str
) -> None:
    locale = "en-GB" if path.startswith("en/") else "vi-VN"
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale)
    page = context.new_page()
    page.clock.set_fixed_time(dt.datetime.fromisoformat(day + "T09:00"))
    page.goto(served + path)
    verdict = page.locator(".verdict")
    assert verdict.count() == 1
    assert verdict.get_attribute("class") == f"verdict verdict-{state}"
    assert words in verdict.inner_text()
    assert (verdict.get_attribute("role") == "alert") is (state != "valid")
    if state != "valid":  # nothing below a bad verdict says "valid" in green
        greens = page.locator(".verdict ~ * .st-valid")
        for n in range(greens.count()):
            color = greens.nth(n).evaluate("el => getComputedStyle(el).color")
            assert color != "rgb(11, 110, 79)"
    context.close()


@pytest.mark.browser
def test_every_card_is_rechecked(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.clock.set_fixed_time(dt.datetime(2027, 3, 2, 9, 0))
    page.goto(served + "products/")
    tea = page.locator(".card", has_text="Trà Yên Tử").locator(".st")
    assert tea.is_visible() and tea.inner_text() == "Đã hết hạn"  # valid at build: re-checked
    page.clock.set_fixed_time(dt.datetime(2026, 11, 23, 9, 0))
    page.reload()
    assert not page.locator(".card", has_text="Trà Yên Tử").locator(".st").is_visible()
    shoots = page.locator(".card", has_text="Măng le").locator(".st")
    assert shoots.inner_text() == "Đã bị thu hồi"
    context.close()


@pytest.mark.browser
def test_search_results_are_rechecked(browser, served: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.clock.set_fixed_time(dt.datetime(2027, 3, 2, 9, 0))  # the tea's rating has ended
    page.goto(served + "search/?q=tra")
    page.wait_for_selector("html[data-search-ready]")
    card = page.locator("#search-app .results li", has_text="Trà Yên Tử")
    assert card.locator(".st").inner_text() == "Đã hết hạn"
    page.clock.set_fixed_time(dt.datetime(2026, 11, 23, 9, 0))  # the build's next day
    page.reload()
    page.wait_for_selector("html[data-search-ready]")
    card = page.locator("#search-app .results li", has_text="Trà Yên Tử")
    assert card.locator(".st").count() == 0  # valid: nothing to say
    context.close()


def test_label_sheet_withheld_says_why(history_site: BuiltSite) -> None:
    recalled = history_site.page("en/" + RECALLED_LOT + "label/")
    assert "No labels can be printed: lot T2411 has been recalled." in recalled
    assert 'class="sheet"' not in recalled
    assert not (history_site.out / RECALLED_LOT / "label" / "label.png").exists()
    revoked = history_site.page("en/01/09520000002022/label/")
    assert "OCOP rating is not in force (Revoked)" in revoked
    assert (history_site.out / TEA / "label" / "label.png").is_file()
    assert any("T2411: it has been recalled" in n.message for n in history_site.result.notes)


@pytest.mark.parametrize(("day", "said"), [("2026-05-31", False), ("2026-06-01", True)])
def test_a_recall_is_said_from_its_date(tmp_path: Path, day: str, said: bool) -> None:
    """A recall entered ahead of its date (T2411's is 2026-06-01) is not yet said on the
    product's pages, neither at the top nor in the list of lots; from its date it is said
    in both, as the lot's own verdict and label say it."""
    built = _build(SITES / "history", tmp_path, build_date=dt.date.fromisoformat(day))
    for path in ("products/tra-yen-tu/", TEA, "en/products/tra-yen-tu/"):
        html = built.page(path)
        assert ('<p class="recall" role="alert">' in html) is said, path
    lots = built.page("products/tra-yen-tu/")
    assert ("T2411</a>" in lots) and ("Đã thu hồi" in lots) is said


@pytest.mark.parametrize(
    ("district", "english"),
    [
        ("huyện Na Rì", "Na Rì District"),
        ("Huyện Chương Mỹ", "Chương Mỹ District"),
        ("thị xã Quảng Yên", "Quảng Yên Town"),
        ("thành phố Đồng Xoài", "Đồng Xoài City"),
        ("TP. Móng Cái", "Móng Cái City"),
        ("quận 1", "District 1"),
        ("quận Ba Đình", "Ba Đình Urban District"),
        ("Na Rì", "Na Rì"),
    ],
)
def test_former_districts_in_english(district: str, english: str) -> None:
    assert districts.district_in_english(district) == english


@pytest.mark.parametrize(
    ("address", "body"),
    [
        ("Thôn Nà Pài, xã Côn Minh, Huyện Na Rì, tỉnh Bắc Kạn", "huyện Na Rì"),
        ("Phường 2, TP. Móng Cái, tỉnh Quảng Ninh", "thành phố Móng Cái"),
        ("Phường 2, TP.Móng Cái, tỉnh Quảng Ninh", "thành phố Móng Cái"),
        ("Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh", "quận 1"),
        ("Phường Đức Xuân, Thành phố Bắc Kạn, tỉnh Bắc Kạn", "thành phố Bắc Kạn"),
        ("Phường Phú Hội, thành phố Huế, tỉnh Thừa Thiên Huế", "thành phố Huế"),
        ("Xã Côn Minh - Huyện Na Rì - Tỉnh Bắc Kạn", "huyện Na Rì"),
        ("Xã Thịnh; Thị xã Quảng Yên; Quảng Ninh", "thị xã Quảng Yên"),
        # a centrally run city is no district, whatever comes first
        ("Xã Phú Nghĩa, Thành phố Hà Nội", None),
        ("Phường Bến Nghé, TP. Hồ Chí Minh", None),
        ("Xã A, TP HCM", None),
        ("Xã A, TP.HCM", None),
        # communes whose names read like a district's kind without their diacritics
        ("Thôn 3, Quân Chu, Đại Từ, Thái Nguyên", None),
        ("Xóm 2, Huyền Hội, Càng Long, Trà Vinh", None),
        ("Số 5, Quán Toan, Hải Phòng", None),
        (None, None),
    ],
)
def test_the_district_a_former_address_names(address: str | None, body: str | None) -> None:
    """A district's grant is the district's People's Committee's, named from the producer's
    former address; the search index reads districts from addresses the same way."""
    assert ratings.district_of(address) == body
