"""The columns a spreadsheet import understands, and how each cell becomes a record value.

Headers are matched after folding (no diacritics, lower case: "Số sao" and
"so sao" are the same), in Vietnamese or English, as provincial offices write
them; ``import_map.yaml`` adds a site's own headers and names. Each column has a
key (the same names as the open data tables and the export) and a parser that
returns the value or raises :class:`CellError` with a message and a hint.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocopsite.model import (
    CATEGORIES,
    CERTIFICATION_SCHEMES,
    GRANTING_LEVELS,
    PRODUCER_KINDS,
    RATING_STATUSES,
    STAR_LEVELS,
)
from ocopsite.model import gtin as gtins
from ocopsite.model.provinces import provinces
from ocopsite.model.vietnamese import fold

#: Excel counts days from 30 December 1899 (with its 1900 leap-year bug folded in).
EXCEL_EPOCH = dt.date(1899, 12, 30)


class CellError(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


Parser = Callable[[Any, "Vocabulary"], Any]


@dataclass(frozen=True)
class Vocabulary:
    """Names a site's sheets use for provinces and other choices, beyond the built-in ones."""

    provinces: dict[str, str]  # folded name → province slug (from import_map.yaml)


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def text(value: Any, vocabulary: Vocabulary) -> str:
    return _plain(value)


def integer(value: Any, vocabulary: Vocabulary) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    digits = _plain(value).replace(".", "").replace(",", "").replace(" ", "")
    if digits.isdigit():
        return int(digits)
    raise CellError(f"expected a whole number, got '{_plain(value)}'", "write digits only")


def stars(value: Any, vocabulary: Vocabulary) -> int:
    shown = _plain(value)
    count = shown.count("★") or None
    match = re.match(r"^(\d)(\s*(sao|stars?|\*))?$", fold(shown))
    level = count or (int(match.group(1)) if match else None)
    if level not in STAR_LEVELS:
        raise CellError(
            f"'{shown}' is not an OCOP star rating",
            "write 3, 4 or 5 (Decision 148/QĐ-TTg recognises only these; 5 stars is national)",
        )
    return level


