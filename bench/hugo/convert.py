#!/usr/bin/env python3
"""Turn an ocopsite catalogue into a minimal Hugo site with the comparable page set.

    python bench/hugo/convert.py CATALOGUE OUT [--hugo hugo]

The Hugo site has what ``ocopsite build --only product,category,province,stars``
renders: every product page in Vietnamese (at the root) and English (under
``/en/``), and the category, province and star-level listings of each language,
paginated at 24 products. Each product page shows what a shopper needs (name,
stars and who granted them, producer, place, certificates, where to buy, price,
the description); the listings show name, stars and place. No feeds, sitemap or
taxonomy index pages, so neither side does work the other skips.

Hugo changed its pagination setting in 0.128 (``paginate`` → ``pagination.pagerSize``);
the config is written for the version of the ``--hugo`` binary given.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from ocopsite.model.provinces import provinces  # noqa: E402

LAYOUTS = Path(__file__).resolve().parent / "layouts"
PER_PAGE = 24


def hugo_version(binary: str) -> tuple[int, int]:
    """(major, minor) of the Hugo binary, from ``hugo version``."""
    text = subprocess.run([binary, "version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"v(\d+)\.(\d+)", text)
    if not match:
        raise SystemExit(f"cannot read the version of {binary}: {text!r}")
    return int(match.group(1)), int(match.group(2))


def config(version: tuple[int, int]) -> str:
    paginate = (
        f"[pagination]\n  pagerSize = {PER_PAGE}\n"
        if version >= (0, 128)
        else f"paginate = {PER_PAGE}\n"
    )
    kinds = '["rss", "sitemap", "taxonomy", "robotstxt", "404"]'
    # 0.111 warns, as an error, that "taxonomy" means the list of terms since 0.73: it does.
    ignore = 'ignoreErrors = ["error-disable-taxonomy"]\n' if version < (0, 128) else ""
    return (
        'baseURL = "https://ocop.example.org/"\n'
        'title = "OCOP"\n'
        'defaultContentLanguage = "vi"\n'
        "defaultContentLanguageInSubdir = false\n"
        f"disableKinds = {kinds}\n"
        f"{ignore}"
        f"{paginate}"
        "[taxonomies]\n"
        '  category = "category"\n'
        '  province = "province"\n'
        '  stars = "stars"\n'
        "[languages]\n"
        "  [languages.vi]\n    weight = 1\n"
        "  [languages.en]\n    weight = 2\n"
    )


def _load(path: Path) -> dict:
    with path.open("rb") as stream:
        return yaml.load(stream, Loader=yaml.CSafeLoader)


def _text(value: object, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("vi") or "")
    return str(value)


def convert(catalogue: Path, out: Path, version: tuple[int, int]) -> int:
    """Write the Hugo site into ``out`` (replaced); returns the number of products."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "content" / "products").mkdir(parents=True)
    shutil.copytree(LAYOUTS, out / "layouts")
    (out / "hugo.toml").write_text(config(version), "utf-8")
    places = provinces()
    site = _load(catalogue / "site_config.yaml")
    retailers = site.get("retailers", {})
    producers = {}
    for folder in sorted((catalogue / "content" / "producers").iterdir()):
        producers[folder.name] = _load(folder / "producer.yaml")
    count = 0
    for lang in ("vi", "en"):
        (out / "content" / "products" / f"_index.{lang}.md").write_text(
            f"---\ntitle: {json.dumps('Sản phẩm' if lang == 'vi' else 'Products')}\n---\n",
            "utf-8",
        )
    for folder in sorted((catalogue / "content" / "products").iterdir()):
        product = _load(folder / "product.yaml")
        producer = producers[product["producer"]]
        place = places[producer["province"]]
        target = out / "content" / "products" / folder.name
        target.mkdir()
        for lang in ("vi", "en"):
            body_file = folder / f"{lang}.md"
            body = body_file.read_text("utf-8") if body_file.is_file() else ""
            ocop = product["ocop"]
            front = {
                "title": _text(product["name"], lang),
                "slug": folder.name,
                "category": [product["category"]],
                "province": [place.slug],
                "stars": [str(ocop["stars"])],
                "place": place.vi if lang == "vi" else place.en,
                "star_level": ocop["stars"],
                "granted_by": ocop["granted_by"],
                "decision": ocop["decision"],
                "issued": ocop["issued"],
                "status": ocop["status"],
                "producer": _text(producer["name"], lang),
                "commune": producer.get("commune", ""),
                "price": product.get("price", 0),
                "unit": _text(product.get("unit", ""), lang),
                "gtin": product.get("gtin", ""),
                "certifications": [
                    {k: str(v) for k, v in c.items()} for c in product.get("certifications", [])
                ],
                "retail": [
                    _text(retailers.get(r["channel"], {}).get("name", r["channel"]), lang)
                    for r in product.get("retail", [])
                ],
            }
            (target / f"index.{lang}.md").write_text(
                f"{json.dumps(front, ensure_ascii=False)}\n\n{body}", "utf-8"
            )
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--hugo", default="hugo", help="the Hugo binary the site is for")
    args = parser.parse_args()
    count = convert(args.catalogue, args.out, hugo_version(args.hugo))
    print(f"{count} products → {args.out}")


if __name__ == "__main__":
    main()
