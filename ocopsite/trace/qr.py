"""QR codes for labels, made by zxing-cpp: SVG for print layouts, PNG for download.

Error correction is at least M (raised to Q or H when that costs no extra
size), the quiet zone is the standard 4 modules, and the encoder (C++, in
zxing-cpp) picks the smallest version that holds the URI and, as ISO/IEC 18004
asks, the mask pattern with the lowest penalty. A code, both files, costs about
0.4 ms of CPU, so nothing is remembered between builds. The SVG and the PNG are
both drawn from the one matrix of modules the encoder returns; the PNG is
written here, a few chunks around one zlib stream, without Pillow.

``bench/qr_encoders.py`` compares this encoder with segno on a site's codes.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, cast

import zxingcpp

if TYPE_CHECKING:
    from typing_extensions import Buffer

QUIET_ZONE = 4
#: Pixels per module of the downloadable PNG: 8 px gives a code of about 1.3 cm at 150 dpi.
PNG_SCALE = 8
#: The levels tried, weakest first: the strongest that keeps the size of the first wins.
_LEVELS_TRIED = ("M", "Q", "H")
#: Data codewords of versions 1 to 40 at each level tried (ISO/IEC 18004 table 7).
#: The encoder takes the smallest version that holds the data at M, so data that
#: needed version v at M is longer than M's capacity at v - 1; a stronger level
#: whose capacity at v is no more than that cannot hold it at v, and is not tried
#: (Q only fits at versions 1 to 4, H only at version 1).
_DATA_CODEWORDS = {
    "M": (16, 28, 44, 64, 86, 108, 124, 154, 182, 216, 254, 290, 334, 365, 415, 453, 507, 563,
          627, 669, 714, 782, 860, 914, 1000, 1062, 1128, 1193, 1267, 1373, 1455, 1541, 1631,
          1725, 1812, 1914, 1992, 2102, 2216, 2334),
    "Q": (13, 22, 34, 48, 62, 76, 88, 110, 132, 154, 180, 206, 244, 261, 295, 325, 367, 397,
          445, 485, 512, 568, 614, 664, 718, 754, 808, 871, 911, 985, 1033, 1115, 1171, 1231,
          1286, 1354, 1426, 1502, 1582, 1666),
    "H": (9, 16, 26, 36, 46, 60, 66, 86, 100, 122, 140, 158, 180, 197, 223, 253, 283, 313, 341,
          385, 406, 442, 464, 514, 538, 596, 628, 661, 701, 745, 793, 845, 901, 961, 986, 1054,
          1096, 1142, 1222, 1276),
}  # fmt: skip
#: zlib level of the PNG: 4 makes the smallest files of levels 1 to 9 but 5, in half its time.
PNG_ZLIB_LEVEL = 4

#: Format information (ISO/IEC 18004 7.9.1): error-correction bits → level.
_LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}
_FORMAT_MASK = 0b101010000010010
_DARK, _LIGHT = 0x00, 0xFF  # bytes of a module in zxing-cpp's 8-bit image
_LIGHT_BYTE = bytes([_LIGHT])

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


@cache
def encoder() -> str:
    """The encoder and its version: part of the cache key of anything drawn from a code.

    Asked when a label sheet is drawn, not at import: reading a package's version
    imports ``importlib.metadata`` (and ``email``), which a build without labels never needs.
    """
    from importlib.metadata import version

    return f"zxing-cpp {version('zxing-cpp')}"


def _symbol(uri: str, level: str) -> Modules:
    image = zxingcpp.create_barcode(uri, zxingcpp.BarcodeFormat.QRCode, ec_level=level).to_image(
        scale=1, add_quiet_zones=False
    )
    data = bytes(cast("Buffer", image))  # a buffer, which zxing-cpp's type hints leave out
    side = image.shape[1]
    return tuple(data[i : i + side] for i in range(0, len(data), side))


def _may_fit(level: str, version: int) -> bool:
    """Whether data that needed ``version`` at level M may fit it at ``level`` (see above)."""
    return version == 1 or _DATA_CODEWORDS[level][version - 1] > _DATA_CODEWORDS["M"][version - 2]


#: Bits of a segment header (mode indicator and character count), in numeric, alphanumeric
#: and byte mode, for versions 1-9, 10-26 and 27-40 (ISO/IEC 18004 table 3).
_HEADER_BITS = ((14, 13, 12), (16, 15, 20), (18, 17, 20))
_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
#: A run of characters only byte mode holds, or one character more modes hold.
_TOKEN = re.compile(r"[^0-9A-Z $%*+\-./:]+|.", re.DOTALL)
_NONE = 1 << 30


def _version_class(version: int) -> int:
    return 0 if version <= 9 else 1 if version <= 26 else 2


def _least_bits(uri: str, version_class: int) -> int:
    """The fewest bits any split of ``uri`` into numeric, alphanumeric and byte segments
    takes in versions of ``version_class`` (0: 1-9, 1: 10-26, 2: 27-40): no encoder can
    hold it in fewer (ASCII only, see :func:`modules`).

    A walk over the characters keeps, for each mode, the least cost (in sixths of a
    bit: a digit costs 10/3 bits in numeric mode, a character 11/2 in alphanumeric)
    of the text so far with its last segment in that mode. A segment's cost is rounded
    up to whole bits where it ends, which keeps least costs least.
    """
    to_n, to_a, to_b = (6 * bits for bits in _HEADER_BITS[version_class])
    n = a = b = _NONE
    closed = 0  # the least cost of the text so far, its last segment ended
    for token in _TOKEN.findall(uri):
        if "0" <= token <= "9":
            n, a, b = (
                min(n, closed + to_n) + 20,
                min(a, closed + to_a) + 33,
                min(b, closed + to_b) + 48,
            )
        elif token in _ALPHANUMERIC:
            n, a, b = _NONE, min(a, closed + to_a) + 33, min(b, closed + to_b) + 48
        else:
            n, a, b = _NONE, _NONE, min(b, closed + to_b) + 48 * len(token)
        closed = 6 * min(-(-n // 6), -(-a // 6), -(-b // 6))
    return closed // 6


def modules(uri: str) -> Modules:
    """The modules of the QR code of ``uri``: level M, or higher at the same size.

    That is the strongest level whose symbol is no larger than M's. For an ASCII URI,
    the fewest bits it can take (:func:`_least_bits`) spares the encoding of a level
    that could not keep M's size; and when those bits fit Q at the version they fit M,
    Q is encoded first: it is the answer when M could not have taken a smaller version.
    Either way the symbol is the one trying M, Q and H in turn gives.
    """
    symbols: dict[str, Modules] = {}
    least_bits: dict[int, int] = {}

    def symbol(level: str) -> Modules:
        if level not in symbols:
            symbols[level] = _symbol(uri, level)
        return symbols[level]

    def fits(level: str, version: int) -> bool:
        """False when ``uri`` cannot fit ``version`` at ``level``, whatever the encoder."""
        if not uri.isascii():
            return True
        version_class = _version_class(version)
        if version_class not in least_bits:
            least_bits[version_class] = _least_bits(uri, version_class)
        return least_bits[version_class] <= 8 * _DATA_CODEWORDS[level][version - 1]

    if uri.isascii():
        least = next((v for v in range(1, 41) if fits("M", v)), 40)
        if least > 1 and fits("Q", least):
            q_version = (len(symbol("Q")) - 17) // 4  # H never keeps the size past version 1
            if q_version > 1 and not any(fits("M", v) for v in range(1, q_version)):
                return symbol("Q")
    best = symbol(_LEVELS_TRIED[0])
    version = (len(best) - 17) // 4
    for level in _LEVELS_TRIED[1:]:  # if Q needs a larger version, so does H
        if not (_may_fit(level, version) and fits(level, version)):
            break
        stronger = symbol(level)
        if len(stronger) != len(best):
            break
        best = stronger
    return best


def format_of(rows: Modules) -> tuple[str, int]:
    """The error-correction level and mask written in a symbol's format information."""
    cells = [(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)]
    cells += [(8, 14 - i) for i in range(9, 15)]
    bits = [rows[y][x] == _DARK for y, x in cells]
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


