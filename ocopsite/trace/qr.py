"""QR codes for labels, made by zxing-cpp: SVG for print layouts, PNG for download.

Error correction is at least M (raised to Q or H when that costs no extra
size), the quiet zone is the standard 4 modules, and the encoder (C++, in
zxing-cpp) picks the smallest version that holds the URI and, as ISO/IEC 18004
asks, the mask pattern with the lowest penalty. A code costs about 0.2 ms of
CPU, so nothing is remembered between builds. The SVG and the PNG are both
drawn from the one matrix of modules the encoder returns.

``bench/qr_encoders.py`` compares this encoder with segno on a site's codes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING, cast

import zxingcpp
from PIL import Image

if TYPE_CHECKING:
    from typing_extensions import Buffer

#: The encoder and its version: part of the cache key of anything drawn from a code.
ENCODER = f"zxing-cpp {version('zxing-cpp')}"
QUIET_ZONE = 4
#: Pixels per module of the downloadable PNG: 8 px gives a code of about 1.3 cm at 150 dpi.
PNG_SCALE = 8
#: The levels tried, weakest first: the strongest that keeps the size of the first wins.
_LEVELS_TRIED = ("M", "Q", "H")

#: Format information (ISO/IEC 18004 7.9.1): error-correction bits → level.
_LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}
_FORMAT_MASK = 0b101010000010010
_DARK, _LIGHT = 0x00, 0xFF  # bytes of a module in zxing-cpp's 8-bit image

Modules = tuple[bytes, ...]  # one byte per module (0x00 dark, 0xff light), quiet zone excluded


@dataclass(frozen=True)
class QrCode:
    uri: str
    version: int
    error: str  # "M", "Q" or "H"
    mask: int
    modules: int  # width in modules, quiet zone excluded
    svg: bytes
    png: bytes


def _symbol(uri: str, level: str) -> Modules:
    image = zxingcpp.create_barcode(uri, zxingcpp.BarcodeFormat.QRCode, ec_level=level).to_image(
        scale=1, add_quiet_zones=False
    )
    data = bytes(cast("Buffer", image))  # a buffer, which zxing-cpp's type hints leave out
    side = image.shape[1]
    return tuple(data[i : i + side] for i in range(0, len(data), side))


def modules(uri: str) -> Modules:
    """The modules of the QR code of ``uri``: level M, or higher at the same size."""
    best = _symbol(uri, _LEVELS_TRIED[0])
    for level in _LEVELS_TRIED[1:]:  # if Q needs a larger version, so does H
        stronger = _symbol(uri, level)
        if len(stronger) != len(best):
            break
        best = stronger
    return best


def format_of(rows: Modules) -> tuple[str, int]:
    """The error-correction level and mask written in a symbol's format information."""
    dark = [[b == _DARK for b in row] for row in rows]
    bits = [dark[i][8] for i in range(6)] + [dark[7][8], dark[8][8], dark[8][7]]
    bits += [dark[8][14 - i] for i in range(9, 15)]
    word = sum(1 << i for i, bit in enumerate(bits) if bit) ^ _FORMAT_MASK
    return _LEVELS[word >> 13], (word >> 10) & 0b111


def make(uri: str) -> QrCode:
    """The QR code of ``uri`` as SVG and PNG bytes (deterministic for the same URI)."""
    rows = modules(uri)
    error, mask = format_of(rows)
    return QrCode(
        uri=uri,
        version=(len(rows) - 17) // 4,
        error=error,
        mask=mask,
        modules=len(rows),
        svg=_svg(rows),
        png=_png(rows),
    )


def _svg(rows: Modules) -> bytes:
    """One stroked path: a horizontal line per run of dark modules, each move relative."""
    side = len(rows) + 2 * QUIET_ZONE
    path: list[str] = []
    x, y = 0, QUIET_ZONE  # the pen, after the last run drawn (y is the row, not its centre)
    for row_y, row in enumerate(rows, QUIET_ZONE):
        start = row.find(_DARK)
        while start >= 0:
            end = row.find(_LIGHT, start)
            end = len(row) if end < 0 else end
            left = start + QUIET_ZONE
            if not path:
                path.append(f"M{left} {row_y}.5h{end - start}")
            else:
                path.append(f"m{left - x} {row_y - y}h{end - start}")
            x, y = left + end - start, row_y
            start = row.find(_DARK, end)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}">'
        f'<path fill="#fff" d="M0 0h{side}v{side}H0z"/>'
        f'<path stroke="#000" d="{"".join(path)}"/></svg>\n'
    ).encode()


def _png(rows: Modules) -> bytes:
    """A 1-bit PNG at :data:`PNG_SCALE` px per module, drawn by Pillow.

    At 8 px per module a module is one byte of a 1-bit image (white bits set),
    and zxing-cpp's module bytes are already 0x00 or 0xff: each row of modules
    is a row of pixels, repeated 8 times.
    """
    assert PNG_SCALE == 8
    quiet = bytes([_LIGHT]) * QUIET_ZONE
    lines = [quiet + row + quiet for row in rows]
    blank = bytes([_LIGHT]) * len(lines[0])
    lines = [blank] * QUIET_ZONE + lines + [blank] * QUIET_ZONE
    side = len(lines) * PNG_SCALE
    image = Image.frombytes("1", (side, side), b"".join(line * PNG_SCALE for line in lines))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def matrix(uri: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code of ``uri`` (quiet zone included), for drawing it elsewhere."""
    rows = modules(uri)
    side = len(rows) + 2 * QUIET_ZONE
    blank = (False,) * side
    quiet = (False,) * QUIET_ZONE
    body = tuple(quiet + tuple(b == _DARK for b in row) + quiet for row in rows)
    return (blank,) * QUIET_ZONE + body + (blank,) * QUIET_ZONE
