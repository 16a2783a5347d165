"""``ocopsite import`` and ``export``: spreadsheets in, bundles out, and back, changing nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner, Result
from sitekit import ROOT, copy_site

from ocopsite.commands.cli import main
from ocopsite.diagnostics import Diagnostics
from ocopsite.load.config import load_config

SAMPLE_SHEET = ROOT / "docs" / "ocop-sample.xlsx"


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _snapshot(site: Path) -> dict[str, str]:
    """Every file under content/ with a hash of its bytes."""
    return {
        str(p.relative_to(site)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((site / "content").rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    for name in ("site_config.yaml", "content"):
        source = ROOT / name
        if source.is_dir():
            copy_site(source, site / name)
        else:
            (site / name).write_bytes(source.read_bytes())
    return site


def _workbook(path: Path, title: str | None, rows: list[list[Any]]) -> Path:
    """An .xlsx file at ``path`` with one sheet (named ``title``, if given) of ``rows``."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if title is not None:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _empty_site(tmp_path: Path) -> Path:
    site = tmp_path / "tinh"
    site.mkdir()
    (site / "site_config.yaml").write_bytes((ROOT / "site_config.yaml").read_bytes())
    return site


def test_importing_an_export_changes_nothing(sample: Path, tmp_path: Path) -> None:
    # A rating that names its issuing organisation keeps it through the sheet.
    rated = sample / "content/products/che-tan-cuong/product.yaml"
    text = rated.read_text("utf-8").replace("ocop:\n", "ocop:\n  authority: UBND tỉnh (mẫu)\n")
    rated.write_text(text, "utf-8")
    before = _snapshot(sample)
    sheet = tmp_path / "catalogue.xlsx"
    exported = _run("export", "--site", str(sample), str(sheet))
    assert exported.exit_code == 0, exported.output
    result = _run("import", "--site", str(sample), str(sheet))
    assert result.exit_code == 0, result.output
    assert "created 0, changed 0" in result.output
    assert _snapshot(sample) == before
    book = openpyxl.load_workbook(sheet)
    assert book.sheetnames == ["products", "producers", "certifications", "lots"]
    for kind, first_key in (("certifications", "scheme"), ("lots", "code")):
        items = sum(
            len(re.findall(rf"^  - {first_key}: ", p.read_text("utf-8"), re.MULTILINE))
            for p in (sample / "content").glob("*/*/*.yaml")
        )
        assert items > 0 and book[kind].max_row == items + 1, kind
    # Into an empty site, the export makes the same records (less texts and photos).
    empty = _empty_site(tmp_path)
    made = _run("import", "--site", str(empty), str(sheet))
    assert made.exit_code == 0, made.output
    again = tmp_path / "again.xlsx"
    assert _run("export", "--site", str(empty), str(again)).exit_code == 0
    authority = (empty / "content/products/che-tan-cuong/product.yaml").read_text("utf-8")
    assert "  authority: UBND tỉnh (mẫu)\n" in authority
    for kind in ("products", "producers", "certifications", "lots"):
        assert [list(r) for r in openpyxl.load_workbook(again)[kind].values] == [
            list(r) for r in book[kind].values
        ], kind
    assert book["products"].max_row == len(list((sample / "content/products").iterdir())) + 1


