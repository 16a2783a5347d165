"""Reading spreadsheets: ``.xlsx``, ``.xls`` and ``.ods`` with python-calamine, CSV as UTF-8.

A provincial OCOP office keeps its list in whatever its office suite saves,
often old ``.xls`` files. Every sheet becomes a :class:`Sheet` of rows of cell
values (text, numbers, dates), with the address of its first cell and its
merged ranges so that problems can name the cell (``Products!C7``). A CSV in a
legacy Vietnamese encoding (TCVN3, VNI, Windows-1258) is refused with a hint,
because guessing the encoding would turn names into nonsense silently.
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
FORMATS = (*SPREADSHEETS, ".csv")


class SheetError(Exception):
    """The file cannot be read as a spreadsheet; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[Any]]
    #: (row, column) of the first cell of ``rows``, counted from 0: A1 is (0, 0).
    origin: tuple[int, int] = (0, 0)
    #: Merged ranges as (first row, first column, last row, last column), from 0.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def cell(self, row: int, column: int) -> str:
        """The spreadsheet name of the cell at ``rows[row][column]``, like ``C7``."""
        return cell_name(self.origin[0] + row, self.origin[1] + column)


def column_name(index: int) -> str:
    """A, B, …, Z, AA, … for 0, 1, …"""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def cell_name(row: int, column: int) -> str:
    return f"{column_name(column)}{row + 1}"


def read(path: Path) -> list[Sheet]:
    """Every sheet of the file at ``path``; raises SheetError when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [_read_csv(path)]
    if suffix not in SPREADSHEETS:
        raise SheetError(
            f"cannot import '{path.suffix or path.name}' files",
            "save the sheet as .xlsx, .xls, .ods or CSV UTF-8",
        )
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors for damaged files
        raise SheetError(
            f"cannot read the spreadsheet ({exc})",
            "open it in Excel or LibreOffice Calc and save it again as .xlsx",
        ) from None
    sheets = []
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        start = sheet.start or (0, 0)
        merged = [
            (first[0], first[1], last[0], last[1])
            for first, last in (getattr(sheet, "merged_cell_ranges", None) or [])
        ]
        rows = sheet.to_python(skip_empty_area=True)
        sheets.append(Sheet(name, [list(row) for row in rows], tuple(start), merged))  # type: ignore[arg-type]
    return sheets


def _read_csv(path: Path) -> Sheet:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SheetError(
            "this CSV is not UTF-8; it is probably in an old Vietnamese encoding "
            "(TCVN3/ABC, VNI or Windows-1258)",
            "open it in Excel and use Save As → 'CSV UTF-8 (Comma delimited)', or in "
            "LibreOffice choose 'Unicode (UTF-8)' as the character set; or import the .xlsx",
        ) from None
    dialect: Any = csv.excel
    with contextlib.suppress(csv.Error):  # one column, or too little to tell: a comma
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    return Sheet(path.stem, rows)
