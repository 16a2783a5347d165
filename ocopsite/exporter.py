"""``ocopsite export``: the catalogue as a spreadsheet in the layout the import reads back.

One sheet per record kind (products, producers), headed by the column keys the
import recognises, so that importing an export changes nothing. Dates are date
cells and GTINs text cells (a number would lose the leading zero).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .catalogue import Catalogue
from .files import write_atomic
from .importcols import PRODUCER_COLUMNS, PRODUCT_COLUMNS
from .importrows import current_value

#: Columns written, in order; the import reads the same names.
PRODUCT_EXPORT = tuple(
    c.key for c in PRODUCT_COLUMNS if c.key not in ("row_number", "slug", "producer_name", "year")
)
PRODUCER_EXPORT = tuple(c.key for c in PRODUCER_COLUMNS if c.key != "row_number")


def _cell(value: Any) -> Any:
    return "" if value is None else value


def export(catalogue: Catalogue, path: Path) -> tuple[int, int]:
    """Write ``path`` (.xlsx) atomically; returns (products, producers)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    languages = catalogue.config.languages

    def columns(keys: tuple[str, ...]) -> list[str]:
        return [k for k in keys if not k.startswith("name_") or k[-2:] in languages]

    def write(title: str, keys: list[str], records: Any, kind: str) -> None:
        sheet = book.create_sheet(title)
        sheet.append(["slug", *keys])
        for record in records:
            row: list[Any] = [record.slug]
            for key in keys:
                value = current_value(record, key, kind)
                cell = WriteOnlyCell(sheet, _cell(value))
                if key in ("issued", "expires"):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(value, str):
                    cell.number_format = "@"
                row.append(cell)
            sheet.append(row)

    product_keys = columns(PRODUCT_EXPORT)
    write("products", product_keys, catalogue.products, "products")
    producer_keys = columns(tuple(k for k in PRODUCER_EXPORT if k != "slug"))
    write("producers", producer_keys, catalogue.producers.values(), "producers")
    data = io.BytesIO()
    book.save(data)
    write_atomic(path, data.getvalue())
    return len(catalogue.products), len(catalogue.producers)