def test_sheet_to_site_and_back(tmp_path: Path) -> None:
    site = _empty_site(tmp_path)
    first = _run("import", "--site", str(site), str(SAMPLE_SHEET))
    assert first.exit_code == 0, first.output
    assert "created 5, changed 0" in first.output
    built = _run("build", "--site", str(site), "--quiet", "--date", "2026-11-22")
    assert built.exit_code == 0, built.output
    snapshot = _snapshot(site)
    again = _run("import", "--site", str(site), str(SAMPLE_SHEET))
    assert "created 0, changed 0" in again.output and _snapshot(site) == snapshot
    exported = tmp_path / "back.xlsx"
    assert _run("export", "--site", str(site), str(exported)).exit_code == 0
    assert "created 0, changed 0" in _run("import", "--site", str(site), str(exported)).output
    assert _snapshot(site) == snapshot
    # The export holds what the province's sheet said.
    source = openpyxl.load_workbook(SAMPLE_SHEET).active
    assert source is not None
    wanted = {
        (r[1], r[8], r[9], r[10].date()) for r in source.iter_rows(min_row=3, values_only=True)
    }
    sheet = openpyxl.load_workbook(exported)["products"]
    header = [c.value for c in sheet[1]]
    got = set()
    for row in sheet.iter_rows(min_row=2, values_only=True):
        record = dict(zip(header, row, strict=True))
        got.add((record["name_vi"], record["stars"], record["decision"], record["issued"].date()))
    assert got == wanted


def test_update_owns_only_mapped_keys_and_keeps_comments(sample: Path, tmp_path: Path) -> None:
    bundle = sample / "content" / "products" / "che-tan-cuong"
    original = (bundle / "product.yaml").read_text("utf-8")
    (bundle / "product.yaml").write_text("# hand-written note\n" + original, "utf-8")
    texts = {p.name: p.read_bytes() for p in bundle.iterdir() if p.name != "product.yaml"}
    sheet = _workbook(
        tmp_path / "edit.xlsx",
        None,
        [
            ["Tên sản phẩm", "slug", "Giá bán", "Số sao", "Phân nhóm"],
            ["Chè búp Tân Cương", "che-tan-cuong", 210000, 4, "Đồ uống"],
        ],
    )
    dry = _run("import", "--site", str(sample), str(sheet), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "change content/products/che-tan-cuong/product.yaml: price_vnd" in dry.output
    assert (bundle / "product.yaml").read_text("utf-8").startswith("# hand-written note\n")
    assert "price: 210000" not in (bundle / "product.yaml").read_text("utf-8")
    result = _run("import", "--site", str(sample), str(sheet))
    assert result.exit_code == 0, result.output
    after = (bundle / "product.yaml").read_text("utf-8")
    assert after.startswith("# hand-written note\n") and "price: 210000\n" in after
    changed = [line for line in after.splitlines() if line not in original.splitlines()]
    assert changed == ["# hand-written note", "price: 210000"]
    assert {p.name: p.read_bytes() for p in bundle.iterdir() if p.name != "product.yaml"} == texts
    assert "changed 0" in _run("import", "--site", str(sample), str(sheet)).output


def test_every_problem_is_reported_by_cell_and_nothing_is_written(
    sample: Path, tmp_path: Path
) -> None:
    before = _snapshot(sample)
    sheet = tmp_path / "bad.xlsx"
    book = openpyxl.Workbook()
    rows = book.active
    assert rows is not None
    rows.title = "DS"
    rows.append(["STT", "Tên sản phẩm", "Chủ thể", "Loại hình", "Xã", "Tỉnh", "Phân nhóm",
                 "Hạng sao", "Quyết định", "Ngày công nhận", "Ghi chú"])  # fmt: skip
    rows.append([1, "Mới A", "HTX Mới", "Hợp tác xã", "Xã X", "Bắc Kạn", "Thực phẩm", 6, "1/QĐ",
                 45123, "x"])  # fmt: skip
    rows.append([2, "Mới B", "HTX Mới", "Hợp tác xã", "Xã X", "Thái Nguyên", "Đồ ăn", 4, "2/QĐ",
                 dt.date(2024, 1, 1), ""])  # fmt: skip
    rows.append([3, "Mới C", "HTX Mới", "HTX", "Xã X", "Thái Nguyên", "Thực phẩm", 4, "3/QĐ",
                 dt.date(2024, 1, 1), ""])  # fmt: skip
    rows.append([4, "Mới D", None, "HTX", "Xã X", "Thái Nguyên", "Thực phẩm", 4, "3/QĐ",
                 dt.date(2024, 1, 1), ""])  # fmt: skip
    rows.merge_cells("C4:C5")
    book.save(sheet)
    result = _run("import", "--site", str(sample), str(sheet))
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith("    hint:")]
    assert lines[:7] == [
        "bad.xlsx:DS!K1: warning: unknown column 'Ghi chú' is not imported",
        "bad.xlsx:DS!C4: error: merged cells C4:C5: only the first row of a merged range "
        "holds the value",
        "bad.xlsx:DS!F2: error: 'Bắc Kạn' is a former province; since 1 July 2025 it is part "
        "of Thái Nguyên",
        "bad.xlsx:DS!H2: error: '6' is not an OCOP star rating",
        "bad.xlsx:DS!J2: error: a date stored as the number 45123 (Excel's day count: 2023-07-16?)",
        "bad.xlsx:DS!G3: error: unknown product group 'Đồ ăn'",
        "bad.xlsx:DS!A5: error: no producer for this product",
    ]
    assert result.stderr.count("    hint: ") == 7
    assert "nothing was written" in result.stderr
    assert _snapshot(sample) == before


