"""First results shown before search.js has run: the search page's own early script
draws them as soon as one small file is in.

A query of one letter takes its first cards from its letter file ("q", made by
:func:`quick_cards`). A common query, as people type them from the home page (one or two
whole words, with diacritics or without, and no filter), takes them from a *common* file
(:func:`common_files`): for each shard of the word index, the first results of the
words, pairs of words, words as written and pairs as written in it with postings for
many products, ranked here exactly as search.js ranks them (:class:`Ranking`), with the
HTML of their cards exactly as search.js makes it. The
page then shows results after one request of a few kilobytes, not after search.js, the
index's head and the query's shards have come and the engine has run; search.js then
shows the same cards, and the rest. A browser test compares both for every entry.
"""

from __future__ import annotations

import base64
import html
import json
import re
import sys
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence, Set
from typing import Any, NamedTuple

from ocopsite.model.vietnamese import slugify
from ocopsite.search.vocabulary import (
    FIELDS,
    FORMER,
    count_varints,
    folded_word,
    read_varints,
    stem,
)
from ocopsite.view.urls import SLOT

#: The weight of each field in search.js (WEIGHTS), by field number of the vocabulary.
WEIGHTS = (8, 4, 2, 2, 1, 0.04)
#: The share of a field's weight that a word scores when a query word of two letters or
#: more only begins it (search.js's ``scan``): a whole word ranks above a longer word it
#: begins. Found as written, diacritics and all, a word scores its share and a half of
#: the weight: half again for the whole word, a quarter again for a longer one.
PART = 0.75
#: The bonus of two query words side by side in each field, in search.js (PHRASE).
PHRASE = (8, 8, 8, 8, 1, 0)
#: A star level typed as one word ("5sao", "4stars"), which search.js takes as the stars
#: filter (``STARS``), not as a word to find.
STAR_LEVEL = re.compile(r"[345](sao|stars?)")
#: How many cards a quick answer shows: the first cards, before search.js shows its page.
QUICK_CARDS = 8
#: A card whose state never changes.
_NEVER = 1 << 30
#: Hundredths of WEIGHTS and PHRASE: search.js adds them in single precision and orders
#: by the sum rounded to hundredths, which whole hundredths give exactly (so every
#: weight times PART, 1, PART + 0.5 and 1.5 is whole hundredths).
_WEIGHT_100 = tuple(round(w * 100) for w in WEIGHTS)
_PHRASE_100 = tuple(round(w * 100) for w in PHRASE)
#: Hundredths of a word found as written, diacritics and all (search.js: half again its
#: field's weight).
_OWN_100 = tuple(round(w * 150) for w in WEIGHTS)


def quick_strings(index: dict[str, Any]) -> dict[str, str]:
    """What the search page needs, besides a quick answer's cards and count, to show it
    before search.js has run: the build date and the strings of the results' summary and
    of the folded filters."""
    strings = index["strings"]
    return {
        "asof": index["asof"],
        "results": strings["results"],
        "one": strings["one_result"],
        "filters": strings["filters"],
    }


class CardMaker:
    """Result cards' HTML exactly as search.js makes them (``card``), from an index made
    by :func:`ocopsite.search.index.build_index` and its products' ``columns`` and
    ``producers``. A card's slug is read from the index as search.js reads it: its slug
    column "s", or :func:`slugify` of its name when empty."""

    def __init__(
        self, index: dict[str, Any], columns: dict[str, list[Any]], producers: list[list[Any]]
    ) -> None:
        self.lang, self.urls, self.strings = index["lang"], index["urls"], index["strings"]
        self.provinces = index["facets"]["province"]
        self.columns, self.producers = columns, producers

    def card(self, i: int) -> tuple[str, str, int]:
        """Product ``i``'s card up to its end ``</li>``, the line that says why it was found
        when found by its producer's former place (empty if it has none), and the day
        after the build from which its state changes (:data:`_NEVER` if it does not)."""
        columns, strings = self.columns, self.strings
        name, slug = columns["n"][i], columns["s"][i] or slugify(columns["n"][i])
        maker = self.producers[columns["m"][i]]
        province = self.provinces[maker[1]]
        state, changes, until = columns["e"][i], columns["u"][i], _NEVER
        for c in range(0, len(changes), 2):
            if changes[c] <= 0:
                state = changes[c + 1]
            else:
                until = min(until, changes[c])
        stars = abs(columns["k"][i])
        parts = ['<li class="card"><a href="', _escape(self.urls["product"].replace(SLOT, slug))]
        parts.append('">')
        if columns["i"][i]:
            thumb = _escape(self.urls["thumb"].replace(SLOT, slug))
            parts.append(f'<img src="{thumb}" alt="" loading="lazy" width="320" height="240">')
        label = _escape(strings["stars"].replace("{n}", str(stars)))
        parts += [
            f'<span class="name">{_escape(name)}</span></a><span class="rate">',
            f'<span class="stars" role="img" aria-label="{label}">',
            "★" * stars + "☆" * (5 - stars) + "</span>",
        ]
        if state:
            key, text = strings["states"][state]
            parts.append(f' <span class="st st-{_escape(key)}">{_escape(text)}</span>')
        meta = f"{maker[0]} · {province[1]}"
        parts.append(f'</span><span class="meta">{_escape(meta)}</span>')
        former = maker[3]
        former_name = "" if former < 0 else province[2][former][1 if self.lang == "vi" else 2]
        place = ", ".join(filter(None, [maker[5], former_name]))
        why = ""
        if place:
            why = _escape(strings["formerly"].replace("{place}", place))
            why = f'<span class="meta why">{why}</span>'
        return "".join(parts), why, until


