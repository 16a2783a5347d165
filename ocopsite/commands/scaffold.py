"""``ocopsite new``: record folders that validate and build as they are, to edit from there."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ocopsite.diagnostics import Diagnostics
from ocopsite.load.checks import SLUG_RE
from ocopsite.load.config import CONFIG_NAME, load_config
from ocopsite.render.recordschema import modeline

#: Placeholder texts per language; a language without its own uses the Vietnamese one.
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "producer": {"vi": "Tên chủ thể", "en": "Producer name"},
    "product": {"vi": "Tên sản phẩm", "en": "Product name"},
    "news": {"vi": "Tiêu đề tin", "en": "News title"},
    "producer.md": {"vi": "Giới thiệu chủ thể sản xuất.", "en": "About the producer."},
    "product.md": {"vi": "Mô tả sản phẩm.", "en": "Product description."},
    "news.md": {"vi": "Nội dung tin.", "en": "News text."},
}


class ScaffoldError(Exception):
    """The record cannot be created; the message says why and what to do."""


def _languages(site: Path) -> tuple[str, ...]:
    config = load_config(site / CONFIG_NAME, Diagnostics())
    return config.languages if config is not None else ("vi", "en")


def _modeline(site: Path, kind: str) -> str:
    """The schema line editors read; none when the site's configuration does not load."""
    config = load_config(site / CONFIG_NAME, Diagnostics())
    return modeline(config, kind) if config is not None else ""


def _text(key: str, languages: tuple[str, ...]) -> str:
    """A YAML flow mapping with a placeholder for each of the site's languages."""
    texts = PLACEHOLDERS[key]
    items = ", ".join(
        f"{lang}: {json.dumps(texts.get(lang, texts['vi']), ensure_ascii=False)}"
        for lang in languages
    )
    return "{" + items + "}"


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


def _yaml(kind: str, today: dt.date, site: Path, languages: tuple[str, ...]) -> str:
    if kind == "producer":
        return (
            f"name: {_text('producer', languages)}\n"
            "kind: cooperative  # enterprise | cooperative | cooperative-group | household\n"
            "province: ha-noi  # one of the 34 provinces since 1 July 2025\n"
            "commune: Tên xã\n"
            "# address: Thôn, số nhà\n"
            "# former_address: Địa chỉ trên nhãn cũ (trước 1/7/2025)\n"
            "# contact: {phone: '0900 000 000', email: lienhe@example.vn}\n"
        )
    if kind == "product":
        return (
            f"name: {_text('product', languages)}\n"
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
        )
    return f"date: {today.isoformat()}\ntitle: {_text('news', languages)}\nproducts: []\n"


def scaffold(site: Path, kind: str, slug: str, today: dt.date) -> list[Path]:
    """Create ``content/<kind>s/<slug>/`` (news: ``<today>-<slug>``) and return the files made.

    The texts cover every language of the site, so the new record builds
    without warnings even with ``--strict``.
    """
    if not SLUG_RE.match(slug):
        raise ScaffoldError(
            f"'{slug}' is not a valid slug: use lower-case ASCII letters, digits and hyphens"
        )
    folder_name = f"{today.isoformat()}-{slug}" if kind == "news" else slug
    folder = site / "content" / ("news" if kind == "news" else f"{kind}s") / folder_name
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists")
    languages = _languages(site)
    files = {f"{kind}.yaml": _modeline(site, kind) + _yaml(kind, today, site, languages)}
    texts = PLACEHOLDERS[f"{kind}.md"]
    for lang in languages:
        files[f"{lang}.md"] = texts.get(lang, texts["vi"]) + "\n"
    folder.mkdir(parents=True)
    created = []
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        created.append(path)
    return created