def test_csv_with_bom_and_import_map(tmp_path: Path) -> None:
    site = _empty_site(tmp_path)
    (site / "import_map.yaml").write_text(
        "columns: {'Hạng OCOP': stars, 'Số QĐ công nhận': decision}\n"
        "provinces: {'Bắc Kạn (cũ)': thai-nguyen}\n",
        "utf-8",
    )
    table = (
        "Tên sản phẩm;Chủ thể;Loại hình;Xã;Tỉnh;Phân nhóm;Hạng OCOP;Số QĐ công nhận;"
        "Ngày công nhận\n"
        "Miến dong Na Rì, loại đặc biệt;HTX Na Rì;Hợp tác xã;Xã Côn Minh;Bắc Kạn (cũ);"
        "Thực phẩm;4 sao;12/QĐ;14/03/2025\n"
    )
    sheet = tmp_path / "list.csv"
    sheet.write_bytes(b"\xef\xbb\xbf" + table.encode("utf-8"))
    result = _run("import", "--site", str(site), str(sheet))
    assert result.exit_code == 0, result.output
    text = (site / "content/products/mien-dong-na-ri-loai-dac-biet/product.yaml").read_text("utf-8")
    assert 'name: {vi: "Miến dong Na Rì, loại đặc biệt"}' in text
    assert "stars: 4" in text and "issued: 2025-03-14" in text and "decision: 12/QĐ" in text
    producer = (site / "content/producers/htx-na-ri/producer.yaml").read_text("utf-8")
    assert "province: thai-nguyen" in producer and "kind: cooperative" in producer
    config = load_config(site / "site_config.yaml", Diagnostics())
    assert config is not None
    assert text.startswith(f"# yaml-language-server: $schema={config.base_url}schemas/")


def test_a_district_grant_needs_a_district_to_name(tmp_path: Path) -> None:
    """3 stars granted in 2024 were a district's (Decision 148/QĐ-TTg): the import names
    the body from the producer's former address, and refuses the row, at its cell, when
    that names no district, rather than write a record the next build rejects."""
    site = _empty_site(tmp_path)
    head = "Tên sản phẩm,Chủ thể,Loại hình,Xã,Tỉnh,Phân nhóm,Số sao,Số QĐ,Ngày công nhận"
    row = "Bánh gai,HTX Gai,Hợp tác xã,Xã Côn Minh,Thái Nguyên,Thực phẩm,3,7/QĐ,01/05/2024"
    sheet = tmp_path / "list.csv"
    sheet.write_text(f"{head}\n{row}\n", "utf-8")
    result = _run("import", "--site", str(site), str(sheet))
    assert result.exit_code == 1
    assert (
        "list.csv:list!G2: error: a district granted these 3 stars on 2024-05-01, but the "
        "producer's former address names no district"
    ) in result.stderr
    assert not (site / "content").exists()
    # with the body named: imported, and the site builds
    sheet.write_text(f"{head},Cơ quan công nhận\n{row},UBND huyện Na Rì\n", "utf-8")
    result = _run("import", "--site", str(site), str(sheet))
    assert result.exit_code == 0, result.output
    built = _run("build", "--site", str(site), "--quiet", "--date", "2026-11-22")
    assert built.exit_code == 0, built.output


