"""Lists inside records on sheets of their own: certificates (of products and producers) and lots.

A sheet row is one item, named by its record's folder (``product`` or
``producer``) and flat columns: a translatable text has a column per language
(``issuer_vi``, ``issuer_en``), a lot's recall its date and reason. A record the
sheet names gets exactly the items of its rows, in their order; its list is
compared with the validated one, column by column, so that an unchanged list
is not rewritten. What a lot holds beyond the sheet's columns (coordinates,
traceability steps, lab tests) is kept from the record's YAML, matched by the
lot's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The columns of a certificate, after 'product' and 'producer'.
CERTIFICATE_KEYS = (
    "scheme", "label_vi", "label_en", "number", "issuer_vi", "issuer_en",
    "issued", "expires", "url", "status",
)  # fmt: skip
#: The columns of a lot, after 'product'.
LOT_KEYS = (
    "code", "produced", "expires", "quantity_vi", "quantity_en", "area_vi", "area_en",
    "recalled", "recall_reason_vi", "recall_reason_en",
)  # fmt: skip
#: A lot's keys in the order docs/content.md gives them.
_LOT_ORDER = (
    "code", "produced", "expires", "quantity", "area", "coordinates", "recalled", "events",
    "lab_tests",
)  # fmt: skip
_CERTIFICATE_ORDER = (
    "scheme", "label", "number", "issuer", "issued", "expires", "url", "status",
)  # fmt: skip
_TRANSLATED = ("_vi", "_en")


@dataclass(frozen=True)
class ItemList:
    """A list of a record that a sheet holds: its key in the record and the sheet's columns."""

    key: str  # "certifications" or "lots"
    columns: tuple[str, ...]
    required: tuple[str, ...]
    defaults: tuple[tuple[str, Any], ...] = ()

    def keys(self, languages: tuple[str, ...]) -> list[str]:
        """The columns, less the texts in languages the site does not have."""
        return [k for k in self.columns if k[-3:] not in _TRANSLATED or k[-2:] in languages]


CERTIFICATES = ItemList(
    "certifications",
    CERTIFICATE_KEYS,
    ("scheme", "number", "issuer_vi", "issued"),
    (("status", "active"),),
)
LOTS = ItemList("lots", LOT_KEYS, ("code", "produced", "expires"))


def item_value(item: Any, key: str) -> Any:
    """The validated value of the column ``key`` of a certificate or a lot."""
    if key == "recalled":
        return item.recalled.date if item.recalled is not None else None
    if key.startswith("recall_reason_"):
        return item.recalled.reason.get(key[-2:]) if item.recalled is not None else None
    if key[-3:] in _TRANSLATED:
        text = getattr(item, key[:-3])
        return text.get(key[-2:]) if text is not None else None
    return getattr(item, key)


