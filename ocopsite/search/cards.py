"""The first results of each one-letter query, found without a loop over every product.

:func:`~ocopsite.search.index.letter_cards` says which they are: the products a letter
finds, ordered by the weight of their best field, then by their stars in force, then by
position. A letter finds thousands of products, and there are dozens of letters in each
language: :func:`first` finds the same products by looking only at as many as it takes,
with the work over all products done by bytes operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ocopsite.search.vocabulary import VARINT_DIGITS

#: Bits of a product's stars in force (0 to 5) in :func:`first`'s combined byte.
_STAR_BITS = 3


def ranks(weights: Sequence[float], fields: int) -> tuple[bytes, list[int]]:
    """A table for :meth:`bytes.translate` from ``code << 3 | stars`` to the place of its
    rank, the best first (255: not found), and the places in use, in order.

    ``code`` is what a letter finds in a product (see
    :meth:`~ocopsite.search.vocabulary.Indexer.letters`), ``stars`` its stars in force;
    the rank is :func:`~ocopsite.search.index.letter_cards`'s."""
    ranked: dict[tuple[int, int], float] = {}
    for code in range(1, 256 >> _STAR_BITS):
        if (code - 1) % (fields + 1) >= len(weights):
            continue
        for stars in range(1 << _STAR_BITS):
            ranked[code, stars] = -round(weights[(code - 1) % (fields + 1)] * 100) * 8 - stars
    order = sorted(set(ranked.values()))
    table = bytearray([255] * 256)
    for (code, stars), rank in ranked.items():
        table[code << _STAR_BITS | stars] = order.index(rank)
    return bytes(table), list(range(len(order)))


def codes(column: dict[str, Any]) -> bytes | None:
    """The numbers of a column packed one digit each (see
    :func:`~ocopsite.search.encoding.pack`), a byte each; ``None`` if not so packed."""
    offset = column["o"]
    if column["w"] != 1 or type(offset) is not int or not 0 <= offset <= 256 - len(VARINT_DIGITS):
        return None
    text = column["s"]
    if not text.isascii():
        return None
    raw = text.encode("ascii")
    if raw.translate(None, _DIGITS):  # not only digits
        return None
    return raw.translate(bytes.maketrans(_DIGITS, bytes(range(offset, offset + len(_DIGITS)))))


_DIGITS = VARINT_DIGITS.encode()


def first(
    codes: bytes, stars: bytes, table: tuple[bytes, list[int]], count: int
) -> list[int] | None:
    """The positions of the first ``count`` products ``codes`` finds (a byte each), ordered
    by ``table`` (:func:`ranks`) and then by position; ``stars`` holds each product's stars
    in force, a byte each. ``None`` when a code or stars do not fit a byte between them."""
    if len(codes) != len(stars) or (codes and max(codes) >= 256 >> _STAR_BITS):
        return None
    if stars and max(stars) >= 1 << _STAR_BITS:
        return None
    size = len(codes)
    combined = (
        (int.from_bytes(codes, "big") << _STAR_BITS) | int.from_bytes(stars, "big")
    ).to_bytes(size, "big")
    ranked = combined.translate(table[0])
    found: list[int] = []
    for place in table[1]:
        mark = bytes([place])
        at = ranked.find(mark)
        while at >= 0 and len(found) < count:
            found.append(at)
            at = ranked.find(mark, at + 1)
        if len(found) >= count:
            break
    return found
