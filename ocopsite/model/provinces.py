"""The reference list of Vietnam's 34 provinces since 1 July 2025, with their former names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class FormerProvince:
    slug: str
    vi: str
    en: str
    #: The day the name ceased: the merger of 1 July 2025, or a renaming (Thừa Thiên Huế).
    until: dt.date = dt.date(2025, 7, 1)


@dataclass(frozen=True)
class Province:
    slug: str
    vi: str
    en: str
    kind: str  # "city" (centrally governed) or "province"
    former: tuple[FormerProvince, ...] = ()
    #: Short forms people write ("TP HCM"): searchable, never displayed.
    aliases: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


@cache
def provinces() -> dict[str, Province]:
    """All 34 provinces by slug, in the order of the shipped list."""
    text = resources.files("ocopsite").joinpath("data/provinces.yaml").read_text("utf-8")
    result: dict[str, Province] = {}
    # the C loader when PyYAML has it: the pure-Python one took 0.4 s, at every start
    for row in yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        former = tuple(FormerProvince(**f) for f in row.pop("former", []))
        aliases = tuple(row.pop("aliases", []))
        result[row["slug"]] = Province(former=former, aliases=aliases, **row)
    return result


@cache
def successor_of_former() -> dict[str, Province]:
    """Each former province's slug mapped to the province that took it in."""
    return {f.slug: p for p in provinces().values() for f in p.former}


@cache
def former_provinces() -> dict[str, FormerProvince]:
    """Every former province by slug."""
    return {f.slug: f for p in provinces().values() for f in p.former}
