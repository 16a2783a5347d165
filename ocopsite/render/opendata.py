"""Open data: the catalogue as CSV and JSON tables with a Frictionless Data Package.

Each table is declared once, as :class:`Table` columns with a type and a meaning
in Vietnamese and English. The same declaration makes the CSV and JSON files
under ``data/``, the Table Schemas of ``data/datapackage.json``, and the data
dictionary of the "Open data" page, so they cannot disagree.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ocopsite.keptfiles import KeptParts, environment, keep, kept, sizes
from ocopsite.load.catalogue import Catalogue
from ocopsite.load.recordcache import code_fingerprint
from ocopsite.model import Text
from ocopsite.model.history import rating_events
from ocopsite.model.status import validity
from ocopsite.render.recordschema import KINDS
from ocopsite.view.pages import PageSpec
from ocopsite.view.urls import Route, Urls

FORMATS: tuple[str, ...] = ("csv", "json")
PACKAGE = "datapackage.json"
#: The folder, in the build's cache, of the open data files kept between builds.
DATA_CACHE = "open-data"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Table Schema type: string, integer, number, date
    vi: str
    en: str
    get: Callable[[Any], Any]


#: The kinds of record a table's rows come from, in the order the tables list them.
RECORD_KINDS = ("product", "producer")


@dataclass(frozen=True)
class Table:
    name: str
    vi: str
    en: str
    columns: tuple[Column, ...]
    #: The rows each record of a kind (see :data:`RECORD_KINDS`) gives, by kind: a table
    #: lists the rows of every product, then of every producer, each in catalogue order.
    parts: Mapping[str, Callable[[Any], Iterable[Any]]]
    key: tuple[str, ...]

    def rows(self, catalogue: Catalogue) -> Iterator[Any]:
        """Every row of the table."""
        for kind in RECORD_KINDS:
            part = self.parts.get(kind)
            if part is not None:
                for record in _records(catalogue, kind):
                    yield from part(record)


def _records(catalogue: Catalogue, kind: str) -> Iterable[Any]:
    return catalogue.products if kind == "product" else catalogue.producers.values()


def _texts(
    field: str, vi: str, en: str, get: Callable[[Any], Text], langs: Iterable[str]
) -> list[Column]:
    """One column per site language for a translatable text."""

    def getter(lang: str) -> Callable[[Any], str | None]:
        return lambda row: get(row).get(lang)

    return [
        Column(f"{field}_{lang}", "string", f"{vi} ({lang})", f"{en} ({lang})", getter(lang))
        for lang in langs
    ]


def tables(catalogue: Catalogue, urls: Urls) -> tuple[Table, ...]:
    """The open data tables of a site (the name columns follow the site's languages)."""
    config = catalogue.config
    langs, as_of, first = config.languages, config.build_date, config.languages[0]
    producers = catalogue.producers

    def state(status: str, issued: dt.date, expires: dt.date | None) -> str:
        return validity(status, issued, expires, as_of).state

    products = Table("products", "Sản phẩm OCOP", "OCOP products", (
        Column("slug", "string", "Mã định danh trong địa chỉ trang", "Identifier used in the page address", lambda p: p.slug),
        *_texts("name", "Tên sản phẩm", "Product name", lambda p: p.name, langs),
        Column("producer", "string", "Mã chủ thể sản xuất (bảng producers)", "Producer identifier (producers table)", lambda p: p.producer),
        Column("category", "string", "Nhóm sản phẩm theo QĐ 148/QĐ-TTg", "Product group under Decision 148/QĐ-TTg", lambda p: p.category),
        Column("province", "string", "Tỉnh, thành phố của chủ thể", "Province of the producer", lambda p: producers[p.producer].province),
        Column("gtin", "string", "Mã số mã vạch GTIN-14", "GTIN-14 barcode number", lambda p: p.gtin),
        Column("stars", "integer", "Số sao OCOP", "OCOP star rating", lambda p: p.ocop.stars),
        Column("granted_by", "string", "Cấp công nhận: district, province, national", "Granting level: district, province, national", lambda p: p.ocop.granted_by),
        Column("decision", "string", "Số quyết định công nhận", "Number of the rating decision", lambda p: p.ocop.decision),
        Column("issued", "date", "Ngày công nhận", "Date the rating was granted", lambda p: p.ocop.issued),
        Column("expires", "date", "Ngày hết hiệu lực của chứng nhận OCOP", "Date the OCOP certificate expires", lambda p: p.ocop.expires),
        Column("rating_status", "string", "Trạng thái hành chính: active, suspended, revoked", "Administrative status: active, suspended, revoked", lambda p: p.ocop.status),
        Column("rating_state", "string", "Hiệu lực vào ngày xuất dữ liệu", "Validity on the day the data was published", lambda p: state(p.ocop.status, p.ocop.issued, p.ocop.expires)),
        Column("price_vnd", "integer", "Giá bán tham khảo (đồng)", "Indicative price (VND)", lambda p: p.price),
        Column("net_content", "string", "Khối lượng, thể tích tịnh", "Net content", lambda p: p.net_content),
        Column("url", "string", "Trang của sản phẩm", "The product's page", lambda p: urls.absolute(Route("product", p.slug), first)),
    ), {"product": lambda p: (p,)}, ("slug",))  # fmt: skip
    producer_table = Table("producers", "Chủ thể sản xuất", "Producers", (
        Column("slug", "string", "Mã định danh trong địa chỉ trang", "Identifier used in the page address", lambda p: p.slug),
        *_texts("name", "Tên chủ thể", "Producer name", lambda p: p.name, langs),
        Column("kind", "string", "Loại hình: enterprise, cooperative, cooperative-group, household", "Kind: enterprise, cooperative, cooperative-group, household", lambda p: p.kind),
        Column("province", "string", "Tỉnh, thành phố (34 đơn vị từ 1/7/2025)", "Province (one of the 34 since 1 July 2025)", lambda p: p.province),
        Column("commune", "string", "Xã, phường", "Commune or ward", lambda p: p.commune),
        Column("address", "string", "Địa chỉ", "Address", lambda p: p.address.first() if p.address else None),
        Column("former_address", "string", "Địa chỉ cũ trước 1/7/2025", "Address before 1 July 2025", lambda p: p.former_address),
        Column("latitude", "number", "Vĩ độ", "Latitude", lambda p: p.coordinates.lat if p.coordinates else None),
        Column("longitude", "number", "Kinh độ", "Longitude", lambda p: p.coordinates.lon if p.coordinates else None),
        Column("products", "integer", "Số sản phẩm OCOP", "Number of OCOP products", lambda p: len(catalogue.products_of(p.slug))),
        Column("url", "string", "Trang của chủ thể", "The producer's page", lambda p: urls.absolute(Route("producer", p.slug), first)),
    ), {"producer": lambda p: (p,)}, ("slug",))  # fmt: skip
    ratings = Table("rating_events", "Lịch sử công nhận OCOP", "OCOP rating history", (
        Column("product", "string", "Mã sản phẩm (bảng products)", "Product identifier (products table)", lambda e: e.product),
        Column("event", "string", "Sự kiện: granted, rerated, upgraded, potential, suspended, reinstated, revoked", "Event: granted, rerated, upgraded, potential, suspended, reinstated, revoked", lambda e: e.kind),
        Column("date", "date", "Ngày của sự kiện (trống nếu hồ sơ không ghi)", "Date of the event (empty if the record does not say)", lambda e: e.date),
        Column("stars", "integer", "Số sao còn hiệu lực sau sự kiện", "Stars in force after the event", lambda e: e.stars),
        Column("decision", "string", "Số quyết định", "Decision number", lambda e: e.decision),
        Column("authority", "string", "Cơ quan ra quyết định, hoặc cấp công nhận", "Issuing authority, or the granting level", lambda e: e.authority),
    ), {"product": rating_events}, ())  # fmt: skip
    certs = Table("certifications", "Chứng nhận", "Certifications", (
        Column("holder_kind", "string", "Chứng nhận của: product hoặc producer", "Held by: product or producer", lambda r: r[0]),
        Column("holder", "string", "Mã sản phẩm hoặc chủ thể", "Product or producer identifier", lambda r: r[1]),
        Column("scheme", "string", "Tiêu chuẩn: vietgap, haccp, organic…", "Scheme: vietgap, haccp, organic…", lambda r: r[2].scheme),
        Column("number", "string", "Số chứng nhận", "Certificate number", lambda r: r[2].number),
        Column("issuer", "string", "Tổ chức cấp", "Issuing body", lambda r: r[2].issuer.first()),
        Column("issued", "date", "Ngày cấp", "Date of issue", lambda r: r[2].issued),
        Column("expires", "date", "Ngày hết hạn", "Expiry date", lambda r: r[2].expires),
        Column("status", "string", "Trạng thái hành chính", "Administrative status", lambda r: r[2].status),
        Column("state", "string", "Hiệu lực vào ngày xuất dữ liệu", "Validity on the day the data was published", lambda r: state(r[2].status, r[2].issued, r[2].expires)),
    ), {
        "product": lambda p: (("product", p.slug, cert) for cert in p.certifications),
        "producer": lambda p: (("producer", p.slug, cert) for cert in p.certifications),
    }, ())  # fmt: skip
    lots = Table("lots", "Lô hàng", "Lots", (
        Column("product", "string", "Mã sản phẩm (bảng products)", "Product identifier (products table)", lambda r: r[0].slug),
        Column("code", "string", "Mã lô", "Lot code", lambda r: r[1].code),
        Column("produced", "date", "Ngày sản xuất", "Production date", lambda r: r[1].produced),
        Column("expires", "date", "Hạn sử dụng", "Use-by date", lambda r: r[1].expires),
        Column("quantity", "string", "Số lượng", "Quantity", lambda r: r[1].quantity.first() if r[1].quantity else None),
        Column("recalled", "date", "Ngày thu hồi (nếu có)", "Date of recall, if any", lambda r: r[1].recalled.date if r[1].recalled else None),
        Column("events", "integer", "Số bước truy xuất", "Number of traceability events", lambda r: len(r[1].events)),
        Column("lab_tests", "integer", "Số phiếu kiểm nghiệm", "Number of lab tests", lambda r: len(r[1].lab_tests)),
    ), {"product": lambda p: ((p, lot) for lot in p.lots)}, ("product", "code"))  # fmt: skip
    retail = Table("retail", "Kênh bán lẻ", "Retail channels", (
        Column("product", "string", "Mã sản phẩm (bảng products)", "Product identifier (products table)", lambda r: r[0].slug),
        Column("channel", "string", "Mã kênh bán (khai báo trong site_config.yaml)", "Channel key (declared in site_config.yaml)", lambda r: r[1].channel),
        Column("channel_kind", "string", "Loại kênh: supermarket, marketplace, showroom, portal, direct", "Channel kind: supermarket, marketplace, showroom, portal, direct", lambda r: config.retailers[r[1].channel].kind),
        Column("url", "string", "Địa chỉ web của gian hàng", "Web address of the listing", lambda r: r[1].url or config.retailers[r[1].channel].url),
    ), {"product": lambda p: ((p, item) for item in p.retail)}, ())  # fmt: skip
    return (products, producer_table, ratings, certs, lots, retail)


def certifications(catalogue: Catalogue) -> Iterable[tuple[str, str, Any]]:
    """(holder kind, holder slug, certification) of every certificate in the catalogue."""
    for product in catalogue.products:
        for cert in product.certifications:
            yield ("product", product.slug, cert)
    for producer in catalogue.producers.values():
        for cert in producer.certifications:
            yield ("producer", producer.slug, cert)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _csv(table: Table, rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(c.name for c in table.columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


#: Encodes one record of plain values as ``json.dumps(..., indent=0)`` lays out its
#: members, but in C: with an indent, the json module encodes in Python, value by value.
_RECORD = json.JSONEncoder(ensure_ascii=False, separators=(",\n", ": "))


def _json(table: Table, rows: list[list[Any]]) -> bytes:
    """The rows as a JSON array of records: ``json.dumps(records, ensure_ascii=False,
    indent=0)`` byte for byte, a record's members one a line."""
    names = [c.name for c in table.columns]
    records = [dict(zip(names, row, strict=True)) for row in rows]
    if not names or any(isinstance(v, (list, tuple, dict)) for row in rows for v in row):
        return (json.dumps(records, ensure_ascii=False, indent=0) + "\n").encode("utf-8")
    # a newline is escaped inside a JSON string: every raw one is a separator
    lines = ["{\n" + _RECORD.encode(record)[1:-1] + "\n}" for record in records]
    text = "[\n" + ",\n".join(lines) + "\n]" if lines else "[]"
    return (text + "\n").encode("utf-8")


def table_schema(table: Table) -> dict[str, Any]:
    """The Frictionless Table Schema of ``table``; meanings in both languages."""
    schema: dict[str, Any] = {
        "fields": [
            {"name": c.name, "type": c.type, "description": c.en, "description_vi": c.vi}
            for c in table.columns
        ],
        "missingValues": [""],
    }
    if table.key:
        schema["primaryKey"] = list(table.key)
    return schema


#: The size of each file of :func:`data_files` of the latest catalogue: what the open data
#: page shows of them (see :func:`data_sizes`).
_memo: dict[int, tuple[Catalogue, dict[str, int]]] = {}


def _environment(catalogue: Catalogue, urls: Urls) -> hashlib._Hash | None:
    """A hash of what every row depends on besides its records: ocopsite's code, the base
    URL, the build date (validity states) and the site's config (languages, retailers);
    ``None`` when the config cannot be read."""
    config = catalogue.config
    found = environment(
        config.root, code_fingerprint(), urls.base_url, config.build_date.isoformat()
    )
    return hashlib.sha256(found.encode()) if found is not None else None


def inputs_key(catalogue: Catalogue, urls: Urls) -> str | None:
    """A hash of everything :func:`data_files` reads, or ``None`` when that is not known.

    The tables show the products and producers, which stand for themselves by their
    bundles' stamps (the names, sizes and times of their files, as the incremental
    build keys pages), the site's config file, the build date, the base URL, and
    ocopsite's code.
    """
    digest = _environment(catalogue, urls)
    if digest is None:
        return None
    stamps = catalogue.stamps
    bundles = [p.bundle for p in catalogue.products]
    bundles += [p.bundle for p in catalogue.producers.values()]
    for bundle in bundles:
        stamp = stamps.get(bundle)
        if stamp is None:
            return None
        digest.update(f"\n{bundle}\0{stamp}".encode())
    return digest.hexdigest()[:24]


def data_files(catalogue: Catalogue, urls: Urls, cache: Path | None = None) -> dict[str, bytes]:
    """Every file under ``data/`` by output path: each table as CSV and JSON, and the package.

    The open data page shows the files' sizes (:func:`data_sizes`). With
    ``cache`` (a folder), the files are also kept there under :func:`inputs_key`, and
    taken from there when it is the same: the open data page, rendered by one process,
    and the files, written by another, are then worked out once per build, and not at
    all by a build whose records did not change. A missing or damaged entry is made
    again; only the latest entry is kept. When the records did change, the rows of
    each record whose bundles did not are taken from a folder beside it (its name and
    :data:`ROWS`; see :func:`_data_files`).
    """
    return _data_files_kept(catalogue, urls, cache, _entry(catalogue, urls, cache))


def _entry(catalogue: Catalogue, urls: Urls, cache: Path | None) -> Path | None:
    """Where :func:`data_files` keeps its files in ``cache``, ``None`` if nowhere."""
    key = inputs_key(catalogue, urls) if cache is not None else None
    return cache / f"{key}.zip" if cache is not None and key is not None else None


def _data_files_kept(
    catalogue: Catalogue, urls: Urls, cache: Path | None, entry: Path | None
) -> dict[str, bytes]:
    files = kept(entry) if entry is not None else None
    if files is None:
        rows = cache.with_name(cache.name + ROWS) if cache is not None else None
        files = _data_files(catalogue, urls, rows)
        if entry is not None:
            keep(entry, files, "*.zip")
    _remember(catalogue, {rel: len(data) for rel, data in files.items()})
    return files


def data_sizes(catalogue: Catalogue, urls: Urls, cache: Path | None = None) -> dict[str, int]:
    """The size of each file of :func:`data_files`, by output path: worked out once per
    catalogue. Only the sizes are remembered, not the files (some 40 megabytes at 16,000
    products, held for the rest of a build by the process that made them)."""
    memo = _memo.get(id(catalogue))
    if memo is not None and memo[0] is catalogue:
        return memo[1]
    # the files kept by the process that made them: their sizes are read, not the files
    entry = _entry(catalogue, urls, cache)
    found = sizes(entry) if entry is not None else None
    if found is not None:
        _remember(catalogue, found)
        return found
    _data_files_kept(catalogue, urls, cache, entry)
    return _memo[id(catalogue)][1]


def _remember(catalogue: Catalogue, size_by_path: dict[str, int]) -> None:
    _memo.clear()
    _memo[id(catalogue)] = (catalogue, size_by_path)


#: What the name of the data cache's folder is followed by, for the folder beside it
#: where the rows of each record are kept as encoded (a :class:`~ocopsite.keptfiles.KeptParts`).
ROWS = "-rows"


class _Lines(list[str]):
    """What a CSV writer writes, one item a row (it writes each row at once)."""

    def write(self, text: str) -> None:
        self.append(text)


def _tokens(catalogue: Catalogue) -> dict[str, str]:
    """What each record's rows show, as :func:`~ocopsite.output.incremental.keys` tokens it,
    by ``kind/slug``: a product stands for itself and its producer (whose province it
    shows), a producer for itself and its number of products. A record whose bundle has
    no stamp has no token, and its rows are always worked out."""
    stamps, producers = catalogue.stamps, catalogue.producers
    found: dict[str, str] = {}
    for product in catalogue.products:
        token = catalogue.product_token(product)
        if token is not None:
            found[f"product/{product.slug}"] = token
    for producer in producers.values():
        own = stamps.get(producer.bundle)
        if own is not None:
            count = len(catalogue.products_of(producer.slug))
            found[f"producer/{producer.slug}"] = f"{own}:{count}"
    return found


class _Whole(Exception):
    """A value is a list or a mapping, which lays a table's JSON out otherwise: the files
    are encoded whole."""


def _encode(table: Table, rows: list[list[Any]], lines: _Lines) -> tuple[bytes, bytes]:
    """A record's rows of ``table`` as CSV lines and JSON records, each record followed
    by ``,\n``, as :func:`_csv` and :func:`_json` encode them; raises :class:`_Whole` if
    a value is a list or a mapping."""
    if any(isinstance(v, (list, tuple, dict)) for row in rows for v in row):
        raise _Whole
    del lines[:]
    csv.writer(lines, lineterminator="\r\n").writerows(
        ["" if v is None else v for v in row] for row in rows
    )
    names = [c.name for c in table.columns]
    records = [
        "{\n" + _RECORD.encode(dict(zip(names, row, strict=True)))[1:-1] + "\n},\n" for row in rows
    ]
    return "".join(lines).encode("utf-8"), "".join(records).encode("utf-8")


def _data_files(
    catalogue: Catalogue, urls: Urls, rows_cache: Path | None = None
) -> dict[str, bytes]:
    """Every file under ``data/`` (see :func:`data_files`).

    The rows of each record are encoded on their own and joined, as :func:`_csv` and
    :func:`_json` would encode the whole table. With ``rows_cache`` (a folder), those of
    each record are kept there with its token (see :func:`_tokens` and
    :class:`~ocopsite.keptfiles.KeptParts`), and taken from there while its token is the
    same: after an edit, only the edited records' rows are made again.
    """
    config = catalogue.config
    every = tables(catalogue, urls)
    columns = [f"{t.name}.{fmt}" for t in every for fmt in FORMATS]
    digest = _environment(catalogue, urls) if rows_cache is not None else None
    rows_environment = digest.hexdigest()[:24] if digest is not None else None
    # each file is its column as joined, header and all: no file is copied once made
    heads: list[bytes] = []
    for table in every:
        header = _Lines()
        csv.writer(header, lineterminator="\r\n").writerow(c.name for c in table.columns)
        heads += ["".join(header).encode("utf-8"), b"[\n"]
    kept_rows = KeptParts(rows_cache, rows_environment, columns, heads)
    tokens = _tokens(catalogue)
    lines = _Lines()
    for kind in RECORD_KINDS:
        shown = [(index, table) for index, table in enumerate(every) if kind in table.parts]
        if not shown:
            continue

        def make(
            record: Any, kind: str = kind, shown: list[tuple[int, Table]] = shown
        ) -> list[bytes]:
            encoded = [b""] * len(columns)
            for index, table in shown:
                rows = [
                    [_plain(c.get(item)) for c in table.columns]
                    for item in table.parts[kind](record)
                ]
                encoded[2 * index], encoded[2 * index + 1] = _encode(table, rows, lines)
            return encoded

        for record in _records(catalogue, kind):
            key = f"{kind}/{record.slug}"
            try:
                kept_rows.add(key, tokens.get(key), partial(make, record))
            except _Whole:  # not laid out record by record: the whole, as it was
                return _whole_files(catalogue, urls, every)
    kept_rows.save()
    # a JSON table's records each end with ",\n": the last one's ends the array instead
    joined = kept_rows.joined([(0, b""), (2, b"\n]\n")] * len(every))
    del kept_rows  # and the kept parts it read
    files: dict[str, bytes] = {}
    for index, table in enumerate(every):
        files[urls.data_file(f"{table.name}.csv")[1]] = joined[2 * index]
        records = joined[2 * index + 1]
        files[urls.data_file(f"{table.name}.json")[1]] = records if records != b"[\n" else b"[]\n"
    files[urls.data_file(PACKAGE)[1]] = _package(config, every)
    return _in_order(files, urls, every)


def _in_order(files: dict[str, bytes], urls: Urls, every: tuple[Table, ...]) -> dict[str, bytes]:
    """``files`` in the order :func:`_whole_files` makes them (a table's CSV, its JSON, ...)."""
    names = [f"{t.name}.{fmt}" for t in every for fmt in FORMATS] + [PACKAGE]
    return {rel: files[rel] for rel in (urls.data_file(name)[1] for name in names)}


def _whole_files(catalogue: Catalogue, urls: Urls, every: tuple[Table, ...]) -> dict[str, bytes]:
    """Every file under ``data/``, each table encoded whole."""
    files: dict[str, bytes] = {}
    for table in every:
        rows = [[_plain(c.get(item)) for c in table.columns] for item in table.rows(catalogue)]
        for fmt, encode in (("csv", _csv), ("json", _json)):
            files[urls.data_file(f"{table.name}.{fmt}")[1]] = encode(table, rows)
    files[urls.data_file(PACKAGE)[1]] = _package(catalogue.config, every)
    return files


def _package(config: Any, every: tuple[Table, ...]) -> bytes:
    """``datapackage.json``: the package and a resource per table and format."""
    resources = []
    for table in every:
        for fmt in FORMATS:
            name = f"{table.name}.{fmt}"
            resources.append({
                "name": table.name if fmt == "csv" else f"{table.name}-json",
                "title": table.en, "title_vi": table.vi, "path": name, "format": fmt,
                "mediatype": "text/csv" if fmt == "csv" else "application/json",
                "encoding": "utf-8", "profile": "tabular-data-resource",
                "schema": table_schema(table),
            })  # fmt: skip
    package = {
        "profile": "tabular-data-package",
        "name": "ocop-catalogue",
        "title": config.title.first(),
        "homepage": config.base_url,
        "created": f"{config.build_date.isoformat()}T00:00:00Z",
        "licenses": [
            {
                "name": config.data_licence.name,
                "title": config.data_licence.title,
                **({"path": config.data_licence.url} if config.data_licence.url else {}),
            }
        ],
        "resources": resources,
    }
    return (json.dumps(package, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _size(count: int, lang: str) -> str:
    text = f"{count / 1024:.1f} KB" if count < 1024 * 1024 else f"{count / 1048576:.1f} MB"
    return text.replace(".", ",") if lang == "vi" else text


def page(catalogue: Catalogue, cache: Path | None = None) -> PageSpec:
    """The "Open data" page: the files and their sizes, the licence, the data dictionary.

    ``cache`` is where :func:`data_files` keeps the files between builds."""

    def data(v: Any) -> dict[str, Any]:
        sizes = data_sizes(catalogue, v.urls, cache)
        licence = catalogue.config.data_licence
        listed = []
        for table in tables(catalogue, v.urls):
            links = []
            for fmt in FORMATS:
                href, rel = v.urls.data_file(f"{table.name}.{fmt}")
                links.append((fmt.upper(), href, _size(sizes[rel], v.lang)))
            columns = [(c.name, c.type, c.vi if v.lang == "vi" else c.en) for c in table.columns]
            listed.append((table.name, table.vi if v.lang == "vi" else table.en, links, columns))
        package_href, package_rel = v.urls.data_file(PACKAGE)
        return {
            "tables": listed,
            "package": (package_href, _size(sizes[package_rel], v.lang)),
            "licence": licence,
            "schemas": [(kind, v.urls.schema_file(kind)[0]) for kind in KINDS],
        }

    return PageSpec(Route("opendata"), "opendata.html", data, lambda v: v.t("opendata.title"))
