"""Photos: metadata stripped, orientation applied, bombs refused, variants cached and sized."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from ocopsite.assets import images
from ocopsite.assets.images import ImageLimits
from ocopsite.model import BundleFile
from ocopsite.sitefiles import Unusable

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _photo_with_gps(path: Path, size: tuple[int, int] = (800, 400), orientation: int = 6) -> None:
    img = Image.new("RGB", size, "#336699")
    img.paste(Image.new("RGB", (size[0] // 4, size[1]), "#ff0000"), (0, 0))  # a red left edge
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (21.0, 1.0, 2.0), "E", (105.0, 50.0, 3.0)
    img.save(path, "JPEG", exif=exif.tobytes())


def _render(
    source: Path, tmp_path: Path, cache: Path | None = None
) -> tuple[images.Rendition, Path]:
    probed = images.probe(source, ImageLimits())
    assert not isinstance(probed, str), probed
    file = BundleFile(source.name, source, *probed)
    rendition = images.plan(file)
    media = tmp_path / "media"
    images.write(file, rendition, media, cache)
    return rendition, media


def test_orientation_applied_and_metadata_stripped(tmp_path: Path) -> None:
    source = tmp_path / "farm.jpg"
    _photo_with_gps(source)
    assert Image.open(source).getexif().get_ifd(GPS_IFD)  # the source does carry GPS
    rendition, media = _render(source, tmp_path)
    assert rendition.largest.width == 400 and rendition.largest.height == 800  # rotated upright
    for variant in (*rendition.webp, *rendition.jpeg):
        with Image.open(media / variant.name) as out:
            assert out.size == (variant.width, variant.height)
            exif = out.getexif()
            assert not exif.get_ifd(GPS_IFD) and ORIENTATION not in exif and 0x010F not in exif
            assert "exif" not in out.info and "icc_profile" not in out.info
            # rotated 90° clockwise: the red left edge is now at the top
            top = out.convert("RGB").getpixel((out.width // 2, 2))
            assert top[0] > 200 and top[2] < 80, top


def test_never_upscaled_and_widths_follow_the_source(tmp_path: Path) -> None:
    small = tmp_path / "small.png"
    Image.new("RGB", (500, 250), "#00aa00").save(small)
    rendition, _ = _render(small, tmp_path)
    assert [v.width for v in rendition.jpeg] == [320, 500]
    assert [v.mime for v in rendition.webp] == ["image/webp", "image/webp"]


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    Image.new("1", (12000, 12000)).save(bomb, optimize=True)  # a tiny file of 144 Mpx
    assert bomb.stat().st_size < 1_000_000
    problem = images.probe(bomb, ImageLimits(max_pixels=40_000_000))
    assert isinstance(problem, Unusable) and "decompression bomb" in problem.message


def test_truncated_and_oversized_files_are_refused(tmp_path: Path) -> None:
    good = io.BytesIO()
    Image.new("RGB", (600, 400), "#123456").save(good, "PNG")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    assert "corrupt or truncated" in str(images.probe(truncated, ImageLimits()))
    not_a_photo = tmp_path / "photo.jpg"
    not_a_photo.write_text("a note saved as a photo", "utf-8")
    assert images.probe(not_a_photo, ImageLimits()) == Unusable(
        "is not a photo: its content is not a JPEG, PNG or WebP image",
        "export the photo again from a photo editor as JPEG (renaming a file does not convert it)",
    )
    big = tmp_path / "big.png"
    big.write_bytes(good.getvalue())
    too_big = images.probe(big, ImageLimits(max_bytes=1024))
    assert isinstance(too_big, Unusable) and "more than the 1 KB allowed" in too_big.message
    assert images.probe(big, ImageLimits(max_bytes=1024 * 1024 * 15)) == (600, 400)


def test_cache_is_reused(tmp_path: Path) -> None:
    source = tmp_path / "farm.jpg"
    _photo_with_gps(source, (1600, 1200), orientation=1)
    cache = tmp_path / "cache"
    rendition, _ = _render(source, tmp_path / "one", cache)
    cached = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert set(cached) == {v.name for v in (*rendition.webp, *rendition.jpeg)}
    _render(source, tmp_path / "two", cache)
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == cached
    assert [v.width for v in rendition.jpeg] == [320, 640, 1280]


def test_stale_cache_entries_are_pruned(tmp_path: Path) -> None:
    source = tmp_path / "farm.jpg"
    _photo_with_gps(source, (900, 600), orientation=1)
    cache = tmp_path / "cache"
    rendition, _ = _render(source, tmp_path / "one", cache)
    (cache / "0123456789abcdef-320.jpg").write_bytes(b"an old photo's variant")
    assert images.prune_cache(cache, [rendition]) == 1
    assert {p.name for p in cache.iterdir()} == {v.name for v in (*rendition.webp, *rendition.jpeg)}


def test_listing_thumbnails_stay_small(sample_site) -> None:  # type: ignore[no-untyped-def]
    thumbs = list(sample_site.out.glob("products/*/thumb.jpg"))
    assert len(thumbs) == 14
    for thumb in thumbs:
        assert thumb.stat().st_size <= 25 * 1024, thumb
        with Image.open(thumb) as img:
            assert img.width == 320