def quick_cards(
    index: dict[str, Any], columns: dict[str, list[Any]], producers: list[list[Any]]
) -> Callable[[dict[str, list[Any]], Sequence[int]], dict[str, Any]]:
    """What makes the "q" of a letter file: from its cards "c" (whose "p" are the products'
    positions, see :func:`ocopsite.search.index.letter_cards`) and what it finds of each
    product (``codes``, :meth:`vocabulary.Indexer.letters`), the HTML of those cards
    exactly as search.js makes them (:class:`CardMaker`), how many products it finds "n",
    and "t", the day after the build from which one of the cards' states changes (the page
    then leaves the cards to search.js)."""
    maker = CardMaker(index, columns, producers)

    def made(shown: dict[str, list[Any]], codes: Sequence[int]) -> dict[str, Any]:
        html_: list[str] = []
        until = _NEVER
        for i in shown["p"]:
            card, why, changes = maker.card(i)
            until = min(until, changes)
            formerly = codes[i] > 7 or (codes[i] - 1) % 7 == FORMER
            html_.append(card + (why if formerly else "") + "</li>")
        return {"h": "".join(html_), "n": sum(1 for code in codes if code), "t": until}

    return made


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


class _Found(NamedTuple):
    """What a word (or the words under a beginning) finds: the products and each one's
    score, in two arrays (a mapping would take some twenty times the memory, for every
    word of a national catalogue), and the products found by their producer's former
    place."""

    products: array[int]
    weights: array[int]
    former: frozenset[int]

    def scores(self) -> dict[int, int]:
        """Each product's score."""
        return dict(zip(self.products, self.weights, strict=True))

    @staticmethod
    def of(scores: dict[int, int], former: frozenset[int]) -> _Found:
        return _Found(array("I", scores), array("H", scores.values()), former)

    @staticmethod
    def best_of(
        found: Sequence[_Found], parts: Sequence[_Found] = (), share: float = PART
    ) -> _Found:
        """The best score of each product in any of ``found``, or in any of ``parts`` at
        ``share`` of its score there (``found`` and ``parts`` not both empty)."""
        if len(found) == 1 and not parts:
            return found[0]
        best = found[0].scores() if found else {}
        for other, scale in [*((one, 1.0) for one in found[1:]), *((one, share) for one in parts)]:
            for i, weight in zip(other.products, other.weights, strict=True):
                weight = round(weight * scale)  # (whole hundredths: see _WEIGHT_100)
                if weight > best.get(i, 0):
                    best[i] = weight
        return _Found.of(best, frozenset().union(*(one.former for one in (*found, *parts))))


class Answer(NamedTuple):
    """What a query finds, as much as its first results need whatever the stars: how many
    products (``total``); the best scores that hold :data:`QUICK_CARDS` products at least,
    best first, each with its products in catalogue order (``levels``: the first results
    are among these, ordered by stars in force within a score, see
    :func:`first_results`); and those of them found by their producer's former place
    (``former``)."""

    total: int
    levels: list[tuple[int, array[int]]]
    former: list[int]


