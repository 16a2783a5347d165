"""QR codes for labels, made with segno: SVG for print layouts, PNG for download.

Error correction is at least M (segno raises it further when that costs no
extra size), the quiet zone is the standard 4 modules, and segno picks the
smallest version that holds the URI.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno

QUIET_ZONE = 4
#: Part of the cache key of QR files: change it when their rendering changes.
SETTINGS = "v1 error=m boost quiet=4 scale=8"
#: Pixels per module of the downloadable PNG: 8 px gives a code of about 1.3 cm at 150 dpi.
PNG_SCALE = 8


@dataclass(frozen=True)
class QrCode:
    uri: str
    version: int
    error: str  # "M", "Q" or "H"
    modules: int  # width in modules, quiet zone excluded
    svg: bytes
    png: bytes


def make(uri: str) -> QrCode:
    """The QR code of ``uri`` as SVG and PNG bytes (deterministic for the same URI)."""
    code = segno.make_qr(uri, error="m", boost_error=True)
    svg = io.BytesIO()
    code.save(
        svg,
        kind="svg",
        border=QUIET_ZONE,
        xmldecl=False,
        svgclass=None,
        lineclass=None,
        omitsize=True,
    )
    png = io.BytesIO()
    code.save(png, kind="png", border=QUIET_ZONE, scale=PNG_SCALE)
    return QrCode(
        uri=uri,
        version=int(code.version),
        error=code.error.upper(),
        modules=code.symbol_size(scale=1, border=0)[0],
        svg=svg.getvalue(),
        png=png.getvalue(),
    )


def matrix(uri: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code of ``uri`` (quiet zone included), for drawing it elsewhere."""
    code = segno.make_qr(uri, error="m", boost_error=True)
    return tuple(tuple(bool(m) for m in row) for row in code.matrix_iter(border=QUIET_ZONE))
