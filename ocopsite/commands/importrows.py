"""Rows of an imported sheet matched to records, and the YAML each record would get.

For each row the import finds the record it describes (products by GTIN, then
slug, then the slug of the name; producers by slug, then name and commune),
compares the values of the columns the sheet has with the record's validated
values, and plans new YAML only where one differs. The new YAML is validated
with the same schema as the build before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ocopsite.commands import importcols as cols
from ocopsite.commands import importlists as lists
from ocopsite.commands.sheets import Sheet
from ocopsite.diagnostics import Diagnostics, Where
from ocopsite.load import checks as c
from ocopsite.load import schema as s
from ocopsite.load.catalogue import Catalogue
from ocopsite.load.records import PRODUCER_FIELDS, product_fields
from ocopsite.load.yamlfile import DELETE, LOADER, dump, update
from ocopsite.model import GRANT_EVENTS, RATING_VALIDITY_MONTHS, Text
from ocopsite.model.ratings import add_months, district_of, period_on
from ocopsite.model.vietnamese import fold, slugify
from ocopsite.render.recordschema import modeline


def _granting_level(stars: int, issued: Any) -> str:
    """Who granted ``stars`` on ``issued`` by the granting rules (data/ocop_rules.yaml)."""
    period = period_on(issued) if isinstance(issued, dt.date) else None
    if period is not None and period.grants.get(stars):
        return period.grants[stars][0]
    return "national" if stars == 5 else "province"


PRODUCT_PATHS: dict[str, tuple[str, ...]] = {
    "name_vi": ("name", "vi"), "name_en": ("name", "en"), "producer": ("producer",),
    "category": ("category",), "gtin": ("gtin",), "stars": ("ocop", "stars"),
    "granted_by": ("ocop", "granted_by"), "decision": ("ocop", "decision"),
    "authority": ("ocop", "authority"),
    "issued": ("ocop", "issued"), "expires": ("ocop", "expires"),
    "rating_status": ("ocop", "status"), "price_vnd": ("price",),
    "net_content": ("net_content",),
}  # fmt: skip
PRODUCER_PATHS: dict[str, tuple[str, ...]] = {
    "name_vi": ("name", "vi"), "name_en": ("name", "en"), "kind": ("kind",),
    "province": ("province",), "commune": ("commune",), "address": ("address",),
    "former_address": ("former_address",), "phone": ("contact", "phone"),
    "email": ("contact", "email"), "website": ("contact", "website"),
}  # fmt: skip
REQUIRED = {
    "products": ("name_vi", "category", "stars", "decision", "issued"),
    "producers": ("name_vi", "kind", "province", "commune"),
}


@dataclass
class Row:
    where: str  # FILE:SHEET
    sheet: Sheet
    index: int
    values: dict[str, Any]  # column key → parsed value (None for an empty cell)
    cells: dict[str, str]
    failed: set[str] = field(default_factory=set)  # columns whose cell was already reported

    def at(self, key: str | None = None) -> Where:
        return Where(f"{self.where}!{self.cells.get(key or '', self.sheet.cell(self.index, 0))}")


@dataclass
class RowPlan:
    path: Path
    text: str | None  # None: nothing to change
    created: bool
    fields: list[str] = field(default_factory=list)


def _rows(
    tables: list[tuple[Sheet, int, dict[int, cols.Column]]],
    shown: str,
    vocabulary: cols.Vocabulary,
    diagnostics: Diagnostics,
) -> list[Row]:
    found = []
    for sheet, top, known in tables:
        for index in range(top + 1, len(sheet.rows)):
            cells = sheet.rows[index]
            if all(cell in (None, "") for cell in cells):
                continue
            row = Row(f"{shown}:{sheet.name}", sheet, index, {}, {})
            for column_index, column in known.items():
                raw = cells[column_index] if column_index < len(cells) else ""
                row.cells[column.key] = sheet.cell(index, column_index)
                if raw in (None, "") or (isinstance(raw, str) and not raw.strip()):
                    row.values[column.key] = None
                    continue
                try:
                    row.values[column.key] = column.parse(raw, vocabulary)
                except cols.CellError as problem:
                    diagnostics.error(row.at(column.key), str(problem), problem.hint)
                    row.failed.add(column.key)
            found.append(row)
    return found


def _unique(base: str, taken: set[str]) -> str:
    slug, number = base or "san-pham", 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug


def _new_slug(given: str | None, name: str | None, taken: set[str]) -> str:
    """The folder of a new record: the sheet's slug when it is one, else the name's."""
    if given and c.SLUG_RE.match(given) and given not in taken:
        taken.add(given)
        return given
    return _unique(slugify(name or ""), taken)


class _Planner:
    def __init__(self, site: Path, catalogue: Catalogue, diagnostics: Diagnostics) -> None:
        self.site, self.catalogue, self.diagnostics = site, catalogue, diagnostics
        self.languages = catalogue.config.languages
        self.producers: dict[str, tuple[Any, dict[str, Any], Row | None]] = {
            slug: (p, {}, None) for slug, p in catalogue.producers.items()
        }
        self.producer_slugs = set(self.producers)
        self.by_place = {
            (fold(p.name.first()), fold(p.commune)): slug for slug, p in catalogue.producers.items()
        }
        self.products: dict[str, tuple[Any, dict[str, Any], Row]] = {}
        self.product_slugs = {p.slug for p in catalogue.products}
        self.by_gtin = {p.gtin: p for p in catalogue.products if p.gtin}
        #: The new products of the sheet by (folded name, producer): the slug each got.
        self.new_products: dict[tuple[str, str | None, str | None], str] = {}
        #: list key ("lots") → (kind, slug) → the items the sheet lists for that record.
        self.items: dict[str, dict[tuple[str, str], list[tuple[dict[str, Any], Row]]]] = {}

    def _missing(self, row: Row, kind: str, existing: Any) -> bool:
        needed = [k for k in REQUIRED[kind] if row.values.get(k) is None and k not in row.failed]
        if kind == "products" and "issued" in needed and row.values.get("year") is not None:
            needed.remove("issued")
            if existing is None or existing.ocop.issued.year != row.values["year"]:
                self.diagnostics.error(
                    row.at("year"),
                    f"only the year {row.values['year']} of the rating; a record needs the date",
                    "add a column 'Ngày công nhận' (date of the decision), like 2024-06-12",
                )
                return True
        if existing is not None:
            needed = [k for k in needed if k in row.values]  # emptied, not just absent
        for key in needed:
            self.diagnostics.error(
                row.at(key if key in row.cells else None),
                f"no {key.replace('_', ' ')} for this {kind[:-1]}",
                f"every {kind[:-1]} needs it; add the column or fill in the cell",
            )
        return bool(needed)

    def producer_row(self, row: Row) -> str | None:
        name, commune = row.values.get("name_vi"), row.values.get("commune")
        given = row.values.get("slug")
        if given and (given in self.catalogue.producers or c.SLUG_RE.match(given)):
            slug = given if given in self.producers else None  # a new one has a planned slug
        else:
            slug = self.by_place.get((fold(name or ""), fold(commune or "")))
        existing = self.catalogue.producers.get(slug or "")
        if self._missing(row, "producers", existing) or row.failed:
            return None
        if slug is None:
            slug = _new_slug(given, name, self.producer_slugs)
            self.by_place[(fold(name or ""), fold(commune or ""))] = slug
        before = self.producers.get(slug)
        if before is not None and before[2] is not None:
            self.diagnostics.error(
                row.at(),
                f"a second row for producer '{slug}'",
                f"see {before[2].at()}; keep one row per producer",
            )
            return None
        values = {k: v for k, v in row.values.items() if k in PRODUCER_PATHS}
        self.producers[slug] = (existing, values, row)
        return slug

    def product_producer(self, row: Row) -> str | None:
        slug = row.values.get("producer")
        if slug is not None:
            if slug not in self.producers:
                self.diagnostics.error(
                    row.at("producer"),
                    f"no producer '{slug}'",
                    "use a producer's folder name, or its name in 'Chủ thể'",
                )
            return slug
        name = row.values.get("producer_name")
        if name is None:
            return None
        commune = row.values.get("producer_commune")
        found = self.by_place.get((fold(name), fold(commune or "")))
        if found is None and commune is None:
            named = [v for (n, _), v in self.by_place.items() if n == fold(name)]
            found = named[0] if len(named) == 1 else None
        if found is not None:
            return found
        values = {
            k.removeprefix("producer_"): v
            for k, v in row.values.items()
            if k.startswith("producer_") and k != "producer_name"
        }
        if row.failed & {"producer_kind", "producer_province", "producer_commune"}:
            return None  # its cells were reported already
        if None in (values.get("kind"), values.get("province"), commune):
            self.diagnostics.error(
                row.at("producer_name"),
                f"no producer '{name}'" + (f" in {commune}" if commune else ""),
                "add it on a producers sheet, or give 'Loại hình', 'Tỉnh' and 'Xã' columns",
            )
            return None
        slug = _unique(slugify(name), self.producer_slugs)
        self.by_place[(fold(name), fold(commune or ""))] = slug
        self.producers[slug] = (None, {"name_vi": name, **values}, row)
        return slug

    def product_row(self, row: Row) -> None:
        code, name = row.values.get("gtin"), row.values.get("name_vi")
        existing = self.by_gtin.get(code) if code else None
        if existing is None and row.values.get("slug"):
            existing = self.catalogue.product_by_slug.get(row.values["slug"])
        if existing is None and name and not code:
            existing = self.catalogue.product_by_slug.get(slugify(name))
        producer = self.product_producer(row)
        if self._missing(row, "products", existing) or row.failed:
            return
        if existing is None and producer is None and not row.failed:
            self.diagnostics.error(
                row.at(),
                "no producer for this product",
                "add a column 'Chủ thể' (producer name) or 'producer' (slug)",
            )
            return
        given = row.values.get("slug")
        same = (fold(name or ""), producer, code)  # a new product: name, producer, GTIN
        if existing is None and not given and same in self.new_products:
            first = self.new_products[same]
            self.diagnostics.error(
                row.at(),
                f"a second row for the new product '{first}' of the same producer",
                f"see {self.products[first][2].at()}; keep one row per product, with its "
                "latest decision (a re-rating is an event of its rating's history: import "
                "the first row, then the later one)",
            )
            return
        slug = existing.slug if existing else _new_slug(given, name, self.product_slugs)
        if existing is None:
            self.new_products.setdefault(same, slug)
        if slug in self.products:
            self.diagnostics.error(
                row.at(),
                f"a second row for product '{slug}'",
                f"see {self.products[slug][2].at()}; keep one row per product",
            )
            return
        values = {k: v for k, v in row.values.items() if k in PRODUCT_PATHS}
        if producer is not None:
            values["producer"] = producer
        if existing is None and values.get("granted_by") is None:
            values["granted_by"] = _granting_level(values["stars"], values.get("issued"))
        other = self.by_gtin.get(code) if code else None
        if other is not None and other.slug != slug:
            self.diagnostics.error(
                row.at("gtin"),
                f"GTIN already used by product '{other.slug}'",
                "each GTIN belongs to one product",
            )
        self.products[slug] = (existing, values, row)

    def check_district_grants(self) -> None:
        """A district's grant names its People's Committee from the producer's former
        address (see :func:`ocopsite.model.ratings.authority`): a row that makes one for a
        producer whose former address names no district, and gives no authority, would
        import and then fail to build; it is an error here, at its cell."""
        for existing, values, row in self.products.values():
            new = existing is None or new_decision(existing.ocop, values)
            level, authority = values.get("granted_by"), values.get("authority")
            if existing is not None and new:  # the level of the event _new_grant writes
                stars = values.get("stars") or existing.ocop.stars
                level = level or _granting_level(stars, values.get("issued"))
            if level != "district" or authority:
                continue
            if existing is not None and not new and existing.ocop.grant.authority:
                continue
            maker = self.producers.get(values.get("producer") or existing.producer)
            if maker is not None and "former_address" in maker[1]:
                former = maker[1]["former_address"]
            else:
                known = self.catalogue.producers.get(values.get("producer") or existing.producer)
                former = known.former_address if known is not None else None
            if district_of(former) is None:
                issued = values.get("issued")
                when = f" on {issued.isoformat()}" if isinstance(issued, dt.date) else ""
                self.diagnostics.error(
                    row.at("granted_by" if "granted_by" in row.values else "stars"),
                    f"a district granted these {values.get('stars')} stars{when}, but the "
                    "producer's former address names no district",
                    "add a column 'Cơ quan công nhận' (authority: UBND huyện …), or give the "
                    "producer its former address with its district (column 'Địa chỉ cũ' of "
                    "the producers' sheet)",
                )

    def item_row(self, row: Row, kind_of_list: lists.ItemList) -> None:
        """A certificate or a lot of the record the row names by its folder."""
        owners = ("product", "producer") if kind_of_list is lists.CERTIFICATES else ("product",)
        named = [(key, row.values.get(key)) for key in owners if row.values.get(key) is not None]
        if len(named) != 1:
            self.diagnostics.error(
                row.at(owners[0] if owners[0] in row.cells else None),
                f"a {_ITEM[kind_of_list.key]} belongs to one " + " or one ".join(owners),
                "fill in " + " or ".join(f"'{k}'" for k in owners) + " with a folder name",
            )
            return
        owner, slug = named[0][0], str(named[0][1])
        kind = f"{owner}s"
        planned = self.products if kind == "products" else self.producers
        existing = (
            self.catalogue.product_by_slug if kind == "products" else self.catalogue.producers
        )
        if slug not in planned and slug not in existing:
            self.diagnostics.error(
                row.at(owner),
                f"no {owner} '{slug}'",
                f"use the folder name of a {owner} of the site or of this sheet",
            )
            return
        needed = [
            k for k in kind_of_list.required if row.values.get(k) is None and k not in row.failed
        ]
        if row.values.get("scheme") == "other" and row.values.get("label_vi") is None:
            needed.append("label_vi")
        if (row.values.get("recalled") is None) != (row.values.get("recall_reason_vi") is None):
            needed.append("recalled" if row.values.get("recalled") is None else "recall_reason_vi")
        for key in needed:
            self.diagnostics.error(
                row.at(key if key in row.cells else None),
                f"no {_WORDS.get(key, key.removesuffix('_vi').replace('_', ' '))} for this "
                f"{_ITEM[kind_of_list.key]}",
                _NEEDED[kind_of_list.key],
            )
        if needed or row.failed:
            return
        values = {k: row.values.get(k) for k in kind_of_list.columns}
        entries = self.items.setdefault(kind_of_list.key, {})
        entries.setdefault((kind, slug), []).append((values, row))


_ITEM = {"certifications": "certificate", "lots": "lot"}
_WORDS = {
    "issued": "date of issue",
    "produced": "production date",
    "expires": "expiry date",
    "recalled": "recall date",
}
_NEEDED = {
    "certifications": "every certificate needs its scheme, number, issuer and date of issue "
    "(and a label_vi for the scheme 'other')",
    "lots": "every lot needs its code and its dates of production and expiry; "
    "a recall needs its date and reason",
}


def current_value(record: Any, key: str, kind: str) -> Any:
    """The validated value of the column ``key`` in an existing record."""
    if key in ("name_vi", "name_en"):
        return record.name.get(key[-2:])
    if kind == "producers":
        value = (
            getattr(record.contact, key)
            if key in ("phone", "email", "website")
            else getattr(record, key)
        )
        # a sheet has one column per text: the first language's (an address in Vietnamese)
        return value.first() if isinstance(value, Text) else value
    rating = {
        "stars": "stars",
        "granted_by": "granted_by",
        "decision": "decision",
        "issued": "issued",
        "expires": "expires",
        "rating_status": "status",
    }
    if key in rating:
        return getattr(record.ocop, rating[key])
    if key == "authority":  # the latest grant's, as the columns of a rating are
        return record.ocop.grant.authority
    return {"price_vnd": record.price}.get(key, getattr(record, key, None))


def _effective(values: dict[str, Any], record: Any, key: str) -> Any:
    """A column's value as the record would read it: an empty expiry or status is the default."""
    value = values.get(key)
    if key == "expires" and value is None:
        issued = values.get("issued") or (record.ocop.issued if record else None)
        return add_months(issued, RATING_VALIDITY_MONTHS) if issued else None
    if key == "rating_status" and value is None:
        return "active"
    if key == "granted_by" and value is None:  # the level the rules give, as on import
        stars = values.get("stars") or (record.ocop.stars if record else None)
        issued = values.get("issued") or (record.ocop.issued if record else None)
        return _granting_level(stars, issued) if stars else None
    return value


