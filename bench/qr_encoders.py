"""Compare the QR encoders of zxing-cpp and segno on the QR codes of a site.

For every URI a site's QR codes encode (every product and lot page), both
libraries encode it with error correction M raised when the version allows it,
and the script reports: the versions and levels each chose, whether both hold
the same data codewords, which mask each chose and its penalty score under
ISO/IEC 18004 7.8.3 (scored on the finished symbol, and on the symbol before
format information as segno scores it), whether zxing-cpp decodes every code,
and the CPU time per code.

    python bench/qr_encoders.py [SITE [LIMIT]]   # default: the sample site, every URI
"""

from __future__ import annotations

import io
import sys
import time
from collections import Counter
from pathlib import Path

import segno
import zxingcpp
from PIL import Image
from segno import consts
from segno import encoder as enc

from ocopsite.build import BuildResult, prepare
from ocopsite.diagnostics import Diagnostics
from ocopsite.trace import qr
from ocopsite.trace.files import qr_uris


def segno_code(uri: str) -> segno.QRCode:
    return segno.make_qr(uri, error="m", boost_error=True)


def segno_files(uri: str) -> tuple[bytes, bytes]:
    """What ocopsite made with segno: its SVG writer, and the same PNG drawing as now."""
    code = segno_code(uri)
    svg = io.BytesIO()
    code.save(svg, kind="svg", border=qr.QUIET_ZONE, xmldecl=False, omitsize=True)
    rows = tuple(bytes(0x00 if dark else 0xFF for dark in row) for row in code.matrix)
    return svg.getvalue(), qr._png(rows)


def penalties(rows: qr.Modules, version: int, level: str, mask: int) -> tuple[list[int], list[int]]:
    """The ISO 18004 penalty of the symbol's data under each of the eight masks.

    Scored by segno's implementation of 7.8.3, twice: on the symbol as segno
    scores it (format and version areas light), and on the finished symbol.
    """
    side = len(rows)
    layout = enc.make_matrix(side, side)
    enc.add_finder_patterns(layout, side, side)
    enc.add_alignment_patterns(layout, side, side)
    region = [[cell > 1 for cell in row] for row in layout]
    region[-8][8] = False
    patterns = enc.get_data_mask_functions(False)
    error = consts.ERROR_MAPPING[level]
    before, finished = [], []
    for candidate in range(8):
        matrix = tuple(bytearray(row) for row in layout)
        for i, row in enumerate(rows):
            for j, byte in enumerate(row):
                if region[i][j]:
                    data = (byte == 0) ^ patterns[mask](i, j)
                    matrix[i][j] = data ^ patterns[candidate](i, j)
        before.append(sum(enc.mask_scores(matrix, side, side)))
        enc.add_format_info(matrix, version, error, candidate)
        enc.add_version_info(matrix, version)
        finished.append(sum(enc.mask_scores(matrix, side, side)))
    return before, finished


def decodes(code: qr.QrCode) -> bool:
    with Image.open(io.BytesIO(code.png)) as img:
        found = zxingcpp.read_barcodes(img.convert("L"))
    return [f.text for f in found] == [code.uri]


def main() -> None:
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    prepared = prepare(site, BuildResult(), Diagnostics())
    uris = sorted(qr_uris(prepared.catalogue, prepared.urls))
    if len(sys.argv) > 2:  # an even sample of LIMIT URIs
        uris = uris[:: max(1, len(uris) // int(sys.argv[2]))]
    tally: Counter[str] = Counter()
    for uri in uris:
        ours, theirs = qr.make(uri), segno_code(uri)
        tally["smaller version than segno"] += ours.version < theirs.version
        tally["same version as segno"] += ours.version == theirs.version
        tally["larger version than segno"] += ours.version > theirs.version
        tally[f"level {ours.error} (segno {theirs.error.upper()})"] += 1
        tally["same mask as segno"] += ours.mask == theirs.mask
        before, finished = penalties(qr.modules(uri), ours.version, ours.error, ours.mask)
        tally["lowest penalty, finished symbol"] += finished[ours.mask] == min(finished)
        tally["lowest penalty, before format info"] += before[ours.mask] == min(before)
        tally["decoded by zxing-cpp"] += decodes(ours)
    print(f"{len(uris)} URIs")
    for what, count in sorted(tally.items()):
        print(f"  {what}: {count}")
    for name, make in (
        ("zxing-cpp: ocopsite.trace.qr.make, SVG and PNG", qr.make),
        ("segno: mask chosen, SVG and PNG", segno_files),
    ):
        start = time.process_time()
        for uri in uris:
            make(uri)
        spent = time.process_time() - start
        print(f"{name}: {spent / len(uris) * 1000:.2f} ms CPU per code")


if __name__ == "__main__":
    main()
