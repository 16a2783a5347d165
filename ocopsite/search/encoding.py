"""How the files of the search index are written, and kept between builds.

JSON is compact and its keys sorted, so that the same index gives the same bytes;
columns of small whole numbers are strings of :data:`DIGITS` (:func:`pack`), which a
browser reads much quicker than a JSON array of thousands of numbers. What a build
makes from inputs that seldom change is kept in the build's cache under a hash of
those inputs and of ocopsite's code (:func:`cache_entry`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ocopsite.keptfiles import keep
from ocopsite.load.recordcache import code_fingerprint
from ocopsite.search.vocabulary import VARINT_DIGITS, VARINT_VALUES, varints


def encode(index: dict[str, Any]) -> bytes:
    """Compact, deterministic JSON bytes of an index."""
    return json.dumps(index, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


#: The digits of :func:`pack`, in the order of their values (search.js has the same).
DIGITS = VARINT_DIGITS


def _width(largest: int) -> int:
    width = 1
    while len(DIGITS) ** width <= largest:
        width += 1
    return width


def _digits(value: int, width: int) -> str:
    if width <= 2 and value < len(_TWO_DIGITS):  # most values: worked out once
        return _TWO_DIGITS[value][2 - width :]
    return "".join(DIGITS[value // len(DIGITS) ** k % len(DIGITS)] for k in reversed(range(width)))


#: Every value of two :data:`DIGITS`, written with both.
_TWO_DIGITS = tuple(a + b for a in DIGITS for b in DIGITS)
assert len(_TWO_DIGITS) == 1 << 12  # as _written takes it


def pack(values: Sequence[int]) -> dict[str, Any]:
    """Small whole numbers as one string, ``width`` :data:`DIGITS` each, after
    subtracting ``offset`` (the smallest): a string is much quicker for a browser to
    read than a JSON array of thousands of numbers, and smaller."""
    offset = min(values, default=0)
    width = _width(max(values, default=0) - offset)
    return {"w": width, "o": offset, "s": _written(values, width, offset)}


def _written(values: Sequence[int], width: int, offset: int = 0) -> str:
    """``values`` less ``offset`` (none below it), ``width`` :data:`DIGITS` each."""
    if width > 2:
        if width > 4:
            return "".join([_digits(v - offset, width) for v in values])
        high, low = _TWO_DIGITS if width == 4 else DIGITS, _TWO_DIGITS
        return "".join([high[(v - offset) >> 12] + low[(v - offset) & 4095] for v in values])
    table = _TWO_DIGITS if width == 2 else DIGITS
    if offset:
        return "".join([table[v - offset] for v in values])
    return "".join(map(table.__getitem__, values))


def channel_lists(lists: Sequence[Sequence[int]], channels: int = 0) -> list[str]:
    """For each channel (``lists`` gives each product's), its products by position, as
    :func:`vocabulary.varints` (as postings): search.js reads only the channels a query
    filters by, instead of every product's list. ``channels`` is at least how many lists."""
    members: list[list[int]] = [[] for _ in range(channels)]
    for i, values in enumerate(lists):
        for value in dict.fromkeys(values):
            members += [[] for _ in range(value + 1 - len(members))]
            members[value].append(i)
    return [varints(products) for products in members]


def unpack(column: dict[str, Any]) -> list[int]:
    """The numbers of a column made by :func:`pack`."""
    width, text = column["w"], column["s"]
    values = [0] * (len(text) // width)
    for n in range(len(values)):
        for ch in text[n * width : (n + 1) * width]:
            values[n] = values[n] * len(DIGITS) + VARINT_VALUES[ch]
    return [v + column["o"] for v in values]


def cache_entry(cache: Path, lang: str, read: object) -> Path:
    """The file in ``cache`` of what is made from ``read`` in ``lang`` by this code.

    ``read`` holds only strings, whole numbers, lists and mappings built in a fixed order,
    whose ``repr`` tells any two apart and is the same from one build to the next; it is
    hashed as that, which is more than twice as quick as JSON at 16,000 products.
    """
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(repr(read).encode("utf-8", "surrogatepass"))
    return cache / f"{lang}-{digest.hexdigest()[:24]}.zip"


def keep_entry(entry: Path, files: dict[str, bytes]) -> None:
    """Store ``files`` as ``entry``, dropping the other entries of its language."""
    keep(entry, files, f"{entry.name.partition('-')[0]}-*.zip")
