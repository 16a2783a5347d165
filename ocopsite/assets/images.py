"""Photos: checking them at validation time and encoding web variants at build time.

Every photo is decoded with Pillow under size limits, turned upright by its EXIF
orientation, converted to sRGB, stripped of all metadata (a farm's GPS position
must not leak), and written as WebP and JPEG at a few widths, never upscaled.
Output names hash the source bytes and the settings, so an unchanged photo is
never encoded twice when a cache folder is kept between builds.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from ocopsite import sitefiles
from ocopsite.cachekey import seal, unsealed
from ocopsite.files import write_atomic
from ocopsite.sitefiles import Unusable

if TYPE_CHECKING:
    from ocopsite.model import BundleFile

#: Widths of the variants, in CSS pixels; a narrower source yields fewer.
WIDTHS: tuple[int, ...] = (320, 640, 1280)
JPEG_QUALITY = 76
WEBP_QUALITY = 72
#: Part of every output name: changing an encoding setting renames (re-encodes) all outputs.
#: A JPEG is decoded at a half, a quarter or an eighth of its size (libjpeg scales while
#: decoding, in a fraction of the time) when that leaves at least this many times the
#: pixels of the widest variant in each direction, for Lanczos to scale down from.
DRAFT_MARGIN = 1.5
SETTINGS = f"v2 widths={WIDTHS} jpeg={JPEG_QUALITY} webp={WEBP_QUALITY} draft={DRAFT_MARGIN}"
_ORIENTATION_TAG = 0x0112
_SWAPS_AXES = {5, 6, 7, 8}


@dataclass(frozen=True)
class ImageLimits:
    """How large a photo may be, on disk and in pixels (``images:`` in the site config)."""

    max_bytes: int = 15 * 1024 * 1024
    max_pixels: int = 40_000_000


@dataclass(frozen=True)
class Variant:
    name: str  # file name under the media folder
    width: int
    height: int
    mime: str


@dataclass(frozen=True)
class Rendition:
    """The encoded variants of one photo, narrowest first within each format."""

    webp: tuple[Variant, ...]
    jpeg: tuple[Variant, ...]

    @property
    def largest(self) -> Variant:
        return self.jpeg[-1]

    @property
    def smallest(self) -> Variant:
        return self.jpeg[0]

    def fitting(self, css_width: int) -> Variant:
        """The narrowest JPEG at least ``css_width`` wide (or the widest there is)."""
        return next((v for v in self.jpeg if v.width >= css_width), self.largest)


#: What to do with a photo of too many pixels.
_SCALE_DOWN = "scale it down to 3000 pixels wide or so in a photo editor, and save it again"


def _megabytes(size: int) -> str:
    """A file's size as people read it: "850 KB", "3.4 MB", "63 MB"."""
    if size < 1048576:
        return f"{size / 1024:,.0f} KB"
    return f"{size / 1048576:.1f} MB" if size < 10 * 1048576 else f"{size / 1048576:,.0f} MB"


def probe(path: Path, limits: ImageLimits) -> tuple[int, int] | Unusable:
    """The upright (width, height) of the image at ``path``, or why it cannot be used.

    Checks the pixel count in the header first, refusing files and pixel counts
    over ``limits`` (decompression bombs) before decoding anything, then decodes
    the whole file, so that a truncated or corrupt photo is reported here, with
    the line of the record that names it, and never reaches the encoding stage.
    """
    size = path.stat().st_size
    if size > limits.max_bytes:
        return Unusable(
            f"is {_megabytes(size)}, more than the {_megabytes(limits.max_bytes)} allowed",
            "export it again smaller (a photo 3000 pixels wide is plenty for every page)",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _source(path) as file, Image.open(file) as img:
                width, height = img.size
                if width * height > limits.max_pixels:
                    return Unusable(
                        f"is {width}×{height} pixels, more than the {limits.max_pixels:,} "
                        "allowed (a decompression bomb, or a photo to scale down first)",
                        _SCALE_DOWN,
                    )
                img.verify()
            # verify() leaves the image unusable, so EXIF is read from a fresh open. verify()
            # does not read a JPEG's compressed data, so a truncated one passes it: decode
            # every byte now (JPEG at an eighth of its size, which reads all the data but
            # costs half) rather than fail when encoding, after pages showing it exist.
            with _source(path) as file, Image.open(file) as img:
                orientation = img.getexif().get(_ORIENTATION_TAG, 1)
                img.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return Unusable(f"is refused as a decompression bomb ({exc})", _SCALE_DOWN)
    except UnidentifiedImageError:
        return Unusable(
            "is not a photo: its content is not a JPEG, PNG or WebP image",
            "export the photo again from a photo editor as JPEG (renaming a file does not "
            "convert it)",
        )
    except sitefiles.Refused as refused:
        return Unusable(refused.message, refused.hint)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return Unusable(
            f"is corrupt or truncated ({exc})",
            "open it in an image editor and save it again as JPEG",
        )
    return (height, width) if orientation in _SWAPS_AXES else (width, height)


def _source_hash(path: Path) -> str:
    digest = hashlib.sha256(SETTINGS.encode())
    digest.update(sitefiles.read_bytes(path, path.parent))
    return digest.hexdigest()[:16]


def _source(path: Path) -> BinaryIO:
    """The photo at ``path``, a real path validation let through, opened through the one gate."""
    return sitefiles.open_binary(path, path.parent)


def _upright_srgb(path: Path, widest: tuple[int, int]) -> Image.Image:
    """The photo at ``path``, upright and in sRGB, at least ``widest`` in size (upright)."""
    with _source(path) as file, Image.open(file) as opened:
        if opened.format == "JPEG":
            width, height = (ceil(side * DRAFT_MARGIN) for side in widest)
            if opened.getexif().get(_ORIENTATION_TAG, 1) in _SWAPS_AXES:
                width, height = height, width
            opened.draft(opened.mode, (width, height))
        img = ImageOps.exif_transpose(opened)
        img.load()
    icc = img.info.get("icc_profile")
    if icc:
        from PIL import ImageCms  # here: only a photo with a colour profile needs it

        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"))
            if converted is not None:  # None only when converting in place, never here
                img = converted
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile is dropped; the pixels are then taken as sRGB
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.getchannel("A"))
        img = background
    elif img.mode != "RGB":
        img = img.convert("RGB")
    img.info.clear()
    return img


