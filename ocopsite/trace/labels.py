"""Printable label sheets, drawn with Pillow at 300 dpi.

One sheet holds 21 identical labels of 63.5 × 38.1 mm (the common 3 × 7 A4
layout), each with the QR code, the product name, its stars, the lot code and
"Quét để kiểm tra / Scan to verify". The QR modules are whole pixels, so the
printed code stays sharp and scannable.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from PIL import Image

from ocopsite.trace import qr

if TYPE_CHECKING:  # imported where a label is drawn: most builds draw none
    from PIL import ImageDraw, ImageFont

#: Part of the cache key of a sheet: change it when the drawing changes.
VERSION = "4"
DPI = 300
A4_MM = (210.0, 297.0)
LABEL_MM = (63.5, 38.1)
COLUMNS, ROWS = 3, 7
MARGIN_MM = (7.2, 15.1)  # left, top
PITCH_MM = (66.0, 38.1)  # distance between label origins
SCAN_TEXT = ("Quét để kiểm tra", "Scan to verify")


def mm(value: float) -> int:
    return round(value * DPI / 25.4)


@dataclass(frozen=True)
class Label:
    uri: str  # what the QR code encodes
    name: str
    stars: int
    lot: str | None = None


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    data = resources.files("ocopsite").joinpath(f"data/fonts/{name}").read_bytes()
    return ImageFont.truetype(io.BytesIO(data), size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _code_image(uri: str) -> Image.Image:
    """The QR code of ``uri``, a pixel a module (0 dark, 255 light), quiet zone included."""
    rows = qr.modules(uri)
    light = b"\xff"
    quiet = light * qr.QUIET_ZONE
    side = len(rows) + 2 * qr.QUIET_ZONE
    margin = light * (side * qr.QUIET_ZONE)
    return Image.frombytes(
        "L", (side, side), margin + b"".join(quiet + row + quiet for row in rows) + margin
    )


def draw_label(label: Label) -> Image.Image:
    """One label at 300 dpi, in greyscale."""
    width, height = mm(LABEL_MM[0]), mm(LABEL_MM[1])
    img = Image.new("L", (width, height), 255)
    from PIL import ImageDraw

    draw = ImageDraw.Draw(img)
    code = _code_image(label.uri)
    side = code.width
    scale = (height - mm(2)) // side
    top = (height - scale * side) // 2
    img.paste(code.resize((side * scale, side * scale), Image.Resampling.NEAREST), (0, top))
    left = scale * side + mm(0.5)
    text_width = width - left - mm(2)
    y = mm(2.5)
    name_font = _font(True, 30)
    for line in _wrap(draw, unicodedata.normalize("NFC", label.name), name_font, text_width)[:3]:
        draw.text((left, y), line, font=name_font, fill=0)
        y += 36
    y += 6
    small = _font(False, 26)
    draw.text(
        (left, y),
        "★" * label.stars + "☆" * (5 - label.stars) + f" OCOP {label.stars}",
        font=small,
        fill=0,
    )
    y += 36
    if label.lot:
        draw.text((left, y), f"Lô/Lot: {label.lot}", font=_font(True, 26), fill=0)
        y += 36
    y = max(y + 6, height - mm(2.5) - 2 * 32)
    for line in SCAN_TEXT:
        draw.text((left, y), line, font=small, fill=0)
        y += 32
    return img


def sheet_png(label: Label) -> bytes:
    """An A4 sheet of 21 copies of ``label`` as a 300 dpi black-and-white PNG."""
    # Thresholding one label and pasting it into a bilevel page is far cheaper than
    # converting the whole page; level-1 compression costs 20 % in size, saves 80 % in time.
    one = draw_label(label).point(lambda v: 255 if v > 140 else 0).convert("1")
    page = Image.new("1", (mm(A4_MM[0]), mm(A4_MM[1])), 1)
    for row in range(ROWS):
        for column in range(COLUMNS):
            x = mm(MARGIN_MM[0] + column * PITCH_MM[0])
            page.paste(one, (x, mm(MARGIN_MM[1] + row * PITCH_MM[1])))
    out = io.BytesIO()
    page.save(out, "PNG", dpi=(DPI, DPI), compress_level=1)
    return out.getvalue()
