"""QR codes for labels, made with segno: SVG for print layouts, PNG for download.

Error correction is at least M (segno raises it further when that costs no
extra size), the quiet zone is the standard 4 modules, and segno picks the
smallest version that holds the URI and, as ISO/IEC 18004 asks, the mask
pattern with the lowest penalty.

Choosing the mask is most of the cost: segno applies and scores all eight, about
5 ms per code, where making a code with a known mask takes under 1 ms. So the
mask chosen for each URI is remembered between builds (:class:`Masks`); a code
made with a remembered mask is the same code, bit for bit.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import segno
from PIL import Image

QUIET_ZONE = 4
#: Names the file of remembered masks: change it when the encoding settings change.
SETTINGS = "v2 error=m boost quiet=4 scale=8"
#: Pixels per module of the downloadable PNG: 8 px gives a code of about 1.3 cm at 150 dpi.
PNG_SCALE = 8


@dataclass(frozen=True)
class QrCode:
    uri: str
    version: int
    error: str  # "M", "Q" or "H"
    mask: int
    modules: int  # width in modules, quiet zone excluded
    svg: bytes
    png: bytes


def _encode(uri: str, mask: int | None) -> segno.QRCode:
    return segno.make_qr(uri, error="m", boost_error=True, mask=mask)


def make(uri: str, mask: int | None = None) -> QrCode:
    """The QR code of ``uri`` as SVG and PNG bytes (deterministic for the same URI).

    ``mask`` must be the one segno chose for ``uri`` before (see :class:`Masks`);
    ``None`` lets segno choose.
    """
    code = _encode(uri, mask)
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
    return QrCode(
        uri=uri,
        version=int(code.version),
        error=code.error.upper(),
        mask=int(code.mask),
        modules=int(code.symbol_size(scale=1, border=0)[0]),
        svg=svg.getvalue(),
        png=_png(code),
    )


_LIGHT = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # a module → a byte of 1-bit pixels


def _png(code: segno.QRCode) -> bytes:
    """A 1-bit PNG at :data:`PNG_SCALE` px per module, drawn by Pillow.

    At 8 px per module a module is one byte of a 1-bit image (white bits set),
    so each row of modules becomes a row of bytes, repeated 8 times.
    """
    assert PNG_SCALE == 8
    quiet = b"\xff" * QUIET_ZONE
    rows = [quiet + bytes(row).translate(_LIGHT) + quiet for row in code.matrix]
    blank = b"\xff" * len(rows[0])
    rows = [blank] * QUIET_ZONE + rows + [blank] * QUIET_ZONE
    side = len(rows) * PNG_SCALE
    image = Image.frombytes("1", (side, side), b"".join(row * PNG_SCALE for row in rows))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def matrix(uri: str, mask: int | None = None) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code of ``uri`` (quiet zone included), for drawing it elsewhere."""
    code = _encode(uri, mask)
    return tuple(tuple(bool(m) for m in row) for row in code.matrix_iter(border=QUIET_ZONE))


@dataclass
class Masks:
    """The mask segno chose for each URI, kept in one file of the cache folder.

    The file's name covers the settings and segno's version, so masks chosen
    under other rules are never used. Worker processes each hold a copy:
    :meth:`learned` gives what a copy added, for the parent to :meth:`merge`.
    """

    path: Path | None
    known: dict[str, int] = field(default_factory=dict)
    unsent: dict[str, int] = field(default_factory=dict)  # chosen here, not yet learned()
    unsaved: bool = False

    @classmethod
    def load(cls, cache_dir: Path | None) -> Masks:
        if cache_dir is None:
            return cls(None)
        tag = hashlib.sha256(f"{SETTINGS} segno {segno.__version__}".encode()).hexdigest()[:12]
        path = cache_dir / f"qr-masks-{tag}.json"
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            data = {}
        known = {
            uri: mask
            for uri, mask in (data.items() if isinstance(data, dict) else ())
            if isinstance(uri, str) and isinstance(mask, int) and 0 <= mask <= 7
        }
        return cls(path, known)

    def make(self, uri: str) -> QrCode:
        """:func:`make` with the mask chosen before, learning it if there was none."""
        code = make(uri, self.known.get(uri))
        if uri not in self.known:
            self.known[uri] = self.unsent[uri] = code.mask
            self.unsaved = True
        return code

    def learned(self) -> dict[str, int]:
        """The masks chosen since the last call (a worker sends each only once)."""
        learned, self.unsent = self.unsent, {}
        return learned

    def merge(self, learned: dict[str, int]) -> None:
        for uri, mask in learned.items():
            if uri not in self.known:
                self.known[uri] = mask
                self.unsaved = True

    def save(self, keep: set[str] | None = None) -> None:
        """Write the file if anything was learned; with ``keep``, only those URIs stay."""
        if self.path is None or (not self.unsaved and keep is None):
            return
        masks = {u: m for u, m in self.known.items() if keep is None or u in keep}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(masks, sort_keys=True, separators=(",", ":")), "utf-8")
        temporary.replace(self.path)
        self.unsaved = False