#: A run of light modules (maybe none) and the run of dark ones after it, in a row.
_PIECE = re.compile(b"\\xff*\\x00+")


class _Moves(dict[bytes, str]):
    """The path of each :data:`_PIECE` after a row's first: a move over the light run,
    then a line over the dark one. Pieces repeat across rows and codes, so each one's
    text is worked out once per process."""

    def __missing__(self, piece: bytes) -> str:
        light = piece.count(_LIGHT)
        move = self[piece] = f"m{light} 0h{len(piece) - light}"
        return move


_MOVES = _Moves()


def _svg(rows: Modules) -> bytes:
    """One stroked path: a horizontal line per run of dark modules, each move relative."""
    side = len(rows) + 2 * QUIET_ZONE
    path: list[str] = []
    x, y = 0, QUIET_ZONE  # the pen, after the last run drawn (y is the row, not its centre)
    for row_y, row in enumerate(rows, QUIET_ZONE):
        pieces = _PIECE.findall(row)
        if not pieces:
            continue
        light = pieces[0].count(_LIGHT)
        left, width = light + QUIET_ZONE, len(pieces[0]) - light
        if path:
            path.append(f"m{left - x} {row_y - y}h{width}")
        else:
            path.append(f"M{left} {row_y}.5h{width}")
        path += map(_MOVES.__getitem__, pieces[1:])  # within the row: no Python frame per run
        x, y = QUIET_ZONE + len(row.rstrip(_LIGHT_BYTE)), row_y
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}">'
        f'<path fill="#fff" d="M0 0h{side}v{side}H0z"/>'
        f'<path stroke="#000" d="{"".join(path)}"/></svg>\n'
    ).encode()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(rows: Modules) -> bytes:
    """A 1-bit greyscale PNG at :data:`PNG_SCALE` px per module.

    At 8 px per module a module is one byte of a 1-bit row (white bits set), and
    zxing-cpp's module bytes are already 0x00 or 0xff: each row of modules, with
    its quiet zone, is a row of pixels, repeated 8 times. Every row is stored
    unfiltered (filter byte 0), which deflate shrinks best here, the repeats to
    a few bytes each.
    """
    assert PNG_SCALE == 8
    quiet = _LIGHT_BYTE * QUIET_ZONE
    blank = b"\0" + _LIGHT_BYTE * (len(rows) + 2 * QUIET_ZONE)
    margin = blank * (QUIET_ZONE * PNG_SCALE)
    body = b"".join((b"\0" + quiet + row + quiet) * PNG_SCALE for row in rows)
    side = (len(rows) + 2 * QUIET_ZONE) * PNG_SCALE
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit grey, no interlace
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(margin + body + margin, PNG_ZLIB_LEVEL)),
            _chunk(b"IEND", b""),
        )
    )


def matrix(uri: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code of ``uri`` (quiet zone included), for drawing it elsewhere."""
    rows = modules(uri)
    side = len(rows) + 2 * QUIET_ZONE
    blank = (False,) * side
    quiet = (False,) * QUIET_ZONE
    body = tuple(quiet + tuple(b == _DARK for b in row) + quiet for row in rows)
    return (blank,) * QUIET_ZONE + body + (blank,) * QUIET_ZONE
