"""Vietnamese text: folding it for search and slugs, telling its words apart, and naming
Vietnamese units of sale in English.

A value written once in a record (a plain string) is shown on every language's
pages. When it has Vietnamese letters, English pages must mark it as Vietnamese
(``lang="vi"``) and say so; :func:`looks_vietnamese` decides. Quantities and
units of sale ("800 chai", "gói 500 g") are translated from the registry in
``data/units.yaml`` instead, so records need not repeat them in English.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import yaml

from ocopsite.paths import DATA_DIR

UNITS_FILE = DATA_DIR / "units.yaml"
#: Letters that English never has and Vietnamese words almost always do.
_VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE
)
_SPACES = re.compile(r"\s+")
#: Hyphen, dashes and minus signs, with any spaces around them: "Bà Rịa - Vũng Tàu",
#: "Bà Rịa–Vũng Tàu" and "Bà Rịa-Vũng Tàu" are one name (search.js uses the same class).
_DASH = re.compile(r"\s*[\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]\s*")
#: Anything but the letters and digits of folded text.
NON_WORD = re.compile(r"[^0-9a-z]+")
_NUMBER = re.compile(r"^(\d{1,3}(?:[ .]\d{3})+|\d+)(?:,(\d+))?\s+")


def looks_vietnamese(text: str) -> bool:
    """True when ``text`` has a letter that only Vietnamese uses (tone marks, ơ, ư, đ, …)."""
    return _VIETNAMESE.search(text) is not None


@functools.cache
def units() -> dict[str, tuple[str, str]]:
    """The registry: Vietnamese unit → (English singular, English plural), longest first."""
    raw = yaml.safe_load(UNITS_FILE.read_text(encoding="utf-8"))
    table = {str(k): (str(v[0]), str(v[1])) for k, v in raw.items()}
    return dict(sorted(table.items(), key=lambda item: -len(item[0])))


def _split_unit(text: str) -> tuple[tuple[str, str], str] | None:
    """The registry entry ``text`` starts with, and what follows it (a pack size)."""
    lowered = text.casefold()
    for name, english in units().items():
        if lowered == name or lowered.startswith(name + " "):
            return english, text[len(name) :].strip()
    return None


def unit_in_english(text: str) -> str | None:
    """``"gói 500 g"`` → ``"500 g pack"``; None when the unit is not in the registry."""
    found = _split_unit(text.strip())
    if found is None:
        return None
    (singular, _), size = found
    return f"{size} {singular}" if size else singular


def quantity_in_english(text: str) -> str | None:
    """``"2 000 gói 500 g"`` → ``"2,000 packs of 500 g"``; None when it cannot be read."""
    match = _NUMBER.match(text.strip())
    if match is None:
        return None
    whole = int(re.sub(r"[ .]", "", match.group(1)))
    number = f"{whole:,}" + (f".{match.group(2)}" if match.group(2) else "")
    found = _split_unit(text.strip()[match.end() :])
    if found is None:
        return None
    (singular, plural), size = found
    name = singular if whole == 1 and not match.group(2) else plural
    return f"{number} {name}" + (f" of {size}" if size else "")


@functools.lru_cache(maxsize=8192)  # names of places and kinds repeat across records
def fold(text: str) -> str:
    """``text`` without diacritics, lower-cased, with single spaces: "Đồng  Văn" → "dong van".

    NFD splits letters from their tone and vowel marks, the marks (category Mn)
    are dropped, and đ, which has no decomposition, is mapped to d. Every kind of
    dash, with the spaces around it, becomes one hyphen.
    """
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    spaced = _SPACES.sub(" ", stripped.lower().replace("đ", "d")).strip()
    return _DASH.sub("-", spaced)


def slugify(text: str) -> str:
    """The slug a name would have: folded, with runs of other characters as one hyphen."""
    return NON_WORD.sub("-", fold(text)).strip("-")