def encode_answers(found: Mapping[str, Answer]) -> bytes:
    """``found`` as compact, deterministic JSON (see :func:`decode_answers`): each list of
    products as base64 of its little-endian 32-bit numbers, not as a list of numbers
    (which, made at once for a million products, would take 50 MB)."""
    plain = {
        query: [
            answer.total,
            [[score, _packed(ids)] for score, ids in answer.levels],
            _packed(array("I", answer.former)),
        ]
        for query, answer in found.items()
    }
    return json.dumps(plain, separators=(",", ":"), sort_keys=True).encode()


def decode_answers(data: bytes) -> dict[str, Answer]:
    """The answers :func:`encode_answers` wrote."""
    return {
        query: Answer(
            total, [(score, _unpacked(ids)) for score, ids in levels], _unpacked(former).tolist()
        )
        for query, (total, levels, former) in json.loads(data).items()
    }


def _packed(numbers: array[int]) -> str:
    if sys.byteorder == "big":
        numbers = array("I", numbers)
        numbers.byteswap()
    return base64.b64encode(numbers.tobytes()).decode("ascii")


def _unpacked(text: str) -> array[int]:
    numbers = array("I", base64.b64decode(text))
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


def first_results(answer: Answer, stars: Sequence[int]) -> list[int]:
    """The first :data:`QUICK_CARDS` products of ``answer``: by score, then by ``stars`` in
    force (each product's, 0 for none), then catalogue order, as search.js orders them."""
    chosen: list[int] = []
    for _, ids in answer.levels:
        wanted = QUICK_CARDS - len(chosen)
        if wanted <= 0:
            break
        if len(ids) <= wanted:
            chosen += sorted(ids, key=lambda i: -stars[i])  # (stable: catalogue order kept)
            continue
        for level in range(5, -1, -1):
            chosen += [i for i in ids if stars[i] == level][: QUICK_CARDS - len(chosen)]
            if len(chosen) == QUICK_CARDS:
                break
    return chosen