def test_legacy_encoding_is_refused_with_a_hint(tmp_path: Path) -> None:
    site = _empty_site(tmp_path)
    sheet = tmp_path / "cu.csv"
    # Windows-1258 writes a tone as a combining mark after the vowel: "Miến" is Mi, ê, ́, n.
    legacy = "T\u00ean,S\u00f4\u0301 sao\nMi\u00ea\u0301n dong,4\n"
    sheet.write_bytes(legacy.encode("cp1258"))
    result = _run("import", "--site", str(site), str(sheet))
    assert result.exit_code == 1
    assert "cu.csv: error: this CSV is not UTF-8" in result.stderr
    assert "CSV UTF-8" in result.stderr and not (site / "content").exists()


def test_an_import_map_is_read_like_any_record_file(tmp_path: Path) -> None:
    """Duplicate keys and links outside the site are refused with their line, not a traceback."""
    site = _empty_site(tmp_path)
    (site / "import_map.yaml").write_text("columns: {}\ncolumns: {}\n", "utf-8")
    sheet = tmp_path / "list.csv"
    sheet.write_text("Tên sản phẩm\nMiến dong\n", "utf-8")
    result = _run("import", "--site", str(site), str(sheet))
    assert result.exit_code == 1, result.output
    assert "import_map.yaml:2: error: duplicate key 'columns'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("columns: {}\n", "utf-8")
    (site / "import_map.yaml").unlink()
    (site / "import_map.yaml").symlink_to(outside)
    result = _run("import", "--site", str(site), str(sheet))
    assert result.exit_code == 1, result.output
    assert "import_map.yaml: error:" in result.output


def _exported(sample: Path, tmp_path: Path, name: str) -> tuple[Path, Any, Any, list[Any]]:
    """The sample's export: (its file, the workbook, sheet ``name``, that sheet's header)."""
    sheet = tmp_path / "catalogue.xlsx"
    assert _run("export", "--site", str(sample), str(sheet)).exit_code == 0
    book = openpyxl.load_workbook(sheet)
    rows = book[name]
    return sheet, book, rows, [c.value for c in rows[1]]


def _imports_one_change(sample: Path, sheet: Path, record: str, field: str) -> None:
    result = _run("import", "--site", str(sample), str(sheet))
    assert result.exit_code == 0, result.output
    assert f"change {record}: {field}" in result.output
    assert "created 0, changed 1" in result.output


def _then_nothing_changes_and_the_site_builds(sample: Path, sheet: Path) -> None:
    assert "created 0, changed 0" in _run("import", "--site", str(sample), str(sheet)).output
    built = _run("build", "--site", str(sample), "--quiet", "--date", "2026-11-22")
    assert built.exit_code == 0, built.output


def _refused(sample: Path, sheet: Path) -> tuple[list[str], str]:
    """An import that must fail: (its problems without their hints, everything it printed)."""
    result = _run("import", "--site", str(sample), str(sheet))
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith("    hint:")]
    return lines, result.stderr


