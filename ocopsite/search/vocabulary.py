"""The word index of the search: each word people may type, with what it occurs in.

The browser looks query words up in these vocabularies (binary search over sorted
words, a prefix being a range), so that opening the search page costs parsing a
few JSON arrays, not analysing every product's text. What makes a word here must
match what ``search.js`` makes of a query: the same folding (:func:`vietnamese.fold`),
the same tokens (runs of letters and digits), the same English stems.

A *posting* is ``target * FIELDS + field``: the target is a product's position in
the catalogue or, for facet values, a group of products (``search.js`` knows its
members); the field says where the word was found, and so how much it weighs.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from array import array
from collections.abc import Callable, Collection, Sequence
from typing import Any

from ocopsite.model.vietnamese import fold

#: Fields, best first (search.js has the same numbers and weighs them): a product's
#: name, its producer, a place, the producer's own former province or district,
#: anything else (tags, certifications, groups), and administrative words.
NAME, MAKER, PLACE, FORMER, OTHER, ADMIN = range(6)
FIELDS = 6
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")
_PLAIN = re.compile(r"[a-z]+")
#: The type code of a word's postings (see :class:`Vocabulary`): unsigned, 32 bits at least.
POSTING = "I" if array("I").itemsize >= 4 else "L"


def stem(word: str) -> str:
    """The stem of a folded English word: "teas" → "tea", "dried" → "dry" (as search.js)."""
    if len(word) < 4 or not _PLAIN.fullmatch(word) or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith(("ies", "ied")):
        return word[:-3] + "y"
    if word.endswith(("shes", "ches", "xes", "zes", "oes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    if word.endswith("ed") and word[-3] != "e" and len(word) > 4:
        return word[:-2]
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    return word


def _kind(ch: str) -> str:
    """The kind of ``ch``: "L" a letter, "N" a digit or other number, "" anything else."""
    kind = unicodedata.category(ch)[0]
    return kind if kind in "LN" else ""


def _tokens(chunk: str) -> list[str]:
    """The runs of letters and digits of ``chunk``."""
    tokens, current = [], ""
    for ch in chunk:
        if _kind(ch):
            current += ch
        elif current:
            tokens.append(current)
            current = ""
    return [*tokens, current] if current else tokens


def _pieces(token: str) -> list[str]:
    """``token`` split where a lower-case letter meets a capital or letters meet digits."""
    pieces, start = [], 0
    for i in range(1, len(token)):
        before, after = token[i - 1], token[i]
        cut = (unicodedata.category(before) == "Ll" and unicodedata.category(after) == "Lu") or (
            {_kind(before), _kind(after)} == {"L", "N"}
        )
        if cut:
            pieces.append(token[start:i])
            start = i
    return [*pieces, token[start:]]


def folded_word(token: str) -> str:
    """A token as the index holds it: folded, letters and digits only."""
    return _NON_ALNUM.sub("", fold(token))


@functools.lru_cache(maxsize=65536)  # chunks repeat across a catalogue
def chunk_words(chunk: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The words of a chunk of text between spaces, in order, as (own, folded), and the
    extra forms a label may be typed in: "GlobalG.A.P." is also "globalgap", "global"
    and "gap"; "ST25" also "st" and "25"."""
    words: list[tuple[str, str]] = []
    extra: list[str] = []
    pieces: list[list[str]] = []  # [text, "1" when a single letter]
    joined = ""
    for token in _tokens(chunk):
        folded = folded_word(token)
        if not folded:
            continue
        words.append((token.lower(), folded))
        joined += folded
        for piece in _pieces(token):
            # single letters in a row are an acronym written with dots: G.A.P.
            if len(piece) == 1 and pieces and pieces[-1][1]:
                pieces[-1][0] += piece
            else:
                pieces.append([piece, "1" if len(piece) == 1 else ""])
    if len(words) > 1:
        extra.append(joined)
    if len(pieces) > 1:
        extra += [f for f in (folded_word(p[0]) for p in pieces) if f]
    return tuple(words), tuple(extra)


#: The digits of :func:`varints`: the first 32 end a number, the others go on.
VARINT_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"


def _varint(value: int) -> str:
    digits = []
    while True:
        digits.append(value & 31)
        value >>= 5
        if not value:
            break
    return "".join(
        VARINT_DIGITS[d + (32 if k else 0)] for k, d in reversed(list(enumerate(digits)))
    )


#: :func:`_varint` of the differences most postings have (one or two digits), worked out once.
_SHORT_VARINTS = tuple(_varint(value) for value in range(32 * 32))


