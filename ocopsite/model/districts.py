"""Former districts, as addresses written before 1 July 2025 name them.

Districts were abolished that day, but labels and records written before carry them: a
district's grant names its People's Committee ("UBND huyện Na Rì"), search finds a
product by its producer's former district, and English pages name it in English
("Na Rì District"). There is no list of districts: a district is read from its address.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from ocopsite.model.provinces import provinces
from ocopsite.model.vietnamese import fold

#: A district's kind at the start of a part of an address, folded.
_KIND_FOLDED = re.compile(r"^(huyen|quan|thi xa|thanh pho|tp)\b")
#: A district's kind as written, with what follows it.
_KIND = re.compile(r"(huyện|quận|thị xã|thành phố|tp\.?)\s*(.+)", re.IGNORECASE)
#: Each kind, as a body's name writes it, and in English.
_KINDS = {
    "huyện": ("huyện", "District"),
    "quận": ("quận", "Urban District"),
    "thị xã": ("thị xã", "Town"),
    "thành phố": ("thành phố", "City"),
    "tp": ("thành phố", "City"),
    "tp.": ("thành phố", "City"),
}


@lru_cache(maxsize=1 << 16)  # each producer's, for every language's index
def former_district(former_address: str | None) -> str:
    """The district a pre-2025 address names, as written with its kind ("huyện Na Rì",
    "TP. Móng Cái"), or "". A city that was a province ("Thành phố Hà Nội") is none."""
    for part in (former_address or "").split(","):
        part = part.strip()
        folded = fold(part)
        kind = _KIND_FOLDED.match(folded)
        if kind and folded[kind.end() :].strip(" .") not in _province_names():
            return part
    return ""


def _parts(district: str) -> tuple[str, str] | None:
    """The kind (a key of :data:`_KINDS`) and the name of a district written with its kind."""
    match = _KIND.fullmatch(district.strip())
    if match is None or not match.group(2).strip():
        return None
    return match.group(1).lower(), match.group(2).strip()


def district_body(district: str) -> str:
    """A district as a body's name writes it, its kind in full and in lower case:
    "Huyện Na Rì" is "huyện Na Rì", "TP. Móng Cái" "thành phố Móng Cái"."""
    parts = _parts(district)
    return f"{_KINDS[parts[0]][0]} {parts[1]}" if parts else district


def district_in_english(district: str) -> str:
    """A district written with its kind in English: "huyện Na Rì" is "Na Rì District",
    "quận 1" "District 1". Its name is kept as written (there is no list of districts'
    English names); a text that starts with no known kind is returned as it is."""
    parts = _parts(district)
    if parts is None:
        return district
    kind, name = parts
    return f"District {name}" if name.isdigit() else f"{name} {_KINDS[kind][1]}"


@cache
def _province_names() -> frozenset[str]:
    """The folded names of provinces and former provinces, without "thành phố"."""
    names = [n for p in provinces().values() for n in (p.vi, *(f.vi for f in p.former))]
    return frozenset(fold(n).removeprefix("thanh pho ") for n in names)
