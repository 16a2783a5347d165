"""The OCOP rating as a history: who may grant it, who did, and what holds on a given day.

A product's rating is a list of dated decisions (:class:`~ocopsite.model.RatingEvent`):
grants (granted, re-rated, upgraded), a 5-star potential forwarded to the national
council, suspensions, reinstatements and revocations. Three things follow from it:

* :func:`state_on` — the state on any day. The theme's ``ocop.js`` computes the same
  from :func:`compact` on the reader's own date; ``tests/rating_cases.yaml`` holds the
  cases both must pass.
* :func:`grant_problem` — whether a grant keeps the rules of its date, which are data
  (``data/ocop_rules.yaml``), not code.
* :func:`authority` — the organisation that issued a decision ("UBND tỉnh Bắc Kạn"),
  from the level, the date and where the producer was on that date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ocopsite.model import Producer, Rating, RatingEvent
from ocopsite.model.districts import district_body, district_in_english, former_district
from ocopsite.model.provinces import provinces
from ocopsite.model.status import Validity
from ocopsite.model.vietnamese import fold

#: The day the two-level local government began: no districts, merged provinces.
TWO_LEVEL_GOVERNMENT = dt.date(2025, 7, 1)
#: The one-letter codes of :func:`compact`; "potential" changes nothing in force.
_CODES = {
    "granted": "g",
    "rerated": "g",
    "upgraded": "g",
    "suspended": "s",
    "reinstated": "r",
    "revoked": "x",
}


@dataclass(frozen=True, slots=True)
class Period:
    decision: str
    start: dt.date
    end: dt.date | None
    grants: dict[int, tuple[str, ...]]
    text: str

    def span(self) -> str:
        end = f"to {_day(self.end)}" if self.end else "onwards"
        return f"from {_day(self.start)} {end}"


@dataclass(frozen=True, slots=True)
class Rules:
    periods: tuple[Period, ...]
    validity_months: int
    national: tuple[tuple[dt.date | None, dt.date | None, str], ...]
    renamed: dict[str, tuple[dt.date, str, str]]  # province slug -> (last day, vi name, kind)
    #: The English names of the central bodies above, by Vietnamese name.
    national_en: dict[str, str]


def _day(day: dt.date) -> str:
    return f"{day.day} {calendar.month_abbr[day.month]} {day.year}"


@cache
def rules() -> Rules:
    """The granting rules shipped in ``data/ocop_rules.yaml``."""
    text = resources.files("ocopsite").joinpath("data/ocop_rules.yaml").read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    return Rules(
        periods=tuple(
            Period(
                p["decision"],
                p["from"],
                p.get("until"),
                {int(k): tuple(v) for k, v in p["grants"].items()},
                p["text"],
            )
            for p in raw["periods"]
        ),
        validity_months=raw["validity_months"],
        national=tuple((n.get("from"), n.get("until"), n["name"]) for n in raw["national"]),
        renamed={r["province"]: (r["until"], r["vi"], r["kind"]) for r in raw["renamed"]},
        national_en={n["name"]: n["en"] for n in raw["national"]},
    )


def period_on(day: dt.date) -> Period | None:
    for period in rules().periods:
        if period.start <= day and (period.end is None or day <= period.end):
            return period
    return None


def grant_problem(stars: int, level: str, day: dt.date) -> tuple[str, str] | None:
    """(message, hint) when a ``stars`` grant by ``level`` on ``day`` breaks the rules."""
    period = period_on(day)
    if period is None:
        first = rules().periods[0]
        return (
            f"no OCOP rating could be granted on {day.isoformat()}, before Decision "
            f"{first.decision} took effect",
            f"ratings are granted from {_day(first.start)}; check the year of the decision",
        )
    allowed = period.grants.get(stars, ())
    if level in allowed:
        return None
    by = " or ".join(allowed) or "nobody"
    return (
        f"a {stars}-star rating of {day.isoformat()} is granted by the {by}, not the {level}",
        f"under Decision {period.decision} ({period.span()}) {period.text}; "
        f"write granted_by: {' or '.join(allowed)}",
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_expiry(issued: dt.date) -> dt.date:
    """The last day a certificate issued on ``issued`` may be valid (36 months on)."""
    return add_months(issued, rules().validity_months)


# --- the state on a day ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RatingState(Validity):
    """:class:`~ocopsite.model.status.Validity` of a rating on a day, with what decided it.

    ``grant`` is the grant in force that day (the first one while ``pending``);
    ``cause`` the suspension or revocation behind those states, else ``None``.
    """

    grant: RatingEvent
    cause: RatingEvent | None


def state_on(rating: Rating, day: dt.date) -> RatingState:
    """The rating's state on ``day``: pending, valid, expired, suspended or revoked.

    Events take effect on their date, in the order listed. A suspension or
    revocation outranks the dates; a later grant or reinstatement lifts it. The
    expiry day itself is still valid.
    """
    grant: RatingEvent | None = None
    cause: RatingEvent | None = None
    for event in rating.events:
        if event.date > day:
            break
        if event.is_grant:
            grant, cause = event, None
        elif event.kind == "reinstated":
            cause = None
        elif event.kind in ("suspended", "revoked"):
            cause = event
    if grant is None:
        first = rating.events[0]
        return RatingState("pending", first.date, first.expires, day, first, None)
    assert grant.expires is not None
    if cause is not None:
        state = cause.kind
    elif day > grant.expires:
        state = "expired"
    else:
        state = "valid"
    return RatingState(state, grant.date, grant.expires, day, grant, cause)


def compact(rating: Rating) -> list[list[str]]:
    """The history as the page's script reads it: ``[code, date(, expires)]`` per event.

    Codes: ``g`` a grant (with its expiry), ``s`` suspended, ``r`` reinstated,
    ``x`` revoked. The script's ``OcopRating.state`` mirrors :func:`state_on`.
    """
    rows = []
    for event in rating.events:
        code = _CODES.get(event.kind)
        if code is None:
            continue
        row = [code, event.date.isoformat()]
        if event.is_grant and event.expires is not None:
            row.append(event.expires.isoformat())
        rows.append(row)
    return rows


def turning_days(rating: Rating) -> list[dt.date]:
    """Every day on which the state may change: each event's date and the day after each expiry."""
    days = {e.date for e in rating.events}
    days |= {e.expires + dt.timedelta(days=1) for e in rating.events if e.expires}
    return sorted(days)