def _encode(img: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        img.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        img.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()


def plan(file: BundleFile) -> Rendition:
    """The variants that :func:`write` will produce for ``file``, without encoding anything.

    Names and sizes follow from the source bytes and its probed, upright size, so
    pages can be rendered before (or in parallel with) the encoding.
    """
    key = _source_hash(file.path)
    source_width, source_height = file.width, file.height
    widths = [w for w in WIDTHS if w < source_width] + [min(source_width, WIDTHS[-1])]
    webp: list[Variant] = []
    jpeg: list[Variant] = []
    for width in dict.fromkeys(widths):
        height = max(1, round(source_height * width / source_width))
        webp.append(Variant(f"{key}-{width}.webp", width, height, "image/webp"))
        jpeg.append(Variant(f"{key}-{width}.jpg", width, height, "image/jpeg"))
    return Rendition(tuple(webp), tuple(jpeg))


def prune_cache(cache_dir: Path, renditions: Iterable[Rendition]) -> int:
    """Delete cached variants that no current photo uses; returns how many were deleted.

    Called after a successful encoding stage, so the cache holds what the site
    uses and does not grow with every photo ever replaced.
    """
    if not cache_dir.is_dir():
        return 0
    used = {v.name for r in renditions for v in (*r.webp, *r.jpeg)}
    stale = [p for p in cache_dir.iterdir() if p.is_file() and p.name not in used]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def encode(file: BundleFile, rendition: Rendition, cache_dir: Path | None) -> dict[str, bytes]:
    """The bytes of every variant of ``rendition``, by file name (WebP first, then JPEG).

    A variant already in ``cache_dir`` is read from there; others are encoded
    (and then cached). Raises ``OSError`` or a Pillow error for a file that
    fails to decode; the caller reports it.
    """
    made: dict[str, bytes] = {}
    img: Image.Image | None = None
    for variant in (*rendition.webp, *rendition.jpeg):
        cached = cache_dir / variant.name if cache_dir is not None else None
        purpose = b"photo\0" + variant.name.encode()
        if cached is not None:
            try:
                found = unsealed(cached.read_bytes(), purpose)
                if found is not None:  # (bytes someone else wrote: encoded again)
                    made[variant.name] = bytes(found)
                    continue
            except FileNotFoundError:
                pass
        if img is None:
            largest = rendition.largest
            img = _upright_srgb(file.path, (largest.width, largest.height))
        size = (variant.width, variant.height)
        scaled = img if size == img.size else img.resize(size, Image.Resampling.LANCZOS)
        data = made[variant.name] = _encode(
            scaled, "WEBP" if variant.mime == "image/webp" else "JPEG"
        )
        if cached is not None:
            write_atomic(cached, seal(data, purpose), durable=False)  # flushed with the output
    return made


def write(file: BundleFile, rendition: Rendition, media_dir: Path, cache_dir: Path | None) -> None:
    """Write every variant of ``rendition`` into ``media_dir`` (see :func:`encode`)."""
    media_dir.mkdir(parents=True, exist_ok=True)
    for name, data in encode(file, rendition, cache_dir).items():
        (media_dir / name).write_bytes(data)