def _yaml_value(key: str, value: Any) -> Any:
    if key == "gtin" and value is not None and len(value) == 14 and value.startswith("0"):
        return value[1:]
    return value


def plan_rows(
    site: Path,
    shown: str,
    tables: dict[str, list[Any]],
    vocabulary: cols.Vocabulary,
    catalogue: Catalogue,
    diagnostics: Diagnostics,
) -> list[RowPlan]:
    planner = _Planner(site, catalogue, diagnostics)
    for producer in _rows(tables.get("producers", []), shown, vocabulary, diagnostics):
        planner.producer_row(producer)
    for product in _rows(tables.get("products", []), shown, vocabulary, diagnostics):
        planner.product_row(product)
    for kind_of_list in (lists.CERTIFICATES, lists.LOTS):
        for item in _rows(tables.get(kind_of_list.key, []), shown, vocabulary, diagnostics):
            planner.item_row(item, kind_of_list)
    planner.check_district_grants()
    if diagnostics.has_errors():
        return []
    config = catalogue.config
    languages = config.languages
    plans = []
    states: Mapping[str, tuple[Any, dict[str, Any], Row | None]]
    for kind, states, paths, fields in (
        ("producers", planner.producers, PRODUCER_PATHS, PRODUCER_FIELDS),
        ("products", planner.products, PRODUCT_PATHS, product_fields(config.retailers)),
    ):
        listed: dict[str, dict[lists.ItemList, list[tuple[dict[str, Any], Row]]]] = {}
        for kind_of_list in (lists.CERTIFICATES, lists.LOTS):
            for (owner, slug), found in planner.items.get(kind_of_list.key, {}).items():
                if owner == kind:
                    listed.setdefault(slug, {})[kind_of_list] = found
        existing = catalogue.product_by_slug if kind == "products" else catalogue.producers
        todo = [(slug, state) for slug, state in states.items() if state[2] is not None]
        todo += [
            (slug, (existing[slug], {}, next(iter(found.values()))[0][1]))
            for slug, found in listed.items()
            if slug not in states or states[slug][2] is None
        ]
        for slug, (record, values, source) in todo:
            assert source is not None
            row = source
            folder = site / "content" / kind / slug
            path = folder / f"{kind[:-1]}.yaml"
            changed = [
                k
                for k in paths
                if k in values
                and (
                    record is None
                    or _effective(values, record, k)
                    != _effective({k: current_value(record, k, kind)}, record, k)
                )
            ]
            items = {k: [values for values, _ in v] for k, v in listed.get(slug, {}).items()}
            changed += [
                kind_of_list.key
                for kind_of_list, rows in items.items()
                if record is None
                or lists.as_written(kind_of_list, getattr(record, kind_of_list.key), languages)
                != lists.in_sheet(kind_of_list, rows, languages)
            ]
            if not changed and record is not None:
                plans.append(RowPlan(path, None, False))
                continue
            old = path.read_text("utf-8") if record is not None else ""
            raw = (yaml.load(old, Loader=LOADER) if old else None) or {}
            tops: dict[str, Any] = {}
            rated = [key for key in changed if key in RATING_COLUMNS]
            by_history = kind == "products" and record is not None and bool(rated)
            if by_history:
                ocop = rating_yaml(record.ocop, raw.get("ocop"), values, rated, row, diagnostics)
                if ocop is not None:
                    tops["ocop"] = ocop
            for key in changed:
                if by_history and key in RATING_COLUMNS:
                    continue
                if key in (lists.CERTIFICATES.key, lists.LOTS.key):
                    kind_of_list = lists.LOTS if key == lists.LOTS.key else lists.CERTIFICATES
                    written = lists.certificates_yaml if key != "lots" else lists.lots_yaml
                    current = getattr(record, key) if record is not None else ()
                    tops[key] = written(items[kind_of_list], current, raw.get(key), languages)
                    if kind_of_list is lists.LOTS:
                        _warn_of_dropped_lots(diagnostics, row, items[kind_of_list], current)
                    continue
                top, *sub = paths[key]
                value = _yaml_value(key, values[key])
                if not sub:
                    tops[top] = DELETE if value is None else value
                    continue
                current = tops.get(top, raw.get(top))
                if isinstance(current, str) and top == "name":
                    current = {lang: current for lang in catalogue.config.languages}
                merged = dict(current) if isinstance(current, dict) else {}
                if value is None:
                    merged.pop(sub[0], None)
                else:
                    merged[sub[0]] = value
                tops[top] = merged or DELETE
            name = tops.get("name")
            if (
                isinstance(name, dict)
                and len(set(name.values())) == 1
                and len(name) == len(config.languages)
            ):
                tops["name"] = next(iter(name.values()))
            header = modeline(config, kind[:-1])
            text = dump(tops, header) if record is None else update(old, tops)
            ctx = s.Ctx(Diagnostics(), Where(str(path)), "", config.languages, bundle=folder)
            check = s.Record(fields, what=kind[:-1])
            if check(yaml.load(text, Loader=LOADER), ctx) is s.INVALID:
                for problem in ctx.diagnostics.errors:
                    diagnostics.error(row.at(), problem.message, problem.hint)
            plans.append(RowPlan(path, text, record is None, changed))
    return plans