def states_from(rating: Rating, day: dt.date) -> list[str]:
    """Every state the rating has on ``day`` or after it, in order of first appearance."""
    found = [state_on(rating, day).state]
    for turn in turning_days(rating):
        if turn > day:
            state = state_on(rating, turn).state
            if state not in found:
                found.append(state)
    return found


# --- the verdict of a scanned page --------------------------------------------------


def verdict_key(
    rating: Rating, day: dt.date, recalled: dt.date | None, best_before: dt.date | None
) -> str:
    """The worst of what holds on ``day``, as the page's script names it.

    In order of precedence: ``recalled`` (from the recall's date), ``lot_expired``
    (after the best-before day), then the rating's state: ``revoked@<date>`` or
    ``suspended@<date>`` (the date of that decision), ``expired@<grant date>``,
    ``valid@<grant date>``, ``pending``. ``OcopRating.verdict`` in ``ocop.js``
    gives the same key from the same dates.
    """
    if recalled is not None and recalled <= day:
        return "recalled"
    if best_before is not None and day > best_before:
        return "lot_expired"
    state = state_on(rating, day)
    if state.state == "pending":
        return "pending"
    if state.cause is not None:
        return f"{state.state}@{state.cause.date.isoformat()}"
    return f"{state.state}@{state.grant.date.isoformat()}"


def verdict_days(
    rating: Rating, day: dt.date, recalled: dt.date | None, best_before: dt.date | None
) -> list[dt.date]:
    """``day`` and every day on which the verdict may change, before or after it.

    A reader's clock may be anywhere, so a page prepares the verdict of each.
    """
    turns = set(turning_days(rating))
    turns.add(rating.events[0].date - dt.timedelta(days=1))
    if recalled is not None:
        turns.add(recalled)
    if best_before is not None:
        turns.add(best_before + dt.timedelta(days=1))
    return [day, *sorted(turns)]


# --- who issued a decision ---------------------------------------------------------


#: :func:`fold` of a province's name: a few dozen names, asked for by every rating's decisions.
_folded_name = cache(fold)


def province_on(producer: Producer, day: dt.date) -> tuple[str, str]:
    """(kind, Vietnamese name) of the province the producer was in on ``day``.

    Since 1 July 2025 that is the record's province. Before, a merged province's
    producer was in the former province its ``former_address`` names; without
    one, in the province that kept its name. A renamed province (Huế) has its
    old name before the renaming.
    """
    now = provinces()[producer.province]
    if day >= TWO_LEVEL_GOVERNMENT:
        return now.kind, now.vi
    renamed = rules().renamed.get(now.slug)
    if renamed is not None and day <= renamed[0]:
        return renamed[2], renamed[1]
    if now.former and producer.former_address:
        address = fold(producer.former_address)
        for former in now.former:
            if _folded_name(former.vi) in address:
                return "province", former.vi
    return now.kind, now.vi