def varints(postings: Sequence[int]) -> str:
    """Sorted postings as one string: each the difference from the one before (the
    first as is), in base 32, most significant digit first, each digit but the last
    from the second half of :data:`VARINT_DIGITS`. Most differences take one or two
    characters, where a JSON number takes three to five and a comma."""
    out, previous, short = [], 0, len(_SHORT_VARINTS)
    for posting in postings:
        value = posting - previous
        previous = posting
        out.append(_SHORT_VARINTS[value] if value < short else _varint(value))
    return "".join(out)


#: The value of each of :data:`VARINT_DIGITS` (also the digits of the search index's
#: packed columns, see :func:`ocopsite.search.encoding.pack`).
VARINT_VALUES = {digit: value for value, digit in enumerate(VARINT_DIGITS)}
#: Deletes the digits that carry a number on: what is left ends one number each.
_CARRIES = str.maketrans("", "", VARINT_DIGITS[32:])


def read_varints(text: str) -> list[int]:
    """The postings :func:`varints` wrote as ``text``."""
    out: list[int] = []
    at = value = 0
    for ch in text:
        digit = VARINT_VALUES[ch]
        value = value * 32 + (digit & 31)
        if digit < 32:
            at += value
            out.append(at)
            value = 0
    return out


def count_varints(text: str) -> int:
    """How many postings :func:`varints` wrote as ``text``, without reading them."""
    return len(text.translate(_CARRIES))


def _utf16(word: str) -> bytes:
    return word.encode("utf-16-be")


#: The longest beginning of words a shard of the word index is cut by.
SHARD_DEPTH = 3


def shard_key(word: str, split: Collection[str]) -> str:
    """The shard of the word index that holds ``word`` (a folded word or pair of words):
    its first character, or its first two when that character is in ``split``, its
    first three when those two are, and so on (up to :data:`SHARD_DEPTH`); after the
    first, a character that is not an ASCII letter or digit, or the end of the word,
    stands for ".". search.js computes the same key for what it looks up."""
    key = word[:1]
    while key in split:
        ch = word[len(key) : len(key) + 1]
        key += ch if ch.isascii() and ch.isalnum() else "."
    return key


class Vocabulary:
    """Words and their postings, written as ``{"w": words, "p": postings}``: the words
    sorted as JavaScript compares strings, each word's postings sorted and given as
    differences (the first as is), which keeps the numbers short. ``key_of`` gives the
    folded form a word is sharded by.

    A word's postings are an ``array`` of unsigned 32-bit numbers, not a set of Python
    ints: at 16,000 products the sets took some hundred megabytes more. They are added
    to in any order (a posting repeated right away only once) and :meth:`settle` sorts
    them and drops repeats, before anything reads them."""

    def __init__(self) -> None:
        self.postings: dict[str, array[int]] = {}
        self.folded: dict[str, str] = {}
        self._settled = True

    def add(self, word: str, posting: int, folded: str | None = None) -> None:
        found = self.postings.get(word)
        if found is None:
            self.postings[word] = array(POSTING, (posting,))
        elif found[-1] != posting:
            found.append(posting)
            self._settled = False
        if folded is not None:
            self.folded[word] = folded

    def settle(self) -> None:
        """Sort each word's postings and drop repeats (see the class)."""
        if self._settled:
            return
        postings = self.postings
        for word, found in postings.items():
            if len(found) > 1:
                postings[word] = array(POSTING, sorted(set(found)))
        self._settled = True

    def key_of(self, word: str) -> str:
        return self.folded.get(word, word)

    def encode(self, words: Collection[str]) -> dict[str, Any]:
        """The part of the vocabulary made of ``words``."""
        self.settle()
        ordered = sorted(words, key=_utf16)
        return {"w": ordered, "p": [varints(self.postings[w]) for w in ordered]}