#: The columns of a product's rating: those of its latest grant, and its status.
RATING_COLUMNS = (
    "stars",
    "granted_by",
    "decision",
    "authority",
    "issued",
    "expires",
    "rating_status",
)
#: A grant's keys in an event of a rating history, by the column that holds each.
_EVENT_KEYS = {
    "stars": "stars",
    "granted_by": "granted_by",
    "decision": "decision",
    "authority": "authority",
    "issued": "date",
    "expires": "expires",
}


def new_decision(rating: Any, values: dict[str, Any]) -> bool:
    """Whether a sheet's rating columns give another decision than ``rating``'s latest
    grant, dated after it: a re-rating, added to the history (see :func:`rating_yaml`)."""
    decision, issued = values.get("decision"), values.get("issued")
    return (
        decision is not None
        and decision != rating.decision
        and isinstance(issued, dt.date)
        and issued > rating.issued
    )


def rating_yaml(
    rating: Any,
    raw: Any,
    values: dict[str, Any],
    changed: list[str],
    row: Row,
    diagnostics: Diagnostics,
) -> Any:
    """The ``ocop`` of a product whose rating columns ``changed``: ``None`` after an error.

    Another decision than the latest grant's, dated after it, is a new event of the
    rating's history (a record of one grant becomes a history of two), so that the earlier
    grant is kept: "upgraded" to more stars, "granted" again after a revocation, else
    "rerated". Otherwise the latest grant is corrected, where the record wrote it (a
    decision's number mistyped, its date). A history's status changes only by dated
    events, which a sheet's status column cannot give."""
    decision, issued = values.get("decision"), values.get("issued")
    if new_decision(rating, values):
        return _new_grant(rating, raw, values, row, diagnostics)
    if (
        decision not in (None, rating.decision)
        and isinstance(issued, dt.date)
        and issued < rating.issued
    ):  # an older list than the record: its grant stays
        diagnostics.error(
            row.at("decision"),
            f"decision {decision} of {issued.isoformat()} is older than the product's "
            f"latest grant ({rating.decision} of {rating.issued.isoformat()})",
            "import the latest list, or leave this product's row out",
        )
        return None
    if not isinstance(raw, list):
        merged = dict(raw) if isinstance(raw, dict) else {}
        for key in changed:
            path = PRODUCT_PATHS[key][1]
            value = values.get(key)
            if value is None:
                merged.pop(path, None)
            else:
                merged[path] = value
        return merged
    if "rating_status" in changed:
        diagnostics.error(
            row.at("rating_status"),
            "this product's rating is a history of dated events: a status column cannot "
            "suspend, reinstate or revoke it",
            "add the event (suspended, reinstated or revoked, with its date and decision) to "
            "the product's product.yaml",
        )
        return None
    events = [dict(event) if isinstance(event, dict) else event for event in raw]
    latest = max(
        i for i, e in enumerate(events) if isinstance(e, dict) and e.get("event") in GRANT_EVENTS
    )
    for key in changed:
        value = values.get(key)
        if value is None:
            events[latest].pop(_EVENT_KEYS[key], None)
        else:
            events[latest][_EVENT_KEYS[key]] = value
    return events