def district_of(former_address: str | None) -> str | None:
    """The district a pre-2025 address names, as a body's name writes it ("huyện Na Rì"),
    if any."""
    district = former_district(former_address)
    return district_body(district) if district else None


def _province_body(kind: str, name: str) -> str:
    if _folded_name(name).startswith("thanh pho "):
        return f"UBND {name}"
    return f"UBND {'thành phố' if kind == 'city' else 'tỉnh'} {name}"


def authority(event: RatingEvent, level: str, producer: Producer) -> str | None:
    """The organisation that issued ``event``, a decision taken at ``level``.

    An explicit ``authority`` wins. Otherwise: the ministry in charge on that
    date for ``national``; ``UBND tỉnh <province then>`` for ``province``;
    ``UBND <district>`` for ``district``, from the producer's former address.
    ``None`` when it cannot be told (a district grant without a former address).
    """
    if event.authority:
        return event.authority
    if level == "national":
        for start, end, name in rules().national:
            if (start is None or start <= event.date) and (end is None or event.date <= end):
                return name
        return None
    if level == "district":
        district = district_of(producer.former_address)
        return f"UBND {district}" if district else None
    return _province_body(*province_on(producer, event.date))


#: How :func:`authority` names a People's Committee: "UBND tỉnh Bắc Kạn", "UBND huyện Na Rì",
#: "UBND Thành phố Hồ Chí Minh" (a city whose name says it is one).
_COMMITTEE = re.compile(r"UBND (?:(tỉnh|thành phố|huyện|thị xã|quận) )?(.+)", re.IGNORECASE)


@cache  # a few hundred bodies, named on every English page of a product
def body_in_english(name: str) -> str | None:
    """The English name of a body that decides on OCOP ratings, named as :func:`authority`
    names it (or as a record writes it in the same form); ``None`` if it is not known.

    "UBND tỉnh Bắc Kạn" is "Bac Kan Provincial People's Committee", "UBND Thành phố Hồ Chí
    Minh" "Ho Chi Minh City People's Committee", "UBND huyện Na Rì" "Na Rì District People's
    Committee" and "UBND thành phố Bắc Kạn" (the city, not the province) "Bắc Kạn City
    People's Committee" (a district's name is kept as written: there is no list of them).
    """
    national = rules().national_en.get(name)
    if national is not None:
        return national
    match = _COMMITTEE.fullmatch(name)
    if match is None:
        return None
    written, place = match.groups()
    kind = written.lower() if written else None
    district = f"{district_in_english(f'{kind} {place}')} People's Committee"
    if kind in ("huyện", "thị xã", "quận"):
        return district
    known = _places_in_english()
    found = known.get(place) or (known.get(f"{written} {place}") if written else None)
    if found is not None and found[1]:
        place_en = found[0]
        return f"{place_en}{'' if place_en.endswith(' City') else ' City'} People's Committee"
    if kind == "thành phố":  # a city under a province ("thành phố Bắc Kạn"): a district's
        return district
    return f"{found[0]} Provincial People's Committee" if found is not None else None


@cache
def _places_in_english() -> dict[str, tuple[str, bool]]:
    """Every province's Vietnamese name, former (merged or renamed) and current, with its
    English name and whether it is a centrally run city (no former province was one)."""
    found: dict[str, tuple[str, bool]] = {}
    for province in provinces().values():
        found[province.vi] = (province.en, province.kind == "city")
        for former in province.former:
            found.setdefault(former.vi, (former.en, False))
    return found


def authorities(rating: Rating, producer: Producer) -> list[tuple[RatingEvent, str | None]]:
    """Each event with its issuing organisation.

    A suspension, reinstatement, revocation or forwarded potential without its own
    ``granted_by`` is taken by the body that granted the rating in force; from 1 July
    2025, by the province for a district's grant, as districts were abolished that day
    and their part passed to the province (Decision 1489).
    """
    result = []
    level = "province"
    for event in rating.events:
        if event.is_grant and event.granted_by:
            level = event.granted_by
        taken_by = event.granted_by or level
        if taken_by == "district" and event.date >= TWO_LEVEL_GOVERNMENT:
            taken_by = "province"
        result.append((event, authority(event, taken_by, producer)))
    return result