def test_certificates_round_trip_and_an_edit_changes_only_that_list(
    sample: Path, tmp_path: Path
) -> None:
    sheet, book, rows, header = _exported(sample, tmp_path, "certifications")
    assert header[:4] == ["product", "producer", "scheme", "label_vi"]
    mine = next(
        r for r in rows.iter_rows(min_row=2) if r[header.index("producer")].value == "htx-tai-hoan"
    )
    mine[header.index("expires")].value = dt.datetime(2031, 12, 31)
    rows.append([None, "htx-tai-hoan", "VietGAP", None, None, "VG-2031-7", "Trung tâm A",
                 "Centre A", dt.datetime(2030, 1, 2), None, None, None])  # fmt: skip
    book.save(sheet)
    path = sample / "content/producers/htx-tai-hoan/producer.yaml"
    before = _snapshot(sample)
    original = path.read_text("utf-8")
    _imports_one_change(sample, sheet, str(path.relative_to(sample)), "certifications")
    after = path.read_text("utf-8")
    assert "expires: 2031-12-31\n" in after
    assert (
        "  - scheme: vietgap\n    number: VG-2031-7\n    issuer: {vi: Trung tâm A, en: Centre A}\n"
        "    issued: 2030-01-02\n"
    ) in after
    outside = [line for line in original.splitlines() if not line.startswith((" ", "certif"))]
    assert [line for line in after.splitlines() if not line.startswith((" ", "certif"))] == outside
    assert {k: v for k, v in _snapshot(sample).items() if "htx-tai-hoan/producer" not in k} == {
        k: v for k, v in before.items() if "htx-tai-hoan/producer" not in k
    }
    _then_nothing_changes_and_the_site_builds(sample, sheet)


def test_certificate_problems_are_reported_by_cell(sample: Path, tmp_path: Path) -> None:
    before = _snapshot(sample)
    day = dt.date(2024, 1, 1)
    sheet = _workbook(
        tmp_path / "certs.xlsx",
        "CN",
        [
            [
                "product",
                "producer",
                "Loại chứng nhận",
                "Số chứng nhận",
                "Tổ chức chứng nhận",
                "Ngày cấp",
            ],
            ["che-tan-cuong", None, "ISO 9999", "A-1", "Body", day],
            ["khong-co", None, "vietgap", "A-2", "Body", day],
            ["che-tan-cuong", "htx-tai-hoan", "vietgap", "A-3", "Body", day],
            ["che-tan-cuong", None, "vietgap", None, "Body", day],
        ],
    )
    lines, printed = _refused(sample, sheet)
    assert lines[:4] == [
        "certs.xlsx:CN!C2: error: unknown certification scheme 'ISO 9999'",
        "certs.xlsx:CN!A3: error: no product 'khong-co'",
        "certs.xlsx:CN!A4: error: a certificate belongs to one product or one producer",
        "certs.xlsx:CN!D5: error: no number for this certificate",
    ]
    assert printed.count("    hint: ") == 4 and "nothing was written" in printed
    assert _snapshot(sample) == before


def test_lots_round_trip_and_keep_what_the_sheet_has_no_column_for(
    sample: Path, tmp_path: Path
) -> None:
    sheet, book, rows, header = _exported(sample, tmp_path, "lots")
    assert header[:4] == ["product", "code", "produced", "expires"]
    lot = next(r for r in rows.iter_rows(min_row=2) if r[header.index("code")].value == "TH2603B")
    lot[header.index("expires")].value = dt.datetime(2027, 4, 1)
    rows.append(["mien-dong-tai-hoan", "TH2609C", dt.datetime(2026, 9, 1),
                 dt.datetime(2027, 9, 1), "1 000 gói 500 g"])  # fmt: skip
    book.save(sheet)
    path = sample / "content/products/mien-dong-tai-hoan/product.yaml"
    original = yaml.safe_load(path.read_text("utf-8"))
    _imports_one_change(sample, sheet, str(path.relative_to(sample)), "lots")
    after = yaml.safe_load(path.read_text("utf-8"))
    assert {k: v for k, v in after.items() if k != "lots"} == {
        k: v for k, v in original.items() if k != "lots"
    }
    # Steps, lab tests and coordinates stay, and so does each text as it was written.
    assert after["lots"][0] == original["lots"][0]
    assert after["lots"][1] == {**original["lots"][1], "expires": dt.date(2027, 4, 1)}
    assert after["lots"][2]["code"] == "TH2609C" and "events" not in after["lots"][2]
    _then_nothing_changes_and_the_site_builds(sample, sheet)


