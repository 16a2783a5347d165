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

#: A district's kind as written (with its diacritics: "Quân Chu" and "Huyền Hội" are
#: communes), with what follows it.
_KIND = re.compile(r"(huyện|quận|thị xã|thành phố|tp\b\.?)\s*(.+)", re.IGNORECASE)
#: Where an address is cut into its parts: commas, semicolons and spaced dashes.
_PARTS = re.compile(r"\s*[,;]\s*|\s+[-\u2010-\u2015\u2212]\s+")
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
    "TP. Móng Cái", "thành phố Bắc Kạn"), or "". A centrally run city ("Thành phố Hà
    Nội", "TP.HCM") is none, unless a province follows it (Huế, in Thừa Thiên Huế until
    2025)."""
    parts = [part.strip() for part in _PARTS.split(former_address or "")]
    for at, part in enumerate(parts):
        match = _KIND.match(part)
        if match is None or not match.group(2).strip(" ."):
            continue
        if fold(match.group(2)).strip(" .") in _central_cities() and not any(
            fold(later).startswith("tinh ") for later in parts[at + 1 :]
        ):
            continue
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
def _central_cities() -> frozenset[str]:
    """The folded names and short forms of the centrally run cities, without their kind
    ("ho chi minh", "hcm", "ha noi"): a "thành phố" or "TP" before them is no district."""
    names = [n for p in provinces().values() if p.kind == "city" for n in (p.vi, *p.aliases)]
    return frozenset(
        re.sub(r"^(thanh pho|tp)\b[ .]*", "", fold(name)).strip(" .") for name in names
    )
