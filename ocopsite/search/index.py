"""The search index of each language, searched in the browser, in small files.

People type Vietnamese with or without diacritics ("mien dong" must find
"Miến dong"), so matching works on *folded* text: :func:`~ocopsite.model.vietnamese.fold`
and ``fold`` in the theme's ``search.js`` must give identical results (a browser
test checks every Vietnamese letter with every tone).

:func:`build_index` gathers what search needs, as columns and tables referenced
by position; :func:`index_files` writes it as a head (:func:`split`: what orders,
filters and counts every product, packed by :func:`~ocopsite.search.encoding.pack`),
the word index made here (:func:`word_index`, :mod:`ocopsite.search.vocabulary`) in
shards by the beginnings of words with what each letter finds, the code tables
(:mod:`ocopsite.search.codes`), and parts with what result cards show, so that a
query reads only a few small files; each shard also carries the cards of the
products that come first for its common words (:func:`shard_cards`), so that the first
cards of most queries need no part, and the first results of those words are in small
files of their own that the search page shows before search.js has run
(:mod:`ocopsite.search.quick`). A product's URL and thumbnail are made
from its slug by the browser, filling in the addresses :mod:`ocopsite.view.urls` gives
in the index; the slug is stored only when it differs from :func:`slugify` of its name.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ocopsite.keptfiles import kept
from ocopsite.load.catalogue import Catalogue
from ocopsite.model import CATEGORIES, CERTIFICATION_SCHEMES
from ocopsite.model.districts import district_in_english, former_district
from ocopsite.model.provinces import provinces
from ocopsite.model.status import STATES
from ocopsite.model.vietnamese import fold
from ocopsite.search import cards, rows
from ocopsite.search.codes import code_files, code_inputs
from ocopsite.search.encoding import cache_entry, channel_lists, encode, keep_entry, pack, unpack
from ocopsite.search.quick import (
    QUICK_CARDS,
    WEIGHTS,
    Answer,
    CardMaker,
    Ranking,
    answers,
    common_files,
    decode_answers,
    encode_answers,
    file_key,
    first_results,
    quick_cards,
    quick_strings,
)
from ocopsite.search.rows import ROWS_CACHE as ROWS_CACHE
from ocopsite.search.vocabulary import (
    FIELDS,
    FORMER,
    MAKER,
    NAME,
    OTHER,
    PLACE,
    Indexer,
)
from ocopsite.view.urls import SLOT, THUMBNAIL, Route, Urls
from ocopsite.view.views import Views

FORMAT_VERSION = 3
#: The small file that names each language's current (content-hashed) index.
MANIFEST = "manifest.json"
#: Words that name a kind of administrative unit, folded, longest first. In an address
#: they say nothing about where a product is from, so search weighs them next to nothing:
#: "dac san" must not rank a product first because its commune is an "Đặc khu".
ADMIN_WORDS: tuple[str, ...] = (
    "thanh pho",
    "thi tran",
    "thi xa",
    "dac khu",
    "xa",
    "phuong",
    "huyen",
    "quan",
    "tinh",
    "tp",
)
#: The same words in English, as English pages name former districts ("Na Rì District",
#: "Móng Cái City": see :func:`~ocopsite.model.districts.district_in_english`).
ADMIN_WORDS_EN: tuple[str, ...] = ("urban district", "district", "town", "city")
#: Words that every product of the catalogue may be said to have ("sản phẩm OCOP 4 sao",
#: "OCOP honey"): a query need not find them, as an administrative word beside a place
#: name; alone, they find every product, those that have them first.
CATALOGUE_WORDS: tuple[str, ...] = ("san pham", "ocop")
CATALOGUE_WORDS_EN: tuple[str, ...] = ("products", "product")
#: Products per part of an index (see :func:`split`): a page of results reads a few.
PRODUCTS_PER_PART = 100
#: Postings above which the words beginning with one character are cut by their first
#: two (see :meth:`vocabulary.Indexer.shards`).
SHARD_POSTINGS = 20000


def _text(value: Any, lang: str) -> str:
    return value.get(lang) or value.first()


def _other_language(lang: str) -> str:
    return "en" if lang == "vi" else "vi"


def build_index(
    catalogue: Catalogue,
    views: Views,
    codes: Sequence[str] = (),
    alternates: Sequence[Views] = (),
    products: dict[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """The search index of ``catalogue`` in the language of ``views``.

    Products are ordered by slug. For each: name (and the default-language name
    on other languages' indexes, so a tourist typing Vietnamese still finds it),
    slug when not :func:`slugify` of its name in this language, producer,
    category, stars (negative when the rating is not in force), the rating's
    state (an index into ``status.STATES``) and
    when it changes after the build date (for the browser's re-check), a
    certification bitmask, the labels of its "other" certifications as the page
    prints them, channel indexes, tags, photo flag. A producer is [name, province,
    commune, the former province its old address names or -1, the former district
    it names or "", and that district as cards show it in this language]. Place and
    certification names carry their other-language forms and common short forms, so
    "ha noi", "Hanoi" and "TP HCM" all find.
    ``codes`` are the hrefs of the code shards
    (:func:`~ocopsite.search.codes.code_shards`); ``alternates`` the views of the
    site's other languages, whose certification names are indexed too; ``products``
    the products' columns in this language if already made (:func:`rows.columns`).
    """
    lang = views.lang
    other = _other_language(lang)
    order = list(provinces())
    province_keys = sorted({p.province for p in catalogue.producers.values()}, key=order.index)
    province_index = {key: n for n, key in enumerate(province_keys)}
    as_of = catalogue.config.build_date
    # In slug order, neighbouring names share prefixes, which gzip exploits (grouping by
    # producer was measured: 14 % larger at 16,000 products).
    columns = products if products is not None else rows.columns(catalogue, [lang])[lang]
    return {
        "v": FORMAT_VERSION,
        "lang": lang,
        "asof": as_of.isoformat(),
        "products": columns,
        "producers": [
            [
                _text(p.name, lang),
                province_index[p.province],
                p.commune,
                _former_province(p.province, p.former_address),
                former_district(p.former_address),
                _district_shown(former_district(p.former_address), lang),
            ]
            for p in catalogue.producers.values()
        ],
        "facets": {
            "category": [[key, views.t(f"category.{key}")] for key in CATEGORIES],
            "province": [
                [
                    key,
                    provinces()[key].name(lang),
                    [[f.slug, f.vi, f.en] for f in provinces()[key].former],
                    [provinces()[key].name(other), *provinces()[key].aliases],
                ]
                for key in province_keys
            ],
            "certification": [
                [
                    key,
                    views.t(f"scheme.{key}"),
                    " ".join(a.t(f"scheme.{key}") for a in alternates if a.lang != lang),
                ]
                for key in CERTIFICATION_SCHEMES
            ],
            "channel": [
                [key, _text(retailer.name, lang)]
                for key, retailer in catalogue.config.retailers.items()
            ],
        },
        "admin": [
            *ADMIN_WORDS,
            *CATALOGUE_WORDS,
            *(ADMIN_WORDS_EN + CATALOGUE_WORDS_EN if lang == "en" else ()),
        ],
        "catalogue": [*CATALOGUE_WORDS, *(CATALOGUE_WORDS_EN if lang == "en" else ())],
        "codes": codes or [],
        "urls": {
            "product": views.href(Route("product", SLOT)),
            "thumb": views.urls.file_in(Route("product", SLOT), THUMBNAIL)[0],
        },
        "strings": {
            **{
                key: views.t(f"search.{key}")
                for key in (
                    "results",
                    "one_result",
                    "none",
                    "none_filters",
                    "none_hint",
                    "unmatched",
                    "all",
                    "more",
                    "shown",
                    "did_you_mean",
                    "formerly",
                    "remove",
                    "unknown",
                    "code_open",
                )
            },
            "browse": views.t("search.browse"),
            "filters": views.t("search.filters"),
            "stars": views.t("stars.label"),  # a template: the script fills in {n}
            "states": [[state, views.t(f"status.{state}")] for state in STATES],
        },
    }


@functools.lru_cache(maxsize=1 << 16)  # each producer's, in every language
def _former_province(province: str, former_address: str | None) -> int:
    """Which of ``province``'s former provinces a pre-2025 address names (its index), or -1.

    Only that name is indexed, not the whole old address: it is what people
    search for ("bac kan"), and it keeps the index small. Dashes are folded, so
    "Bà Rịa - Vũng Tàu" is Bà Rịa–Vũng Tàu.
    """
    address = fold(former_address or "")
    for index, former in enumerate(_folded_former(province)):
        if former in address:
            return index
    return -1


@functools.cache
def _folded_former(province: str) -> tuple[str, ...]:
    return tuple(fold(former.vi) for former in provinces()[province].former)


def _district_shown(district: str, lang: str) -> str:
    """A former district as a result card names it: in English on English pages."""
    return district_in_english(district) if lang == "en" and district else district


def word_index(
    index: dict[str, Any], budget: int | None = None
) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The word index of ``index`` (made by :func:`build_index`), in shards by the
    beginnings of words (:meth:`vocabulary.Indexer.shards`), and what each letter
    finds (:meth:`vocabulary.Indexer.letters`).

    Products post their name, tags and certification labels; producers their name,
    commune, former province and district, and channels their name, each to its
    products (:meth:`vocabulary.Indexer.expand`); the other facet values post to groups
    of products, numbered after the products and producers in the order category,
    province, certification (then channel, whose numbers no posting holds). search.js
    knows the members of groups from the compact columns of the index's head.
    """
    lang, facets, admin = index["lang"], index["facets"], frozenset(index["admin"])
    columns, producers = index["products"], index["producers"]
    count = len(columns["n"])
    words = Indexer(lang, admin)
    target = count + len(producers)
    groups = group_members(index)
    for kind in GROUP_FACETS:
        for value in facets[kind]:
            if kind == "province":
                for name in (value[1], *value[3]):
                    words.index(name, target, PLACE, place=True)
                for former in value[2]:
                    words.index(former[1], target, OTHER, place=True)
                    words.index(former[2], target, OTHER, place=True)
            else:
                for label in value[1:]:
                    words.index(label, target, OTHER)
            target += 1
    for i in range(count):
        words.index(f"{columns['n'][i]} {columns['v'][i]}", i, NAME)
        for tag in filter(None, columns["g"][i].split(",")):
            words.index(tag, i, OTHER)
        for label in filter(None, columns["o"][i].split("|")):
            words.index(label, i, OTHER)
    for maker, (name, province, commune, former, district, _) in enumerate(producers):
        words.index(name, count + maker, MAKER)
        words.index(commune, count + maker, PLACE, place=True)
        # the producer's own old address ranks above the mere fact that its province
        # took in former provinces, so "bac kan" puts Bắc Kạn's products first
        if former >= 0:
            for text in facets["province"][province][2][former][1:]:
                words.index(text, count + maker, FORMER, place=True)
        # (as written only: the English kind a card adds, "Na Rì District", is an
        # administrative word, which a query may have and need not find)
        words.index(district, count + maker, FORMER, place=True)
    made: list[list[int]] = [[] for _ in producers]
    for i, maker in enumerate(columns["m"]):
        made[maker].append(i)

    channels = count + len(producers) + len(groups) - len(facets["channel"])

    def products(target: int) -> list[int] | None:
        if target < count + len(producers):
            return made[target - count]
        return groups[target - count - len(producers)] if target >= channels else None

    # what was posted to a producer or a channel is posted to its products: a query then
    # reads no list of the products of each producer or channel, only its words' shards
    words.expand(products, count)

    @functools.cache
    def members(target: int) -> list[int]:
        return groups[target - count - len(producers)]

    return words.shards(budget or SHARD_POSTINGS), words.letters(count, members)


#: The facets whose values post to groups of products, in the order of their numbers.
GROUP_FACETS = ("category", "province", "certification", "channel")


def group_members(index: dict[str, Any]) -> list[list[int]]:
    """The products of each group of :func:`word_index` (the values of
    :data:`GROUP_FACETS` in order): group ``g`` is the target ``count + producers + g``."""
    facets, columns, producers = index["facets"], index["products"], index["producers"]
    count = len(columns["n"])
    groups: list[list[int]] = []
    for kind in GROUP_FACETS:
        groups += _members(kind, len(facets[kind]), count, columns, producers)
    return groups


def _members(
    kind: str, values: int, count: int, columns: dict[str, list[Any]], producers: list[list[Any]]
) -> list[list[int]]:
    """For each value of facet ``kind``, the products (by position, ascending) that have it."""
    members: list[list[int]] = [[] for _ in range(values)]
    for i in range(count):
        if kind == "category":
            numbers: Iterable[int] = (columns["c"][i],)
        elif kind == "province":
            numbers = (producers[columns["m"][i]][1],)
        elif kind == "certification":
            bits = columns["x"][i]
            numbers = [n for n in range(values) if bits & (1 << n)]
        else:
            numbers = set(columns["h"][i])
        for number in numbers:
            members[number].append(i)
    return members


#: Columns of :func:`build_index` that the head of the index keeps: what orders,
#: filters and counts every product (small numbers); the rest is shown or searched.
HEAD_COLUMNS = ("m", "c", "k", "x", "h")
#: Columns of the parts: what a result card shows (the rating's state, re-checked
#: on the reader's date, only on cards).
PART_COLUMNS = ("n", "s", "i", "e", "u")
#: What cards show of a product's producer, in the parts (key, position in a producer
#: of :func:`build_index`): its name, former province and former district (as shown).
MAKER_COLUMNS = (("a", 0), ("f", 3), ("d", 5))


def split(index: dict[str, Any], per_part: int | None = None) -> list[dict[str, Any]]:
    """Cut ``index`` (made by :func:`build_index`) into its head and parts; return the
    parts of ``per_part`` products each (by default :data:`PRODUCTS_PER_PART`).

    The head keeps, for every product, what orders, filters and counts results:
    category "c", stars "k", certifications "x" and its producer's province "p"
    (:func:`~ocopsite.search.encoding.pack`-ed); "columns" holds the products of each channel "h"
    (:func:`~ocopsite.search.encoding.channel_lists`, for the channel filter and its counts), which
    :func:`index_files` writes as a file of its own.
    A part holds what result cards show of its products (:data:`PART_COLUMNS`) and
    of their producers (:data:`MAKER_COLUMNS`: name, former province, district), and
    the position of its first product: a card needs one part, so that the first cards
    of a query need one request each at most.
    """
    per_part = per_part or PRODUCTS_PER_PART
    columns, producers = index.pop("products"), index.pop("producers")
    count = len(columns["n"])
    index.update(count=count, per=per_part, producers=len(producers))
    index["products"] = {key: pack(columns[key]) for key in "ckx"}
    index["products"]["p"] = pack([producers[m][1] for m in columns["m"]])
    # the largest column, which only the channel filter needs, is a file of its own
    channels = len(index["facets"]["channel"]) if "facets" in index else 0
    index["columns"] = {"h": channel_lists(columns["h"], channels)}
    return [
        {
            "start": start,
            "products": {
                **{key: columns[key][start : start + per_part] for key in PART_COLUMNS},
                **{
                    key: [producers[m][field] for m in columns["m"][start : start + per_part]]
                    for key, field in MAKER_COLUMNS
                },
            },
        }
        for start in range(0, count, per_part)
    ]


#: How many result cards of a one-letter query its letter file carries (see
#: :func:`letter_cards`): the first cards shown before the rest of the page.
LETTER_CARDS = QUICK_CARDS


def letter_cards(
    codes: Sequence[int], columns: dict[str, list[Any]], producers: list[list[Any]]
) -> dict[str, list[Any]]:
    """What the first :data:`LETTER_CARDS` result cards of a one-letter query show, in
    the columns of a part plus "p", the products' positions, in the order of the results.

    ``codes`` is what the letter finds (:meth:`vocabulary.Indexer.letters`); results are
    ordered as search.js orders them without filters: the weight of the best field, then
    the stars in force, then catalogue order. The page shows these cards without reading
    the parts, which the rest of the page needs (:func:`with_cards` finds the same
    products quicker)."""
    found = [i for i, code in enumerate(codes) if code]
    rank = {
        i: -round(WEIGHTS[(codes[i] - 1) % 7] * 100) * 8 - max(columns["k"][i], 0) for i in found
    }
    return _cards(sorted(found, key=lambda i: (rank[i], i))[:LETTER_CARDS], columns, producers)


def _cards(
    first: list[int], columns: dict[str, list[Any]], producers: list[list[Any]]
) -> dict[str, list[Any]]:
    return {
        "p": first,
        **{key: [columns[key][i] for i in first] for key in PART_COLUMNS},
        **{key: [producers[columns["m"][i]][field] for i in first] for key, field in MAKER_COLUMNS},
    }


#: What :func:`word_index` reads of an index made by :func:`build_index`: its language,
#: facets and administrative words, these columns of its products, and its producers.
WORD_INPUTS = ("n", "v", "g", "o", "m", "c", "x", "h")
#: The folder, in the build's cache, of the word indexes kept between builds.
WORDS_CACHE = "search-words"


#: The name, in a kept word index, of the answers of its common queries.
ANSWERS = "answers"


def word_files(
    index: dict[str, Any], cache: Path | None = None
) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, Answer]]:
    """The word index of ``index`` (:func:`word_index`) as encoded shards and letters, and
    the answers of its common queries (:func:`quick.answers`: those of the words and pairs
    with a posting for one product in :data:`SHARD_CARDS_SHARE` at least), by query.

    With ``cache`` (a folder), the result is kept there under a hash of everything
    :func:`word_index` reads and of ocopsite's code, and taken from there when that
    hash is the same: an edit that changes no searched text (a rating, a photo, a
    certificate's dates) does not index every word of the catalogue again, nor rank its
    common queries (the stars that order their first results are not part of it). Only
    the latest entry of each language is kept.
    """
    lang = index["lang"]
    columns = index["products"]
    read = {
        "lang": lang,
        "facets": index["facets"],
        "admin": index["admin"],
        "catalogue": index["catalogue"],
        "producers": index["producers"],
        "columns": {key: columns[key] for key in WORD_INPUTS},
        "budget": SHARD_POSTINGS,
        "share": SHARD_CARDS_SHARE,
    }
    entry = cache_entry(cache, lang, read) if cache is not None else None
    found = kept(entry) if entry is not None else None
    if found is not None and ANSWERS in found:
        shards = {name[2:]: data for name, data in found.items() if name.startswith("s/")}
        letters = {name[2:]: data for name, data in found.items() if name.startswith("l/")}
        if len(shards) + len(letters) + 1 == len(found):
            return shards, letters, decode_answers(found[ANSWERS])
    words, first = word_index(index)
    count = len(columns["n"])
    answered = answers(_ranking(index, words), count // SHARD_CARDS_SHARE)
    shards = {name: encode(shard) for name, shard in words.items()}
    letters = {name: encode(pack(codes)) for name, codes in first.items()}
    if entry is not None:
        stored = {f"s/{name}": data for name, data in shards.items()}
        stored |= {f"l/{name}": data for name, data in letters.items()}
        keep_entry(entry, stored | {ANSWERS: encode_answers(answered)})
    return shards, letters, answered


def index_files(
    catalogue: Catalogue,
    views: dict[str, Views],
    urls: Urls,
    cache: Path | None = None,
    codes_cache: Path | None = None,
    rows_cache: Path | None = None,
) -> dict[str, bytes]:
    """Every file of the search, by output path: each language's head, its word shards,
    parts and code shards (content-hashed), and the manifest that names the heads.

    ``cache`` is a folder where word indexes are kept between builds (see
    :func:`word_files`), ``codes_cache`` one where code shards are (see
    :func:`~ocopsite.search.codes.code_files`), ``rows_cache`` one where each product's
    values are (see :func:`rows.columns`); the files are the same with or without them."""
    files: dict[str, bytes] = {}
    hrefs: dict[str, str] = {}
    first: dict[str, dict[str, Any]] = {}

    def add(name: str, data: bytes) -> str:
        href, path = urls.search_file(file_name(name, data))
        files[path] = data
        return href

    products = rows.columns(catalogue, list(views), rows_cache)
    code_read = code_inputs(catalogue) if codes_cache is not None else None
    stars = stars_in_force(products[next(iter(views))]) if views else None
    for lang, lang_views in views.items():
        code_tables = code_files(catalogue, lang_views, codes_cache, code_read)
        codes = [add(f"{lang}-codes", table) for table in code_tables]
        index = build_index(catalogue, lang_views, codes, list(views.values()), products[lang])
        shards, letters, answered = word_files(index, cache)
        columns, producers = index["products"], index["producers"]
        in_force = stars if stars is not None else [max(k, 0) for k in columns["k"]]
        shown_first = {query: first_results(answer, in_force) for query, answer in answered.items()}
        index["words"] = {
            key: add(f"{lang}-words", data)
            for key, data in shard_cards(shards, shown_first, columns, producers).items()
        }
        common = common_files(answered, shown_first, CardMaker(index, columns, producers), shards)
        first_files = {
            key: add(f"{lang}-common", encode(entry)) for key, entry in sorted(common.items())
        }
        parts = split(index)
        shown = quick_cards(index, columns, producers)
        index["letters"] = {
            key: add(f"{lang}-letter", with_cards(data, columns, producers, stars, shown))
            for key, data in letters.items()
        }
        index["parts"] = [add(f"{lang}-part", encode(part)) for part in parts]
        index["columns"] = {
            key: add(f"{lang}-column", encode(column)) for key, column in index["columns"].items()
        }
        hrefs[lang] = add(lang, encode(index))
        first[lang] = {key: index[key] for key in FIRST_FILES}
        first[lang]["quick"] = quick_strings(index)
        first[lang]["common"] = first_files
        # not held while the next language's word index is made: a worker's largest moment
        del answered, shown_first, common, shards, letters, parts, index
    files[urls.search_file(MANIFEST)[1]] = manifest(hrefs, first)
    return files


def _ranking(index: dict[str, Any], shards: dict[str, dict[str, Any]]) -> Ranking:
    """The :class:`quick.Ranking` of ``index``'s word index, in ``shards``."""
    columns, producers = index["products"], index["producers"]
    count = len(columns["n"])
    groups = group_members(index)
    return Ranking(
        shards,
        count,
        len(producers),
        lambda target: groups[target - count - len(producers)],
        index["lang"],
        index["admin"],
        index["catalogue"],
    )


def with_cards(
    letter: bytes,
    columns: dict[str, list[Any]],
    producers: list[list[Any]],
    stars: bytes | None = None,
    shown: Callable[[dict[str, list[Any]], Sequence[int]], dict[str, Any]] | None = None,
) -> bytes:
    """A letter file (:func:`word_files`) with the cards of its first results, "c"
    (:func:`letter_cards`). ``stars`` is each product's stars in force, a byte each
    (:func:`stars_in_force`), when already made. With ``shown`` (:func:`quick_cards`),
    also "q": those cards as the search page shows them, for the page to show before
    search.js has run."""
    packed = json.loads(letter)
    found = cards.codes(packed)
    if stars is None:
        stars = stars_in_force(columns)
    first = cards.first(found, stars, _RANKS, LETTER_CARDS) if found and stars else None
    if first is None:
        made = {**packed, "c": letter_cards(unpack(packed), columns, producers)}
    else:
        made = {**packed, "c": _cards(first, columns, producers)}
    if shown is not None:
        quick = shown(made["c"], found if found is not None else unpack(packed))
        if quick["n"]:
            made["q"] = quick
    return encode(made)


#: Only a word (or pair of words) with a posting for one product in this many gets an answer
#: (:func:`word_files`): its first cards in its shard and its common file. 50 postings at
#: 16,000, every word of a catalogue under 320. The first cards of a rarer word are nearly
#: all of its products' cards, as large as the parts they spare, and most words are rare:
#: with the cards of every word, the word shards of a 16,000-product catalogue were 2.5
#: times as large as without (2.88 MB gzipped against 1.17, both languages), and every
#: visitor fetches them all once the first results are in (and every offline pack holds
#: them); with those of the words that 50 products have, 1.6 times (1.90 MB).
SHARD_CARDS_SHARE = 320


def shard_cards(
    shards: dict[str, bytes],
    shown: dict[str, list[int]],
    columns: dict[str, list[Any]],
    producers: list[list[Any]],
) -> dict[str, bytes]:
    """The shards of the word index (:func:`word_files`), each with "c", the cards
    (:func:`_cards`) of the first results ``shown`` (:func:`quick.first_results`) of the common
    queries it holds (:func:`quick.file_key`): search.js shows them without asking for
    their parts (it takes a file's "c" as a letter file's). A shard without a common
    query is as it was."""
    chosen: dict[str, set[int]] = {}
    for query, ids in shown.items():
        key = file_key(query, shards)
        if key is not None:
            chosen.setdefault(key, set()).update(ids)
    return {
        key: encode({**json.loads(data), "c": _cards(sorted(chosen[key]), columns, producers)})
        if key in chosen
        else data
        for key, data in shards.items()
    }


#: The order of :func:`letter_cards`, for :func:`cards.first`.
_RANKS = cards.ranks(WEIGHTS, FIELDS)


def stars_in_force(columns: dict[str, list[Any]]) -> bytes | None:
    """Each product's stars in force (0 if none), a byte each; ``None`` if one is not a
    byte."""
    values = [k if k > 0 else 0 for k in columns["k"]]
    return bytes(values) if max(values, default=0) < 256 else None


#: The entries of an index's head that name its other files: lists of hrefs, or
#: mappings whose values are hrefs.
FILE_LISTS = ("codes", "parts", "words", "letters", "columns")


def index_hrefs(index: dict[str, Any]) -> list[Any]:
    """Every file the head of an index names (as written in it: hrefs, unchecked)."""
    hrefs: list[Any] = []
    for key in FILE_LISTS:
        named = index.get(key)
        if isinstance(named, dict):
            hrefs += named.values()
        elif isinstance(named, list):
            hrefs += named
    return hrefs


#: The entries of a head that the manifest repeats (see :func:`manifest`).
FIRST_FILES = ("words", "letters", "columns")


def manifest(hrefs: dict[str, str], first: dict[str, dict[str, Any]] | None = None) -> bytes:
    """The manifest: each language's index URL (its head) and, under "first", the
    head's entries :data:`FIRST_FILES` of each language, which name the files a query
    reads first (its words' shards or letter, the channel column): the
    page can ask for them at the same time as the head instead of after it."""
    named: dict[str, Any] = {**hrefs, "first": first or {}}
    return json.dumps(named, sort_keys=True, separators=(",", ":")).encode()


def page_manifest(manifest_bytes: bytes, lang: str) -> dict[str, Any]:
    """What the search page of ``lang`` carries of the manifest (:func:`manifest`): its
    language's head and, under "first", the files a query reads first. With it the page
    asks for the head and the query's files as it is read, without waiting for the
    manifest. Only the search page carries it: it changes with every index, and is
    made with the index (see :func:`ocopsite.output.plan.site_files`)."""
    named = json.loads(manifest_bytes)
    return {lang: named[lang], "first": {lang: named["first"][lang]}}


def file_name(lang: str, data: bytes) -> str:
    """A content-hashed name, so that hosts may cache the index for ever."""
    return f"{lang}.{hashlib.sha256(data).hexdigest()[:10]}.json"