def as_written(kind: ItemList, items: Any, languages: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """A record's items as the columns of a sheet would hold them, to compare."""
    keys = kind.keys(languages)
    return [tuple(item_value(item, k) for k in keys) for item in items]


def in_sheet(
    kind: ItemList, rows: list[dict[str, Any]], languages: tuple[str, ...]
) -> list[tuple[Any, ...]]:
    """The items of a sheet as :func:`as_written` gives a record's, defaults filled in."""
    defaults = dict(kind.defaults)
    keys = kind.keys(languages)
    return [
        tuple(defaults.get(k) if values.get(k) is None else values[k] for k in keys)
        for values in rows
    ]


def text_yaml(values: dict[str, Any], key: str, languages: tuple[str, ...]) -> Any:
    """A translatable text from its columns: one string when it is the same in every language."""
    given = {lang: values.get(f"{key}_{lang}") for lang in languages}
    given = {lang: text for lang, text in given.items() if text is not None}
    if not given:
        return None
    if len(given) == len(languages) and len(set(given.values())) == 1:
        return next(iter(given.values()))
    return given


def _columns_of(key: str, languages: tuple[str, ...]) -> list[str]:
    """The sheet columns that hold the item key ``key``."""
    if key == "recalled":
        return ["recalled", *(f"recall_reason_{lang}" for lang in languages)]
    if key in ("label", "issuer", "quantity", "area"):
        return [f"{key}_{lang}" for lang in languages]
    return [key]


def _items(
    kind: ItemList,
    rows: list[dict[str, Any]],
    current: Any,
    raw: Any,
    languages: tuple[str, ...],
    order: tuple[str, ...],
    computed: Any,
) -> list[Any]:
    """Each row as an item of the record's YAML.

    A row that is an item of the record already (the same lot code; the same
    scheme and number) keeps the keys the sheet has no column for, and the
    record's own spelling of every value the sheet did not change (a text
    written once for all languages stays so).
    """
    defaults = dict(kind.defaults)
    raw_items = raw if isinstance(raw, list) and len(raw) == len(current) else []
    written = []
    for values, index in zip(rows, matches(kind, rows, current), strict=True):
        old = current[index] if index is not None else None
        kept = raw_items[index] if index is not None and index < len(raw_items) else {}
        kept = kept if isinstance(kept, dict) else {}
        fresh = computed(values)
        item: dict[str, Any] = {}
        for key in (*order, *kept):
            if key in item:
                continue
            if key not in fresh:
                value = kept.get(key)
            elif (
                old is not None
                and key in kept
                and all(
                    item_value(old, c) == (defaults.get(c) if values.get(c) is None else values[c])
                    for c in _columns_of(key, languages)
                )
            ):
                value = kept[key]
            else:
                value = fresh[key]
            if value is not None:
                item[key] = value
        written.append(item)
    return written


def matches(kind: ItemList, rows: list[dict[str, Any]], current: Any) -> list[int | None]:
    """For each row, the position of the record's item it updates, or None for a new item.

    A row is the item with its lot code (or certificate scheme and number). A lot row with
    a new code, in the place of a lot whose code no row has and produced the same day, is
    that lot renamed: it keeps its traceability steps and lab tests (a code corrected in
    the sheet loses nothing; a new season's lot in an old one's row takes nothing)."""
    found = [next((i for i, it in enumerate(current) if _same(kind, it, v)), None) for v in rows]
    if kind is LOTS:
        codes = {values["code"] for values in rows}
        for position, index in enumerate(found):
            if (
                index is None
                and position < len(current)
                and current[position].code not in codes
                and current[position].produced == rows[position].get("produced")
                and position not in found
            ):
                found[position] = position
    return found


def renamed(rows: list[dict[str, Any]], current: Any) -> list[tuple[str, str]]:
    """The lots whose code a row changes (see :func:`matches`): (old code, new code)."""
    return [
        (current[index].code, values["code"])
        for values, index in zip(rows, matches(LOTS, rows, current), strict=True)
        if index is not None and current[index].code != values["code"]
    ]


def dropped(kind: ItemList, rows: list[dict[str, Any]], current: Any) -> list[Any]:
    """The record's items that no row updates: the import removes them."""
    kept = set(matches(kind, rows, current))
    return [item for i, item in enumerate(current) if i not in kept]


def _same(kind: ItemList, item: Any, values: dict[str, Any]) -> bool:
    if kind is LOTS:
        return bool(item.code == values["code"])
    return bool((item.scheme, item.number) == (values["scheme"], values["number"]))


def certificates_yaml(
    rows: list[dict[str, Any]], current: Any, raw: Any, languages: tuple[str, ...]
) -> list[Any]:
    """The ``certifications`` list of a record, keys in the order docs/content.md gives."""

    def computed(values: dict[str, Any]) -> dict[str, Any]:
        return {
            "scheme": values["scheme"],
            "label": text_yaml(values, "label", languages),
            "number": values["number"],
            "issuer": text_yaml(values, "issuer", languages),
            "issued": values["issued"],
            "expires": values["expires"],
            "url": values["url"],
            "status": values["status"] if values["status"] != "active" else None,
        }

    return _items(CERTIFICATES, rows, current, raw, languages, _CERTIFICATE_ORDER, computed)


def lots_yaml(
    rows: list[dict[str, Any]], current: Any, raw: Any, languages: tuple[str, ...]
) -> list[Any]:
    """The ``lots`` list of a product: the sheet's columns, and the rest of each lot as it was
    (coordinates, traceability steps, lab tests), matched by the lot's code."""

    def computed(values: dict[str, Any]) -> dict[str, Any]:
        recall = None
        if values["recalled"] is not None:
            recall = {
                "date": values["recalled"],
                "reason": text_yaml(values, "recall_reason", languages),
            }
        return {
            "code": values["code"],
            "produced": values["produced"],
            "expires": values["expires"],
            "quantity": text_yaml(values, "quantity", languages),
            "area": text_yaml(values, "area", languages),
            "recalled": recall,
        }

    return _items(LOTS, rows, current, raw, languages, _LOT_ORDER, computed)
