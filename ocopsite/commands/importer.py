"""``ocopsite import``: a province's spreadsheet becomes product and producer bundles.

The import reads every sheet, recognises products and producers sheets by their
headers, and plans for each row a record to create, change or leave alone. It
owns only the YAML keys its columns map (never vi.md, en.md or photos), matches
products by GTIN, then by slug, and producers by name and commune; new slugs
are the names folded as the search folds them. Every problem is reported at
once as ``FILE:SHEET!CELL: error: …`` and then nothing is written; a plan with
no problem is written file by file, each by temporary file and rename, with
one flush to disk for all of them before the first rename.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ocopsite.commands import importcols as cols
from ocopsite.commands.importrows import RowPlan, plan_rows
from ocopsite.commands.sheets import Sheet, SheetError, read
from ocopsite.diagnostics import Diagnostics, Where
from ocopsite.files import write_atomic_all
from ocopsite.load import yamlfile
from ocopsite.load.catalogue import Catalogue
from ocopsite.load.source import load_yaml

MAP_NAME = "import_map.yaml"


@dataclass
class Plan:
    """What an import would do: files to create or change, and every problem found."""

    diagnostics: Diagnostics
    writes: dict[Path, str] = field(default_factory=dict)  # path → new text
    created: list[Path] = field(default_factory=list)
    changed: list[tuple[Path, list[str]]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.diagnostics.has_errors()

    def report(self) -> str:
        """Problems in the order found (sheet by sheet, row by row)."""
        return "\n".join(d.format() for d in self.diagnostics.items)


def _import_map(site: Path, diagnostics: Diagnostics) -> tuple[dict[str, str], cols.Vocabulary]:
    """Extra headers (folded header → column key) and names from ``import_map.yaml``."""
    path = site / MAP_NAME
    if not os.path.lexists(path):
        return {}, cols.Vocabulary({})
    # the hardened loader: inside the site, UTF-8, no bombs, no duplicate keys, with lines
    raw = load_yaml(path, diagnostics, root=site)
    if raw is None:
        return {}, cols.Vocabulary({})
    if not isinstance(raw, dict) or set(raw) - {"columns", "provinces"}:
        diagnostics.error(
            diagnostics.where(path),
            "the import map must have only 'columns' and 'provinces'",
            "columns: {'Header in the sheet': stars}; provinces: {'Old name': thai-nguyen}",
        )
        return {}, cols.Vocabulary({})
    headers = {cols.fold(str(k)): str(v) for k, v in (raw.get("columns") or {}).items()}
    places = {cols.fold(str(k)): str(v) for k, v in (raw.get("provinces") or {}).items()}
    return headers, cols.Vocabulary(places)


#: The kinds of sheet, each with its columns, tried in this order.
_SHEETS = (
    ("products", cols.PRODUCT_SHEET),
    ("producers", cols.PRODUCER_COLUMNS),
    ("certifications", cols.CERTIFICATION_COLUMNS),
    ("lots", cols.LOT_COLUMNS),
)


def _role(known: dict[int, cols.Column]) -> str | None:
    keys = {c.key for c in known.values()}
    if keys & {"stars", "decision", "category", "gtin"}:
        return "products"
    if keys & {"kind", "commune", "province"}:
        return "producers"
    if "scheme" in keys:
        return "certifications"
    if {"code", "produced"} <= keys:
        return "lots"
    return None


def _header_row(sheet: Sheet) -> int:
    """The first row with at least two non-empty cells: titles above a table are skipped."""
    for index, row in enumerate(sheet.rows[:20]):
        if sum(1 for cell in row if cell not in (None, "")) >= 2:
            return index
    return 0


def plan_import(site: Path, file: Path, catalogue: Catalogue) -> Plan:
    """Read ``file`` and plan the import into ``site``; nothing is written here."""
    diagnostics = Diagnostics(relative_to=site)
    plan = Plan(diagnostics)
    shown = file.name
    try:
        sheets = read(file)
    except SheetError as exc:
        diagnostics.error(Where(shown), str(exc), exc.hint)
        return plan
    extra, vocabulary = _import_map(site, diagnostics)
    tables: dict[str, list[tuple[Sheet, int, dict[int, cols.Column]]]] = {}
    for sheet in sheets:
        if not sheet.rows:
            continue
        top = _header_row(sheet)
        role = None
        for wanted, columns in _SHEETS:
            known, unknown = cols.headers(sheet.rows[top], columns, extra)
            role = _role(known)
            if role == wanted:
                break
            role = None
        where = f"{shown}:{sheet.name}"
        if role is None:
            diagnostics.warning(
                Where(f"{where}!{sheet.cell(top, 0)}"),
                "no product, producer, certification or lot columns found; the sheet is skipped",
                "name the columns as in docs/import.md, or map them in import_map.yaml",
            )
            continue
        for index in unknown:
            header = sheet.rows[top][index]
            diagnostics.warning(
                Where(f"{where}!{sheet.cell(top, index)}"),
                f"unknown column '{header}' is not imported",
                f"map it in {MAP_NAME}, like columns: {{'{header}': price_vnd}}",
            )
        for first, column, last, end in sheet.merged:
            if first > top - sheet.origin[0]:
                diagnostics.error(
                    Where(
                        f"{where}!{sheet.cell(first - sheet.origin[0], column - sheet.origin[1])}"
                    ),
                    f"merged cells {sheet.cell(first - sheet.origin[0], column - sheet.origin[1])}:"
                    f"{sheet.cell(last - sheet.origin[0], end - sheet.origin[1])}: "
                    "only the first row of a merged range holds the value",
                    "unmerge the cells and fill in the value on every row",
                )
        tables.setdefault(role, []).append((sheet, top, known))
    if not tables:
        diagnostics.error(
            Where(shown),
            "no sheet with products, producers, certifications or lots",
            "see docs/import.md",
        )
        return plan
    rows: list[RowPlan] = plan_rows(site, shown, tables, vocabulary, catalogue, diagnostics)
    if diagnostics.has_errors():
        return plan
    for row in rows:
        if row.text is None:
            plan.unchanged += 1
            continue
        plan.writes[row.path] = row.text
        if row.created:
            plan.created.append(row.path)
        else:
            plan.changed.append((row.path, row.fields))
    return plan


def write(plan: Plan) -> None:
    """Write the planned files, each through a temporary file renamed into place.

    Every temporary file is written and flushed to disk before the first rename
    (:func:`~ocopsite.files.write_atomic_all`): a crash leaves each record with
    its old text or its new one, and a write that fails (a full disk) changes none.
    """
    write_atomic_all(plan.writes)


__all__ = ["MAP_NAME", "Plan", "plan_import", "write", "yamlfile"]