class Ranking:
    """The results of a query of one or two whole words without filters, ranked as
    search.js ranks them (``OcopSearch.run``): each word scores a product by the weight of
    the best field of a word it is or begins (:data:`PART` of it for a word it only
    begins; for English, of its stem too), a product must have both words, two words side
    by side in one field add their phrase bonus, an administrative word beside a place
    name weighs the last of :data:`WEIGHTS` for every product; then stars in force, then
    catalogue order.

    ``shards`` are the word index's shards, decoded (:meth:`vocabulary.Indexer.shards`);
    ``count`` products, then ``producers`` producers, then groups whose products
    ``members`` gives are the targets of their postings; ``admin`` the folded
    administrative words and pairs of the index, ``catalogue`` those of them that every
    product may be said to have ("ocop", which alone finds them all). Stars come in only
    with :func:`first_results`: what is ranked here is kept between builds with the word
    index."""

    def __init__(
        self,
        shards: Mapping[str, dict[str, Any]],
        count: int,
        producers: int,
        members: Callable[[int], Sequence[int]],
        lang: str,
        admin: Sequence[str],
        catalogue: Sequence[str] = (),
    ) -> None:
        self.count, self.groups_from, self.members = count, count + producers, members
        self.lang, self.admin, self.catalogue = lang, frozenset(admin), frozenset(catalogue)
        self.vocab: dict[str, tuple[list[str], list[str]]] = {}
        for kind in ("f", "q", "o"):
            pairs = sorted(
                (word, postings)
                for shard in shards.values()
                for word, postings in zip(
                    shard.get(kind, {}).get("w", ()), shard.get(kind, {}).get("p", ()), strict=True
                )
            )
            self.vocab[kind] = ([word for word, _ in pairs], [postings for _, postings in pairs])
        self._best: dict[tuple[str, int], _Found] = {}
        self._words: dict[str, _Found | None] = {}
        self._written: dict[int, dict[str, list[str]]] = {}
        self._raised: dict[str, _Found] = {}

    def _of(self, kind: str, at: int) -> _Found:
        """What word number ``at`` of vocabulary ``kind`` finds: each product's best weight
        (hundredths: :data:`_WEIGHT_100` for "f", :data:`_PHRASE_100` for "q",
        :data:`_OWN_100` for "o"), groups read as their products, and the products it finds
        by their producer's former place. The index posts a producer's words to its
        products (:meth:`vocabulary.Indexer.expand`); a posting to a producer itself, were
        there one, would match but score no product, as in search.js."""
        found = self._best.get((kind, at))
        if found is not None:
            return found
        weights = {"f": _WEIGHT_100, "q": _PHRASE_100, "o": _OWN_100}[kind]
        postings = read_varints(self.vocab[kind][1][at])
        # postings are sorted, a product's (target × FIELDS + field) before a group's, and
        # a product's best field first among its own: a mapping made from the last to the
        # first keeps it
        direct = postings[: bisect_left(postings, self.count * FIELDS)]
        targets = [posting // FIELDS for posting in direct]
        fields_of = [posting % FIELDS for posting in direct]
        fields = dict(zip(reversed(targets), reversed(fields_of), strict=True))
        former = (
            {t for t, field in zip(targets, fields_of, strict=True) if field == FORMER}
            if FORMER in fields_of
            else set()
        )
        for posting in postings[len(direct) :]:
            target, field = divmod(posting, FIELDS)
            if target < self.groups_from:
                continue  # (a producer's: see above)
            for i in self.members(target):
                if field < fields.get(i, FIELDS):
                    fields[i] = field
                if field == FORMER:
                    former.add(i)
        found = _Found(
            array("I", fields),
            array("H", map(weights.__getitem__, fields.values())),
            frozenset(former),
        )
        if kind == "f":  # (the words under many beginnings; a pair is read for one query)
            self._best[kind, at] = found
        return found

    def _under(self, kind: str, prefix: str) -> _Found | None:
        """What the words of ``kind`` under ``prefix`` find together (their best weight for
        each product; less for a word longer than a ``prefix`` of two letters or more, as
        search.js's ``scan`` shares it: :data:`PART` of it for "f", and ``PART + 0.5``
        against 1.5 of the field's weight for "o"); ``None`` if there are none."""
        words = self.vocab[kind][0]
        at = bisect_left(words, prefix)
        whole: list[_Found] = []
        parts: list[_Found] = []
        while at < len(words) and words[at].startswith(prefix):
            longer = kind != "q" and len(prefix) > 1 and words[at] != prefix
            (parts if longer else whole).append(self._of(kind, at))
            at += 1
        share = PART if kind == "f" else (PART + 0.5) / 1.5
        return _Found.best_of(whole, parts, share) if whole or parts else None

    def word(self, word: str) -> _Found | None:
        """Each product's score for one folded word (hundredths), and the products it
        found by their producer's former place; ``None`` if it matches nothing."""
        if word in self._words:
            return self._words[word]
        found = self._under("f", word)
        if self.lang == "en" and stem(word) != word:
            stemmed = self._under("f", stem(word))
            if stemmed is not None:
                found = stemmed if found is None else _Found.best_of([found, stemmed])
        self._words[word] = found
        return found

    def run(self, words: Sequence[str], owns: Sequence[str | None] = ()) -> Answer | None:
        """The answer to a query of one or two folded words; ``None`` if it finds nothing.
        ``owns`` are the words as typed, with their diacritics, ``None`` for one without:
        a product found by a word written so scores half again that word's field
        (search.js's ``word``)."""
        if len(words) == 1 and not any(owns) and not self._admin(words)[0]:
            # its scores as they are: no mapping to make
            found = self.word(words[0])
            if found is None or not found.products:
                return None
            return _answer(found.products, found.weights, found.former)
        scored = self.scores(words, owns)
        return None if scored is None else _answer(scored[0], scored[0].values(), scored[1])

    def scores(
        self, words: Sequence[str], owns: Sequence[str | None] = ()
    ) -> tuple[dict[int, int], frozenset[int]] | None:
        """Every product's score for the query of :meth:`run`, and the products found by
        their producer's former place; ``None`` if it finds nothing."""
        admin = self._admin(words)
        scores: dict[int, int] | None = None
        former: frozenset[int] = frozenset()
        for w, word in enumerate(words):
            found = self.word(word)
            best = found.scores() if found is not None else None
            if found is not None:
                former |= found.former
            own = owns[w] if w < len(owns) else None
            boost = self._under("o", own) if best is not None and own is not None else None
            if best is not None and boost is not None:
                for i, weight in zip(boost.products, boost.weights, strict=True):
                    if best.get(i) and weight > best[i]:
                        best[i] = weight
            if admin[w]:
                weights = best or {}
                best = {i: weights.get(i) or _WEIGHT_100[-1] for i in range(self.count)}
            if best is None:
                return None
            if scores is not None:  # a product must have both words: their sum
                small, large = (scores, best) if len(scores) <= len(best) else (best, scores)
                best = {i: s + large[i] for i, s in small.items() if i in large}
            scores = best
        if not scores:
            return None
        if len(words) == 2:
            bonus = self._under("q", f"{words[0]} {words[1]}")
            if bonus is not None:
                for i, extra in zip(bonus.products, bonus.weights, strict=True):
                    if i in scores:
                        scores[i] += extra
        return scores, former

    def raised(self, own: str) -> _Found:
        """How much more each product scores for a query word typed as ``own``, with its
        diacritics, than for the word without them (see :meth:`run`): the products raised
        and by how much, as ``weights`` (kept as arrays: every own word of a pair
        is asked for again by the next pair of that word)."""
        found = self._raised.get(own)
        if found is None:
            plain = self.word(folded_word(own))
            best = plain.scores() if plain is not None else {}
            boost = self._under("o", own)
            more = (
                {
                    i: weight - best[i]
                    for i, weight in zip(boost.products, boost.weights, strict=True)
                    if best.get(i) and weight > best[i]
                }
                if boost is not None
                else {}
            )
            found = self._raised[own] = _Found.of(more, frozenset())
        return found

    def written(self, word: str, least: int) -> list[str]:
        """The ways the folded ``word`` is written with diacritics in the index, each one
        that ``least`` postings have at least."""
        written = self._written.get(least)
        if written is None:  # (once for every word: answers asks with one least)
            written = self._written[least] = {}
            for own, postings in zip(*self.vocab["o"], strict=True):
                if count_varints(postings) >= least:
                    written.setdefault(folded_word(own), []).append(own)
        return written.get(word, [])

    def _admin(self, words: Sequence[str]) -> list[bool]:
        """Which words name a kind of administrative unit while another names the place,
        or what every product is (search.js's ``adminUnits``, with no filter)."""
        marks, plain, k = [False] * len(words), 0, 0
        while k < len(words):
            pair = f"{words[k]} {words[k + 1]}" if k + 1 < len(words) else None
            if pair is not None and pair in self.admin:
                marks[k] = marks[k + 1] = True
                plain += pair in self.catalogue
                k += 2
                continue
            marks[k] = words[k] in self.admin
            plain += not marks[k] or words[k] in self.catalogue
            k += 1
        return marks if plain else [False] * len(words)


def _answer(
    products: Iterable[int], scores: Collection[int], former: Set[int], total: int | None = None
) -> Answer:
    """The :class:`Answer` of a query that finds ``products`` with ``scores`` (in the same
    order), ``former`` among them by their producer's former place; ``total`` products
    in all if ``products`` are only those that may come first."""
    counted = Counter(scores)
    enough, least = 0, 0
    for level in sorted(counted, reverse=True):
        enough, least = enough + counted[level], level
        if enough >= QUICK_CARDS:
            break
    levels: dict[int, list[int]] = {}
    for score, i in [(s, i) for i, s in zip(products, scores, strict=True) if s >= least]:
        levels.setdefault(score, []).append(i)
    return Answer(
        len(scores) if total is None else total,
        [(score, array("I", sorted(levels[score]))) for score in sorted(levels, reverse=True)],
        sorted(i for ids in levels.values() for i in ids if i in former),
    )


def answers(ranking: Ranking, least: int) -> dict[str, Answer]:
    """The answers of the common queries: every word of two characters or more, every
    pair of such words, and every such word as written with diacritics, that ``least``
    postings of the index have at least; and every such pair with one word or both as
    written with diacritics (:meth:`Ranking.written`), keyed as typed ("miến dong"). A
    star level typed as one word (:data:`STAR_LEVEL`) gets none: it is a filter."""
    made: dict[str, Answer] = {}
    for kind in ("f", "q", "o"):
        words, postings = ranking.vocab[kind]
        for word, posted in zip(words, postings, strict=True):
            if min(map(len, word.split(" "))) < 2 or count_varints(posted) < least:
                continue
            if any(STAR_LEVEL.fullmatch(part) for part in word.split(" ")):
                continue  # "5sao" is a star level to search.js, a filter: no quick answer
            if kind == "q":
                made.update(_pair_answers(ranking, word.split(" "), least))
                continue
            if kind == "f":
                answer = ranking.run([word])
            else:
                answer = ranking.run([folded_word(word)], [word])
            if answer is not None:
                made[word] = answer
    return made


def _pair_answers(ranking: Ranking, pair: Sequence[str], least: int) -> dict[str, Answer]:
    """The answers of the common pair of folded words ``pair``: as it is, and typed with
    diacritics, one word or both, as the index writes them (:meth:`Ranking.written`).

    Diacritics only raise the scores of some products the pair finds (:meth:`Ranking.raised`),
    so the first results typed so are among the pair's first results and the products
    raised: the pair's scores are worked out once."""
    scored = ranking.scores(pair)
    if scored is None:
        return {}
    scores, former = scored
    plain = _answer(scores, scores.values(), former)
    made = {" ".join(pair): plain}
    first = {i: scores[i] for _, ids in plain.levels for i in ids}
    spelt = [ranking.written(word, least) for word in pair]
    found: dict[str, list[tuple[int, int]]] = {}  # by own: the products the pair finds
    for own in spelt[0] + spelt[1]:
        more = ranking.raised(own)
        found[own] = [
            (i, extra) for i, extra in zip(more.products, more.weights, strict=True) if i in scores
        ]
    # the first results typed so score at least the pair's lowest first score: a product
    # raised less than that, even by both words, cannot be among them
    lowest = plain.levels[-1][0]
    most = [max((e for own in owns for _, e in found[own]), default=0) for owns in spelt]
    for w, owns in enumerate(spelt):
        for own in owns:
            other = most[1 - w]
            found[own] = [(i, e) for i, e in found[own] if scores[i] + e + other >= lowest]
    for typed_as in ((a, b) for a in [None, *spelt[0]] for b in [None, *spelt[1]] if a or b):
        raised = dict(first)
        for own in filter(None, typed_as):
            for i, extra in found[own]:
                raised[i] = raised.get(i, scores[i]) + extra
        typed = " ".join(own or word for own, word in zip(typed_as, pair, strict=True))
        made[typed] = _answer(raised, raised.values(), former, len(scores))
    return made


def file_key(query: str, keys: Mapping[str, object]) -> str | None:
    """The key among ``keys`` (the word index's shard keys) of the common file that holds
    ``query``'s answer, as the early script finds it: the key that begins the query with
    every character after the first that is not an ASCII letter or digit, and its end,
    written "." (see :func:`vocabulary.shard_key`)."""
    if not query.isascii():  # words as written, with diacritics: by their folded form
        query = " ".join(map(folded_word, query.split(" ")))
    dotted = query[0] + "".join(ch if ch.isascii() and ch.isalnum() else "." for ch in query[1:])
    dotted += "."
    for end in range(1, len(dotted) + 1):
        if dotted[:end] in keys:
            return dotted[:end]
    return None


def common_files(
    found: Mapping[str, Answer],
    shown: Mapping[str, list[int]],
    cards: CardMaker,
    keys: Mapping[str, object],
) -> dict[str, dict[str, Any]]:
    """The quick answers of the common queries (:func:`answers`), by the shard key
    (:func:`file_key`) of the file that holds them, each file
    ``{"r": {query: [count, day, ids]}, "h": {id: [card, why]}}``: ``day`` the day after
    the build from which one of its cards' states changes, ``ids`` its first cards'
    products (``shown``, made by :func:`first_results`), ``~id`` for one found by its producer's
    former place (the card then ends with its ``why``); ``card`` is a card's HTML up to
    its ``</li>`` (:meth:`CardMaker.card`). A pair typed with diacritics that finds what
    it finds without them is the pair without them: ``{"r": {"miến dong": "mien dong"}}``."""
    files: dict[str, dict[str, Any]] = {}
    made: dict[int, tuple[str, str, int]] = {}
    for query, answer in found.items():
        key = file_key(query, keys)
        if key is None:
            continue
        entry = files.setdefault(key, {"r": {}, "h": {}})
        if " " in query and not query.isascii():
            plain = " ".join(map(folded_word, query.split(" ")))
            if found.get(plain) == answer:
                entry["r"][query] = plain
                continue
        until = _NEVER
        former = set(answer.former)
        for i in shown[query]:
            card = made.get(i) or made.setdefault(i, cards.card(i))
            entry["h"][str(i)] = [card[0], card[1]]
            until = min(until, card[2])
        entry["r"][query] = [answer.total, until, [~i if i in former else i for i in shown[query]]]
    return files