def test_a_lot_renamed_in_the_sheet_keeps_its_steps_and_a_lot_left_out_is_named(
    sample: Path, tmp_path: Path
) -> None:
    """A lot code corrected in the sheet is the same lot: its traceability steps and lab
    tests (which no column holds) stay. A lot the sheet no longer has is removed, and the
    import says what goes with it."""
    sheet, book, rows, header = _exported(sample, tmp_path, "lots")
    code = header.index("code")
    lot = next(r for r in rows.iter_rows(min_row=2) if r[code].value == "DV2604")
    lot[code].value = "DV2604A"
    book.save(sheet)
    path = sample / "content/products/mat-ong-bac-ha/product.yaml"
    original = yaml.safe_load(path.read_text("utf-8"))
    _imports_one_change(sample, sheet, str(path.relative_to(sample)), "lots")
    after = yaml.safe_load(path.read_text("utf-8"))
    renamed = next(lot for lot in original["lots"] if lot["code"] == "DV2604")
    assert after["lots"] == [
        lot if lot is not renamed else {**renamed, "code": "DV2604A"} for lot in original["lots"]
    ]
    assert renamed["events"] and renamed["lab_tests"]
    _then_nothing_changes_and_the_site_builds(sample, sheet)
    # a new season's lot in an old lot's row (another production day) takes nothing of it
    other = next(r for r in rows.iter_rows(min_row=2) if r[code].value == "DV2511")
    other[code].value = "DV2612"
    other[header.index("produced")].value = dt.datetime(2026, 12, 1)
    other[header.index("expires")].value = dt.datetime(2028, 12, 1)
    book.save(sheet)
    result = _run("import", "--site", str(sample), str(sheet))
    assert result.exit_code == 0, result.output
    assert "lot DV2511 is not in the sheet any more: it is removed with its" in result.output
    fresh = yaml.safe_load(path.read_text("utf-8"))["lots"][0]
    assert fresh["code"] == "DV2612" and "events" not in fresh and "lab_tests" not in fresh
    # left out of the sheet: removed, and said
    rows.delete_rows(lot[code].row)
    book.save(sheet)
    result = _run("import", "--site", str(sample), str(sheet))
    assert result.exit_code == 0, result.output
    assert "lot DV2604A is not in the sheet any more: it is removed with its" in result.output
    assert [lot["code"] for lot in yaml.safe_load(path.read_text("utf-8"))["lots"]] == ["DV2612"]


def test_lot_problems_are_reported_by_cell(sample: Path, tmp_path: Path) -> None:
    before = _snapshot(sample)
    sheet = tmp_path / "lots.csv"
    sheet.write_text(
        "product,Số lô,Ngày sản xuất,Hạn sử dụng,Ngày thu hồi\n"
        "mien-dong-tai-hoan,L1,2026-01-01,2027-01-01,2026-02-01\n"
        ",L2,2026-01-01,2027-01-01,\n"
        "mien-dong-tai-hoan,L3,2026-01-01,,\n",
        "utf-8",
    )
    lines, _ = _refused(sample, sheet)
    assert lines[:3] == [
        "lots.csv:lots!A2: error: no recall reason for this lot",
        "lots.csv:lots!A3: error: a lot belongs to one product",
        "lots.csv:lots!D4: error: no expiry date for this lot",
    ]
    assert _snapshot(sample) == before