def date(value: Any, vocabulary: Vocabulary) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        guess = EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError(
            f"a date stored as the number {_plain(value)} (Excel's day count: {guess.isoformat()}?)",
            "format the column as Date in the spreadsheet, or write the date as YYYY-MM-DD",
        )
    shown = _plain(value)
    try:
        return dt.date.fromisoformat(shown)
    except ValueError:
        pass
    match = re.match(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$", shown)
    if match:  # Vietnamese order: day/month/year
        try:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError as exc:
            raise CellError(
                f"'{shown}' is not a real date ({exc})", "check day and month"
            ) from None
    raise CellError(f"'{shown}' is not a date", "write YYYY-MM-DD or DD/MM/YYYY")


def gtin(value: Any, vocabulary: Vocabulary) -> str:
    code = _plain(value).replace(" ", "")
    if re.fullmatch(r"\d([.,]\d+)?E\+?\d+", code, re.IGNORECASE):
        raise CellError(
            f"GTIN '{code}' was shortened by a spreadsheet to scientific notation: "
            "its last digits are lost",
            "format the column as Text, type the GTINs again, and save",
        )
    problem = gtins.problem(code)
    if problem:
        raise CellError(
            f"GTIN {problem}", "format the column as Text so that leading zeros are kept"
        )
    return gtins.to_gtin14(code)


def _chooser(what: str, options: tuple[str, ...], names: dict[str, str]) -> Parser:
    def parse(value: Any, vocabulary: Vocabulary) -> str:
        shown = _plain(value)
        key = fold(shown)
        if shown in options:
            return shown
        if key in options:  # "VietGAP", "Food"
            return key
        if key in names:
            return names[key]
        raise CellError(f"unknown {what} '{shown}'", f"one of: {', '.join(options)}")

    return parse


category = _chooser("product group", CATEGORIES, {
    "thuc pham": "food", "do uong": "beverages", "thao duoc": "herbal",
    "duoc lieu": "herbal", "duoc lieu va san pham tu duoc lieu": "herbal",
    "thu cong my nghe": "handicraft", "thu cong": "handicraft", "my nghe": "handicraft",
    "sinh vat canh": "ornamental", "hoa, cay canh": "ornamental", "cay canh": "ornamental",
    "du lich": "tourism", "dich vu du lich": "tourism",
    "dich vu du lich cong dong, du lich sinh thai va diem du lich": "tourism",
})  # fmt: skip
kind = _chooser("kind of producer", PRODUCER_KINDS, {
    "doanh nghiep": "enterprise", "cong ty": "enterprise", "hop tac xa": "cooperative",
    "htx": "cooperative", "to hop tac": "cooperative-group", "tht": "cooperative-group",
    "ho kinh doanh": "household", "ho san xuat": "household", "co so": "household",
    "co so san xuat": "household",
})  # fmt: skip
granted_by = _chooser("granting level", GRANTING_LEVELS, {
    "huyen": "district", "cap huyen": "district", "tinh": "province", "cap tinh": "province",
    "trung uong": "national", "quoc gia": "national", "cap quoc gia": "national",
    "cap trung uong": "national",
})  # fmt: skip
rating_status = _chooser("rating status", RATING_STATUSES, {
    "con hieu luc": "active", "hieu luc": "active", "dinh chi": "suspended",
    "tam dinh chi": "suspended", "thu hoi": "revoked", "huy": "revoked",
})  # fmt: skip


scheme = _chooser("certification scheme", CERTIFICATION_SCHEMES, {
    "globalg.a.p.": "globalgap", "global gap": "globalgap", "iso 22000": "iso22000",
    "huu co": "organic", "san xuat huu co": "organic", "gacp-who": "gacp", "khac": "other",
    "chuoi thuc pham an toan": "safe-food-chain", "viet gap": "vietgap",
})  # fmt: skip


def province(value: Any, vocabulary: Vocabulary) -> str:
    shown = _plain(value)
    key = re.sub(r"^(tinh|thanh pho|tp\.?) ", "", fold(shown))
    if key in vocabulary.provinces:
        return vocabulary.provinces[key]
    for slug, place in provinces().items():
        if key in (slug, fold(place.vi), fold(place.en), slug.replace("-", " ")):
            return slug
    for place in provinces().values():
        for former in place.former:
            if key in (
                former.slug,
                fold(former.vi),
                fold(former.en),
                former.slug.replace("-", " "),
            ):
                raise CellError(
                    f"'{shown}' is a former province; since 1 July 2025 it is part of {place.vi}",
                    f"write {place.vi}, or map the old name under 'provinces' in import_map.yaml",
                )
    raise CellError(
        f"unknown province '{shown}'", "write one of the 34 provinces, like Thái Nguyên"
    )


@dataclass(frozen=True)
class Column:
    key: str  # as in the export and the open data tables
    parse: Parser
    aliases: tuple[str, ...]  # folded headers


#: A row number ("STT") is recognised so that it is not reported, and not imported.
ROW_NUMBER = Column("row_number", text, ("stt", "so tt", "tt", "no.", "#"))
PRODUCT_COLUMNS: tuple[Column, ...] = (
    ROW_NUMBER,
    Column("slug", text, ("slug", "ma dinh danh")),
    Column("name_vi", text, ("name_vi", "ten san pham", "ten san pham ocop", "san pham", "ten")),
    Column("name_en", text, ("name_en", "ten tieng anh", "english name", "product name (en)")),
    Column("producer", text, ("producer", "ma chu the")),
    Column(
        "producer_name",
        text,
        (
            "producer_name",
            "chu the",
            "ten chu the",
            "chu the san xuat",
            "don vi",
            "co so san xuat",
            "producer name",
        ),
    ),
    Column(
        "category",
        category,
        ("category", "phan nhom", "nhom", "nhom san pham", "bo nganh", "group"),
    ),
    Column(
        "gtin",
        gtin,
        ("gtin", "ma vach", "gtin / ma vach", "gtin/ma vach", "ma so ma vach", "barcode"),
    ),
    Column("stars", stars, ("stars", "so sao", "hang sao", "sao", "xep hang", "star rating")),
    Column("granted_by", granted_by, ("granted_by", "cap cong nhan", "cap danh gia", "granted by")),
    Column("decision", text, ("decision", "quyet dinh", "so quyet dinh", "so qd", "qd cong nhan")),
    Column(
        "authority",
        text,
        ("authority", "co quan cong nhan", "don vi cong nhan", "co quan ban hanh"),
    ),
    Column("issued", date, ("issued", "ngay cong nhan", "ngay quyet dinh", "ngay cap", "date")),
    Column("year", integer, ("year", "nam cong nhan", "nam")),
    Column("expires", date, ("expires", "ngay het han", "het han", "han chung nhan")),
    Column("rating_status", rating_status, ("rating_status", "trang thai", "status")),
    Column("price_vnd", integer, ("price_vnd", "gia", "gia ban", "gia (dong)", "price")),
    Column("net_content", text, ("net_content", "quy cach", "khoi luong", "net content")),
)
PRODUCER_COLUMNS: tuple[Column, ...] = (
    ROW_NUMBER,
    Column("slug", text, ("slug", "ma dinh danh", "ma chu the")),
    Column("name_vi", text, ("name_vi", "ten chu the", "chu the", "ten", "producer name")),
    Column("name_en", text, ("name_en", "ten tieng anh", "english name")),
    Column("kind", kind, ("kind", "loai hinh", "loai hinh chu the")),
    Column("province", province, ("province", "tinh", "tinh/thanh pho", "tinh, thanh pho")),
    Column("commune", text, ("commune", "xa", "xa/phuong", "xa, phuong", "phuong/xa")),
    Column("address", text, ("address", "dia chi")),
    Column("former_address", text, ("former_address", "dia chi cu")),
    Column("phone", text, ("phone", "dien thoai", "so dien thoai", "sdt")),
    Column("email", text, ("email", "thu dien tu")),
    Column("website", text, ("website", "trang web")),
)
#: A certifications sheet: one certificate a row, of the product or the producer named.
CERTIFICATION_COLUMNS: tuple[Column, ...] = (
    ROW_NUMBER,
    Column("product", text, ("product", "ma san pham")),
    Column("producer", text, ("producer", "ma chu the")),
    Column("scheme", scheme, ("scheme", "chung nhan", "loai chung nhan", "tieu chuan")),
    Column("label_vi", text, ("label_vi", "ten chung nhan")),
    Column("label_en", text, ("label_en",)),
    Column("number", text, ("number", "so chung nhan", "so giay chung nhan", "ma so")),
    Column("issuer_vi", text, ("issuer_vi", "to chuc chung nhan", "noi cap", "don vi cap")),
    Column("issuer_en", text, ("issuer_en",)),
    Column("issued", date, ("issued", "ngay cap")),
    Column("expires", date, ("expires", "ngay het han", "het han")),
    Column("url", text, ("url", "duong dan", "tra cuu")),
    Column("status", rating_status, ("status", "trang thai")),
)
#: A lots sheet: one production lot a row, of the product named.
LOT_COLUMNS: tuple[Column, ...] = (
    ROW_NUMBER,
    Column("product", text, ("product", "ma san pham")),
    Column("code", text, ("code", "ma lo", "so lo", "lo san xuat")),
    Column("produced", date, ("produced", "ngay san xuat")),
    Column("expires", date, ("expires", "han su dung", "het han")),
    Column("quantity_vi", text, ("quantity_vi", "so luong")),
    Column("quantity_en", text, ("quantity_en",)),
    Column("area_vi", text, ("area_vi", "vung nguyen lieu")),
    Column("area_en", text, ("area_en",)),
    Column("recalled", date, ("recalled", "ngay thu hoi")),
    Column("recall_reason_vi", text, ("recall_reason_vi", "ly do thu hoi")),
    Column("recall_reason_en", text, ("recall_reason_en",)),
)
#: Producer columns a product sheet may carry, to find or create each row's producer.
PRODUCER_ON_PRODUCTS = ("kind", "province", "commune", "address")
#: The columns of a products sheet: the product's, and its producer's for finding it.
PRODUCT_SHEET: tuple[Column, ...] = PRODUCT_COLUMNS + tuple(
    Column(f"producer_{c.key}", c.parse, c.aliases)
    for c in PRODUCER_COLUMNS
    if c.key in PRODUCER_ON_PRODUCTS
)


def headers(
    row: list[Any], columns: tuple[Column, ...], extra: dict[str, str]
) -> tuple[dict[int, Column], list[int]]:
    """(column index → Column, indexes of unknown headers) for a header row."""
    by_alias = {alias: column for column in columns for alias in column.aliases}
    by_key = {column.key: column for column in columns}
    known: dict[int, Column] = {}
    unknown = []
    for index, cell in enumerate(row):
        name = fold(_plain(cell)) if cell not in (None, "") else ""
        if not name:
            continue
        found = by_key.get(extra.get(name, "")) or by_alias.get(name)
        if found is None or found in known.values():
            unknown.append(index)
        else:
            known[index] = found
    return known, unknown
