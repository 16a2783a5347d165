"""Write docs/ocop-sample.xlsx: a province's OCOP list as offices keep it, for the import guide.

Headers in Vietnamese as provinces write them, a title row above the table, a
row number column, and names of products and producers that are sample data.
Run: python tools/sample_sheet.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

HEADERS = [
    "STT", "Tên sản phẩm", "Chủ thể", "Loại hình", "Địa chỉ", "Xã", "Tỉnh",
    "Phân nhóm", "Số sao", "Quyết định", "Ngày công nhận", "GTIN / Mã vạch", "Giá bán",
]  # fmt: skip
ROWS = [
    ["Miến dong Bình Minh (mẫu)", "HTX Bình Minh (dữ liệu mẫu)", "Hợp tác xã", "Thôn Nà Đon",
     "Xã Côn Minh", "Thái Nguyên", "Thực phẩm", 4, "1234/QĐ-UBND (mẫu)", dt.date(2025, 3, 14),
     "9520000009014", 60000],
    ["Chè xanh Bình Minh (mẫu)", "HTX Bình Minh (dữ liệu mẫu)", "Hợp tác xã", "Thôn Nà Đon",
     "Xã Côn Minh", "Thái Nguyên", "Đồ uống", 3, "2870/QĐ-UBND (mẫu)", dt.date(2025, 9, 15),
     "", 150000],
    ["Mật ong hoa bạc hà Sơn Vĩ (mẫu)", "Hộ kinh doanh Lò Thị Mai (dữ liệu mẫu)", "Hộ kinh doanh",
     "Bản Sán Sả Hồ", "Xã Sơn Vĩ", "Tuyên Quang", "Thực phẩm", 4, "0456/QĐ-UBND (mẫu)",
     dt.date(2026, 1, 20), "9520000009021", 350000],
]  # fmt: skip


def main() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách OCOP"
    sheet.append(["DANH SÁCH SẢN PHẨM OCOP (DỮ LIỆU MẪU)"])
    sheet.append(HEADERS)
    for number, row in enumerate(ROWS, start=1):
        sheet.append([number, *row])
    for cell in sheet["K"][2:]:
        cell.number_format = "dd/mm/yyyy"
    for cell in sheet["L"][2:]:
        cell.number_format = "@"
    target = Path(__file__).resolve().parent.parent / "docs" / "ocop-sample.xlsx"
    book.save(target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