@pytest.mark.parametrize("shown", ["9.52E+12", "9,52E+12", "9.52e12"])
def test_a_gtin_a_spreadsheet_shortened_is_named_so(shown: str) -> None:
    """A GTIN column left as a number is saved by Excel as "9.52E+12": its digits are gone,
    which the clerk must be told in those words, not that a GTIN has only digits."""
    from ocopsite.commands.importcols import CellError, gtin

    with pytest.raises(CellError) as raised:
        gtin(shown, None)  # type: ignore[arg-type]
    assert str(raised.value) == (
        f"GTIN '{shown}' was shortened by a spreadsheet to scientific notation: its last "
        "digits are lost"
    )
    assert raised.value.hint == "format the column as Text, type the GTINs again, and save"


def _product_row(rows: Any, header: list[Any], slug: str) -> Any:
    return next(r for r in rows.iter_rows(min_row=2) if r[header.index("slug")].value == slug)


def _set(row: Any, header: list[Any], **cells: Any) -> None:
    """Write ``cells`` (by column name) into a sheet's ``row``."""
    for key, value in cells.items():
        row[header.index(key)].value = value


def test_a_new_decision_in_the_sheet_is_a_new_event_of_the_rating(
    sample: Path, tmp_path: Path
) -> None:
    """A product re-rated through the sheet keeps the grant before: a record of one grant
    becomes a history, and a history gets one more event; the latest grant's number
    mistyped is corrected where it was written; a history's status is not a column's."""
    sheet, book, rows, header = _exported(sample, tmp_path, "products")
    sugar = _product_row(rows, header, "duong-phen")  # 3 stars from a district, 2023
    _set(sugar, header, stars=4, granted_by="province", decision="88/QĐ-UBND",
         issued=dt.datetime(2026, 11, 2), expires=None)  # fmt: skip
    noodles = _product_row(rows, header, "mien-dong-tai-hoan")  # a history of three events
    noodles[header.index("decision")].value = "1188/QĐ-BNN-VPĐP"
    # re-rated with only the decision and its date typed: the exported expiry and body
    # were the earlier grant's, and are not this one's
    tea = _product_row(rows, header, "che-tan-cuong")
    _set(tea, header, decision="9/QĐ-UBND", issued=dt.datetime(2026, 10, 1))
    book.save(sheet)
    lines, _ = _refused(sample, sheet)
    assert lines[0].endswith(
        "error: the expiry 2027-01-20 is the previous grant's, not that of decision 9/QĐ-UBND"
    )
    tea[header.index("expires")].value = None
    book.save(sheet)
    result = _run("import", "--site", str(sample), str(sheet))
    assert result.exit_code == 0, result.output
    sugar_yaml = yaml.safe_load((sample / "content/products/duong-phen/product.yaml").read_text())
    assert sugar_yaml["ocop"] == [
        {"event": "granted", "date": dt.date(2023, 11, 2), "stars": 3,
         "granted_by": "district", "decision": "4410/QĐ-UBND (mẫu)"},
        {"event": "upgraded", "date": dt.date(2026, 11, 2), "stars": 4,
         "granted_by": "province", "decision": "88/QĐ-UBND"},
    ]  # fmt: skip
    tea_events = yaml.safe_load(
        (sample / "content/products/che-tan-cuong/product.yaml").read_text()
    )
    assert tea_events["ocop"][-1] == {
        "event": "rerated", "date": dt.date(2026, 10, 1), "stars": 4,
        "granted_by": "province", "decision": "9/QĐ-UBND",
    }  # fmt: skip
    path = sample / "content/products/mien-dong-tai-hoan/product.yaml"
    events = yaml.safe_load(path.read_text("utf-8"))["ocop"]
    assert [e["event"] for e in events] == ["granted", "potential", "upgraded"]
    assert events[-1]["decision"] == "1188/QĐ-BNN-VPĐP"  # corrected in place
    _then_nothing_changes_and_the_site_builds(sample, sheet)
    # an older list than the record: refused, the latest grant stays
    _set(tea, header, decision="1/QĐ", issued=dt.datetime(2022, 1, 5))
    book.save(sheet)
    lines, _ = _refused(sample, sheet)
    assert lines[0].endswith(
        "error: decision 1/QĐ of 2022-01-05 is older than the product's latest grant "
        "(9/QĐ-UBND of 2026-10-01)"
    )
    _set(tea, header, decision="9/QĐ-UBND", issued=dt.datetime(2026, 10, 1))
    # a history's status: by a dated event in the record, never by the column
    noodles[header.index("rating_status")].value = "suspended"
    book.save(sheet)
    lines, _ = _refused(sample, sheet)
    assert lines[0].startswith("catalogue.xlsx:products!")
    assert lines[0].endswith(
        "error: this product's rating is a history of dated events: a status column cannot "
        "suspend, reinstate or revoke it"
    )


