"""``ocopsite new``: record folders that validate and build as they are, to edit from there."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .schema import SLUG_RE


class ScaffoldError(Exception):
    """The record cannot be created; the message says why and what to do."""


def _first_producer(site: Path) -> str:
    folder = site / "content" / "producers"
    names = (
        sorted(p.name for p in folder.iterdir() if (p / "producer.yaml").is_file())
        if folder.is_dir()
        else []
    )
    if not names:
        raise ScaffoldError("a product needs a producer: run 'new producer SLUG' first")
    return names[0]


def _templates(kind: str, slug: str, today: dt.date, site: Path) -> dict[str, str]:
    if kind == "producer":
        return {
            "producer.yaml": (
                "name: {vi: Tên chủ thể, en: Producer name}\n"
                "kind: cooperative  # enterprise | cooperative | cooperative-group | household\n"
                "province: ha-noi  # one of the 34 provinces since 1 July 2025\n"
                "commune: Tên xã\n"
                "# address: Thôn, số nhà\n"
                "# former_address: Địa chỉ trên nhãn cũ (trước 1/7/2025)\n"
                "# contact: {phone: '0900 000 000', email: lienhe@example.vn}\n"
            ),
            "vi.md": "Giới thiệu chủ thể sản xuất.\n",
            "en.md": "About the producer.\n",
        }
    if kind == "product":
        return {
            "product.yaml": (
                "name: {vi: Tên sản phẩm, en: Product name}\n"
                f"producer: {_first_producer(site)}\n"
                "category: food  # food | beverages | herbal | handicraft | ornamental | tourism\n"
                "# gtin: '9520000000000'\n"
                "ocop:\n"
                "  stars: 3\n"
                "  granted_by: province\n"
                "  decision: 000/QĐ-UBND\n"
                f"  issued: {today.isoformat()}\n"
                "certifications: []\n"
                "retail: []\n"
                "photos: []\n"
            ),
            "vi.md": "Mô tả sản phẩm.\n",
            "en.md": "Product description.\n",
        }
    return {
        "news.yaml": (
            f"date: {today.isoformat()}\ntitle: {{vi: Tiêu đề tin, en: News title}}\nproducts: []\n"
        ),
        "vi.md": "Nội dung tin.\n",
        "en.md": "News text.\n",
    }


def scaffold(site: Path, kind: str, slug: str, today: dt.date) -> list[Path]:
    """Create ``content/<kind>s/<slug>/`` (news: ``<today>-<slug>``) and return the files made."""
    if not SLUG_RE.match(slug):
        raise ScaffoldError(
            f"'{slug}' is not a valid slug: use lower-case ASCII letters, digits and hyphens"
        )
    folder_name = f"{today.isoformat()}-{slug}" if kind == "news" else slug
    folder = site / "content" / ("news" if kind == "news" else f"{kind}s") / folder_name
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists")
    files = _templates(kind, slug, today, site)
    folder.mkdir(parents=True)
    created = []
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        created.append(path)
    return created
