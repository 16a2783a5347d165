"""Draw the theme's default share image (Open Graph card), 1200 × 630 px.

Pages without a photo of their own (lists, news without a cover, the explainer)
show this image when shared. Run from the repository root:

    python tools/share_image.py   # writes themes/default/static/share.png
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "ocopsite" / "data" / "fonts"
OUT = ROOT / "themes" / "default" / "static" / "share.png"


def main() -> None:
    image = Image.new("RGB", (1200, 630), "#0b6e4f")
    draw = ImageDraw.Draw(image)
    bold = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 150)
    regular = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 52)
    stars = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 110)
    draw.text((600, 200), "OCOP", font=bold, fill="white", anchor="mm")
    draw.text((600, 345), "★★★★★", font=stars, fill="#f4c430", anchor="mm")
    draw.text((600, 470), "Mỗi xã một sản phẩm", font=regular, fill="white", anchor="mm")
    draw.text((600, 540), "One Commune One Product", font=regular, fill="#d8efe6", anchor="mm")
    image.quantize(16).save(OUT, optimize=True)


if __name__ == "__main__":
    main()
