#!/usr/bin/env python3
"""Draw the sample catalogue's photos with Pillow (no licensed photos ship with ocopsite).

Each photo is a still life in the record's colours: a backdrop, a table, and the
product as simple shapes, softly lit, with film grain so that it compresses like
a real photograph. Deterministic: the same name gives the same picture.

    python tools/sample_photos.py            # (re)draw every photo listed below
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent / "content"
SIZE = (960, 720)

# file (relative to content/) -> (backdrop, table, product colours, shape)
PHOTOS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "products/mien-dong-tai-hoan/mien-dong.jpg": (
        "#e9e2d0",
        "#8b5a2b",
        ("#d8cbb0", "#c9b48f"),
        "nest",
    ),
    "products/mien-dong-tai-hoan/ruong-dong.jpg": (
        "#9cc5e8",
        "#4f7d2a",
        ("#2f6d1f", "#6aa84f"),
        "field",
    ),
    "products/bi-xanh-thom-ba-be/bi-xanh.jpg": (
        "#dfe9d8",
        "#6b4f2a",
        ("#2e6b2f", "#9bc48a"),
        "gourd",
    ),
    "products/mang-kho-ba-be/mang-kho.jpg": ("#efe6d2", "#7a5634", ("#b08a4a", "#8c6a33"), "nest"),
    "products/du-lich-pac-ngoi/pac-ngoi.jpg": (
        "#a7cbe6",
        "#3d6b3a",
        ("#6e4b2a", "#2f5d8a"),
        "houses",
    ),
    "products/tinh-dau-trau-tien/tinh-dau.jpg": (
        "#e8efe4",
        "#5c4630",
        ("#3f7d3a", "#c8a94a"),
        "bottle",
    ),
    "products/tra-hoa-vang/tra-hoa-vang.jpg": (
        "#f3ecd6",
        "#6d4a2e",
        ("#e2b323", "#f2d15c"),
        "flowers",
    ),
    "products/ruoc-hau-van-don/ruoc-hau.jpg": ("#e6e1dc", "#5a5048", ("#c98f5c", "#a86f3f"), "jar"),
    "products/mat-ong-bac-ha/mat-ong.jpg": ("#f2e8d5", "#6a4b2f", ("#d99a1e", "#f0b93a"), "jar"),
    "products/che-tan-cuong/che.jpg": ("#e4ecd9", "#5b3f28", ("#3b6e2a", "#7ea35a"), "bowl"),
    "products/nuoc-mam-phu-quoc/nuoc-mam.jpg": (
        "#dce6ee",
        "#4d3b2c",
        ("#9a5a1d", "#c07a2c"),
        "bottle",
    ),
    "products/duong-phen/duong-phen.jpg": ("#f0e6d6", "#6b4a30", ("#c9902f", "#e0ad52"), "blocks"),
    "products/hat-dieu-rang-muoi/hat-dieu.jpg": (
        "#efe7da",
        "#6c4d33",
        ("#d7b98a", "#c59c62"),
        "beans",
    ),
    "products/may-tre-dan-phu-vinh/may-tre.jpg": (
        "#ede6dc",
        "#7b5b3d",
        ("#c7a063", "#a67c43"),
        "basket",
    ),
    "products/dao-canh-nhat-tan/dao.jpg": ("#eaf0f5", "#6b4f3a", ("#e98bb0", "#5b3a29"), "flowers"),
    "producers/htx-tai-hoan/xuong.jpg": ("#c9dcec", "#6f6a5f", ("#8a7b66", "#d8cbb0"), "houses"),
    "producers/htx-ong-dong-van/dong-van.jpg": (
        "#b9d3ea",
        "#6e7c5a",
        ("#7d8a86", "#a8b2a3"),
        "field",
    ),
    "news/2026-10-12-hoi-cho-ocop-thai-nguyen/hoi-cho.jpg": (
        "#d7e6f2",
        "#8d8d8d",
        ("#c8102e", "#ffcd00"),
        "stalls",
    ),
}


def _shape(
    draw: ImageDraw.ImageDraw, kind: str, colours: tuple[str, ...], rnd: random.Random
) -> None:
    w, h = SIZE
    a, b = colours
    if kind == "field":
        for row in range(14):
            y = int(h * 0.45 + row * row * 1.6)
            draw.line([(0, y), (w, y + rnd.randint(-20, 20))], fill=a if row % 2 else b, width=9)
    elif kind == "houses":
        for i in range(4):
            x = 80 + i * 210 + rnd.randint(-20, 20)
            draw.rectangle([x, 380, x + 150, 520], fill=a)
            draw.polygon([(x - 20, 380), (x + 75, 300), (x + 170, 380)], fill=b)
    elif kind == "stalls":
        for i in range(5):
            x = 40 + i * 185
            draw.rectangle([x, 330, x + 160, 560], fill="#f4f1ea")
            draw.rectangle([x, 300, x + 160, 345], fill=a if i % 2 else b)
    else:
        cx, cy = w // 2, int(h * 0.58)
        if kind in ("jar", "bottle"):
            bw = 150 if kind == "jar" else 95
            top = 230 if kind == "jar" else 150
            draw.rounded_rectangle([cx - bw, top, cx + bw, cy + 120], radius=40, fill=a)
            draw.rectangle([cx - bw // 2, top - 50, cx + bw // 2, top], fill=b)
            draw.rectangle([cx - bw + 25, cy - 40, cx + bw - 25, cy + 40], fill="#f7f1e3")
        elif kind == "gourd":
            draw.ellipse([cx - 330, cy - 110, cx + 330, cy + 110], fill=a)
            draw.ellipse([cx - 300, cy - 90, cx + 120, cy + 10], fill=b)
        elif kind == "bowl":
            draw.chord([cx - 260, cy - 180, cx + 260, cy + 160], 0, 180, fill="#eae4d8")
            for _ in range(60):
                x, y = cx + rnd.randint(-220, 220), cy + rnd.randint(-10, 40)
                draw.ellipse([x - 14, y - 6, x + 14, y + 6], fill=rnd.choice(colours))
        elif kind == "flowers":
            for _ in range(26):
                x, y = rnd.randint(120, w - 120), rnd.randint(120, cy + 40)
                r = rnd.randint(18, 34)
                draw.ellipse([x - r, y - r, x + r, y + r], fill=a)
                draw.ellipse([x - 6, y - 6, x + 6, y + 6], fill=b)
        else:  # nest, blocks, beans, basket
            count = {"nest": 900, "blocks": 14, "beans": 220, "basket": 500}[kind]
            for _ in range(count):
                x, y = cx + rnd.randint(-280, 280), cy + rnd.randint(-130, 110)
                if kind == "blocks":
                    draw.rounded_rectangle(
                        [x - 45, y - 30, x + 45, y + 30], radius=8, fill=rnd.choice(colours)
                    )
                elif kind == "beans":
                    draw.ellipse([x - 16, y - 10, x + 16, y + 10], fill=rnd.choice(colours))
                else:
                    draw.line(
                        [(x - 40, y), (x + 40, y + rnd.randint(-25, 25))],
                        fill=rnd.choice(colours),
                        width=3,
                    )


def draw_photo(
    name: str, backdrop: str, table: str, colours: tuple[str, ...], kind: str
) -> Image.Image:
    rnd = random.Random(hashlib.sha256(name.encode()).digest())
    img = Image.new("RGB", SIZE, backdrop)
    draw = ImageDraw.Draw(img)
    w, h = SIZE
    draw.rectangle([0, int(h * 0.62), w, h], fill=table)
    _shape(draw, kind, colours, rnd)
    img = img.filter(ImageFilter.GaussianBlur(2.2))
    light = Image.radial_gradient("L").resize(SIZE).point(lambda v: 255 - v // 3)
    img = Image.composite(img, Image.new("RGB", SIZE, "#000000"), light)
    grain = Image.effect_noise(SIZE, 10).convert("RGB")
    return Image.blend(img, grain, 0.06)


def main() -> None:
    for rel, (backdrop, table, colours, kind) in PHOTOS.items():
        path = ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        draw_photo(rel, backdrop, table, colours, kind).save(
            path, "JPEG", quality=72, optimize=True
        )
        print(f"{path.relative_to(ROOT.parent)}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