def test_a_new_product_on_two_rows_is_refused_not_made_twice(tmp_path: Path) -> None:
    """A provincial list may give a product once per decision (2022, then 2025): two new
    rows of one name and producer are one product, not 'san-pham-a' and 'san-pham-a-2'."""
    site = _empty_site(tmp_path)
    head = "Tên sản phẩm,Chủ thể,Loại hình,Xã,Tỉnh,Phân nhóm,Số sao,Số QĐ,Ngày công nhận"
    first = "Sản phẩm A,HTX A,Hợp tác xã,Xã Côn Minh,Thái Nguyên,Thực phẩm,3,1/QĐ,01/09/2025"
    later = "Sản phẩm A,HTX A,Hợp tác xã,Xã Côn Minh,Thái Nguyên,Thực phẩm,4,2/QĐ,01/10/2026"
    sheet = tmp_path / "list.csv"
    sheet.write_text(f"{head}\n{first}\n{later}\n", "utf-8")
    lines, printed = _refused(site, sheet)
    assert lines == [
        "list.csv:list!A3: error: a second row for the new product 'san-pham-a' of the same "
        "producer",
        "import failed: 1 error(s); nothing was written",
    ]
    assert "see list.csv:list!A2" in printed
    # the first row, then the later one: one product, re-rated
    sheet.write_text(f"{head}\n{first}\n", "utf-8")
    assert _run("import", "--site", str(site), str(sheet)).exit_code == 0
    sheet.write_text(f"{head}\n{later}\n", "utf-8")
    assert _run("import", "--site", str(site), str(sheet)).exit_code == 0
    record = yaml.safe_load((site / "content/products/san-pham-a/product.yaml").read_text())
    assert [(e["event"], e["stars"]) for e in record["ocop"]] == [("granted", 3), ("upgraded", 4)]
    assert not (site / "content/products/san-pham-a-2").exists()


def test_the_import_reads_a_code_with_a_leading_zero_as_the_build_does(
    sample: Path, tmp_path: Path
) -> None:
    """A lot coded 012345, written plainly, is the text 012345 to the build: an import that
    rewrites the list it is in keeps it so (YAML 1.1 would read it in octal, 5349)."""
    path = sample / "content/products/mat-ong-bac-ha/product.yaml"
    path.write_text(path.read_text("utf-8").replace("code: DV2511", "code: 012345"), "utf-8")
    sheet, book, rows, header = _exported(sample, tmp_path, "lots")
    code = header.index("code")
    assert "012345" in [r[code].value for r in rows.iter_rows(min_row=2)]
    other = next(r for r in rows.iter_rows(min_row=2) if r[code].value == "DV2604")
    other[header.index("expires")].value = dt.datetime(2027, 6, 1)
    book.save(sheet)
    _imports_one_change(sample, sheet, str(path.relative_to(sample)), "lots")
    codes = [lot["code"] for lot in yaml.safe_load(path.read_text("utf-8"))["lots"]]
    assert codes == ["012345", "DV2604"]
    _then_nothing_changes_and_the_site_builds(sample, sheet)