def _new_grant(
    rating: Any, raw: Any, values: dict[str, Any], row: Row, diagnostics: Diagnostics
) -> Any:
    """The rating's history with the sheet's decision after its latest event."""
    issued = values["issued"]
    last = rating.events[-1].date
    if issued < last:
        diagnostics.error(
            row.at("issued"),
            f"a new decision ({values['decision']}) dated {issued.isoformat()}, before the "
            f"rating's latest event ({last.isoformat()})",
            "check the date of the decision (Ngày công nhận)",
        )
        return None
    if isinstance(raw, list):
        events = list(raw)
    else:
        first = dict(raw) if isinstance(raw, dict) else {}
        if first.get("status", "active") != "active":
            diagnostics.error(
                row.at("decision"),
                f"the rating is {first['status']}, with no date for it: a new decision cannot "
                "follow it here",
                "write the product's rating as a history of dated events in its product.yaml",
            )
            return None
        first.pop("status", None)
        first.pop("status_note", None)
        events = [{"event": "granted", "date": first.pop("issued", rating.issued), **first}]
    if values.get("rating_status") not in (None, "active"):
        diagnostics.error(
            row.at("rating_status"),
            f"a new decision ({values['decision']}) that is {values['rating_status']} at once",
            "import the decision as active, then add the suspension or revocation, with its "
            "date and decision, to the product's product.yaml",
        )
        return None
    stars = values.get("stars") or rating.stars
    status = rating.status
    kind = (
        "granted" if status == "revoked"
        else "upgraded" if stars > rating.stars and status == "active"
        else "rerated"
    )  # fmt: skip
    event = {"event": kind, "date": issued, "stars": stars}
    event["granted_by"] = values.get("granted_by") or _granting_level(stars, issued)
    event["decision"] = values["decision"]
    # an exported sheet carries the previous grant's expiry and body, not this one's
    expires, body = values.get("expires"), values.get("authority")
    stale = expires is not None and expires == rating.grant.expires
    if expires is not None and stale:
        diagnostics.error(
            row.at("expires"),
            f"the expiry {expires.isoformat()} is the previous grant's, not that of "
            f"decision {values['decision']}",
            "empty the cell (a rating is valid 36 months from its decision) or give this "
            "decision's expiry",
        )
    other_level = event["granted_by"] != rating.granted_by
    if body is not None and body == rating.grant.authority and other_level:
        stale = True
        diagnostics.error(
            row.at("authority"),
            f"{body} is the body of the previous grant ({rating.granted_by} level), not of "
            f"this {event['granted_by']}-level decision",
            "empty the cell, or name the body that took this decision",
        )
    if stale:
        return None
    for key in ("authority", "expires"):
        if values.get(key) is not None:
            event[key] = values[key]
    return [*events, event]


def _warn_of_dropped_lots(
    diagnostics: Diagnostics, row: Row, rows: list[dict[str, Any]], current: Any
) -> None:
    """A lot the sheet no longer lists is removed with its record's traceability steps and
    lab tests, which no sheet column holds: say so, lot by lot; and say which lots a row
    renamed (they keep theirs)."""
    for old, new in lists.renamed(rows, current):
        diagnostics.note(row.at(), f"lot {old} is renamed {new}: its steps and lab tests stay")
    for lot in lists.dropped(lists.LOTS, rows, current):
        if lot.events or lot.lab_tests:
            diagnostics.warning(
                row.at(),
                f"lot {lot.code} is not in the sheet any more: it is removed with its "
                f"{len(lot.events)} traceability step(s) and {len(lot.lab_tests)} lab test(s)",
                "to keep it, add its row back; to rename it, change its code in its own row",
            )