class Indexer:
    """The three vocabularies of the word index: folded words ("f"), words as written
    when they carry diacritics ("o"), and pairs of neighbouring words ("q", for the
    phrase bonus)."""

    def __init__(self, lang: str, admin: Collection[str]) -> None:
        self.english = lang == "en"
        self.admin = admin
        self.folded, self.own, self.pairs = Vocabulary(), Vocabulary(), Vocabulary()

    def index(self, text: str, target: int, field: int, place: bool = False) -> None:
        """Indexes ``text`` as found in ``field`` of ``target``. In a ``place``, words
        that name a kind of administrative unit ("xã", "thành phố") weigh next to nothing."""
        words: list[tuple[str, str]] = []
        extra: list[str] = []
        for chunk in _SPACES.split(unicodedata.normalize("NFC", text or "")):
            if chunk:
                found = chunk_words(chunk)
                words += found[0]
                extra += found[1]
        kinds = [field] * len(words)
        k = 0
        while place and k < len(words):
            if k + 1 < len(words) and f"{words[k][1]} {words[k + 1][1]}" in self.admin:
                kinds[k] = kinds[k + 1] = ADMIN
                k += 1
            elif words[k][1] in self.admin:
                kinds[k] = ADMIN
            k += 1
        base = target * FIELDS
        for w, (own, folded) in enumerate(words):
            posting = base + kinds[w]
            if own != folded:  # a word without marks is found by its folded form
                self.own.add(own, posting, folded)
            self.folded.add(folded, posting)
            if self.english and stem(folded) != folded:
                self.folded.add(stem(folded), posting)
            if w + 1 < len(words) and kinds[w] != ADMIN and kinds[w + 1] != ADMIN:
                # neighbours: a phrase bonus, and the joined form ("ha noi" typed "hanoi")
                following = words[w + 1][1]
                self.pairs.add(f"{folded} {following}", base + field)
                self.folded.add(folded + following, base + field)
        for form in extra:
            self.folded.add(form, base + field)

    def expand(self, targets: Callable[[int], Sequence[int] | None], first: int) -> None:
        """Posts to products what was posted to a target that stands for them: each posting
        to a target from ``first`` on for which ``targets`` gives products (a producer, a
        channel) becomes a posting, in the same field, to each of those products."""
        low = first * FIELDS
        bases: dict[int, list[int] | None] = {}  # each target's products, times FIELDS
        for vocabulary in (self.folded, self.own, self.pairs):
            vocabulary.settle()
            for word, postings in vocabulary.postings.items():
                if postings[-1] < low:  # sorted: none is to a producer or a channel
                    continue
                made = set()
                for posting in postings:
                    if posting < low:
                        made.add(posting)
                        continue
                    target, field = divmod(posting, FIELDS)
                    if target not in bases:
                        products = targets(target)
                        bases[target] = None if products is None else [p * FIELDS for p in products]
                    found = bases[target]
                    if found is None:
                        made.add(posting)
                    else:
                        made.update([base + field for base in found])
                vocabulary.postings[word] = array(POSTING, sorted(made))

    def shards(self, budget: int) -> dict[str, dict[str, dict[str, Any]]]:
        """The word index cut into shards by :func:`shard_key`, each
        ``{"f": …, "o": …, "q": …}``: by first character, and by one more for the
        words of a shard that would have more than ``budget`` postings (up to
        :data:`SHARD_DEPTH` characters), so that a query reads only the shards of its
        words' beginnings."""
        vocabularies = {"f": self.folded, "o": self.own, "q": self.pairs}
        for vocabulary in vocabularies.values():
            vocabulary.settle()
        counted: dict[str, int] = {}
        for vocabulary in vocabularies.values():
            for word, postings in vocabulary.postings.items():
                key = vocabulary.key_of(word)[:SHARD_DEPTH]
                counted[key] = counted.get(key, 0) + len(postings)
        split: set[str] = set()
        for depth in range(1, SHARD_DEPTH):
            sizes: dict[str, int] = {}
            for beginning, number in counted.items():
                key = shard_key(beginning, split)
                sizes[key] = sizes.get(key, 0) + number
            more = {key for key, size in sizes.items() if size > budget and len(key) == depth}
            if not more:
                break
            split |= {key for key in more if not key.endswith(".")}
        grouped: dict[str, dict[str, list[str]]] = {}
        for name, vocabulary in vocabularies.items():
            for word in vocabulary.postings:
                key = shard_key(vocabulary.key_of(word), split)
                grouped.setdefault(key, {v: [] for v in vocabularies}).setdefault(name, [])
                grouped[key][name].append(word)
        return {
            key: {name: vocabularies[name].encode(words) for name, words in groups.items()}
            for key, groups in sorted(grouped.items())
        }

    def letters(self, count: int, members: Callable[[int], Sequence[int]]) -> dict[str, list[int]]:
        """What a query of one letter (or digit) finds, for each that begins a word: for
        each of the ``count`` products, 1 + the best field of its words beginning with it
        (the field that weighs most, see search.js), plus 7 when one of them is its
        producer's former place; 0 when it has none. ``members`` gives the products of
        a producer or facet value (a target from ``count`` on).

        A letter begins a large share of all words: the browser reads these instead
        of every shard of the letter, and scores no postings."""
        best: dict[str, list[int]] = {}
        self.folded.settle()
        for word, postings in self.folded.postings.items():
            codes = best.setdefault(word[0], [0] * count)
            for posting in postings:
                target, field = divmod(posting, FIELDS)
                for product in (target,) if target < count else members(target):
                    code = codes[product]
                    field_now = code % 7 - 1 if code % 7 else FIELDS
                    codes[product] = (
                        min(field_now, field) + 1 + (7 if code >= 7 or field == FORMER else 0)
                    )
        return dict(sorted(best.items()))
