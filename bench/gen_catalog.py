#!/usr/bin/env python3
"""Write a deterministic synthetic OCOP catalogue in ocopsite's content format.

    python bench/gen_catalog.py 16000 /tmp/cat16k [--photos] [--seed 1]

The same N and seed always give the same files. Names and texts are plausible
Vietnamese (with English translations); products spread over all 34 provinces
and the six OCOP groups, with stars 3–5, certifications, retail channels, GS1
demonstration GTINs (prefix 952), production lots and traceability events.
About one producer per three products. ``--photos`` adds a small JPEG per product.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocopsite.model.gtin import check_digit  # noqa: E402
from ocopsite.model.provinces import provinces  # noqa: E402
from ocopsite.model.vietnamese import slugify  # noqa: E402

# (vietnamese, english) product types per OCOP group
TYPES: dict[str, list[tuple[str, str]]] = {
    "food": [
        ("Miến dong", "arrowroot vermicelli"),
        ("Mật ong", "honey"),
        ("Nước mắm", "fish sauce"),
        ("Gạo nếp", "glutinous rice"),
        ("Gạo thơm", "fragrant rice"),
        ("Hạt điều rang muối", "salted cashews"),
        ("Đường phên", "cane sugar slabs"),
        ("Lạp xưởng", "Chinese sausage"),
        ("Ruốc hàu", "oyster floss"),
        ("Cá khô", "dried fish"),
        ("Tôm khô", "dried shrimp"),
        ("Nấm hương", "shiitake mushrooms"),
        ("Măng khô", "dried bamboo shoots"),
        ("Thịt trâu gác bếp", "smoked buffalo meat"),
        ("Chả mực", "squid cakes"),
        ("Kẹo dừa", "coconut candy"),
        ("Bánh đa", "rice crackers"),
        ("Mứt gừng", "candied ginger"),
        ("Tương ớt", "chilli sauce"),
        ("Hồ tiêu", "black pepper"),
        ("Cà phê rang xay", "ground coffee"),
        ("Bưởi", "pomelo"),
        ("Vải thiều", "lychee"),
        ("Cam sành", "king orange"),
    ],
    "beverages": [
        ("Chè búp", "green tea"),
        ("Trà shan tuyết", "shan tuyet tea"),
        ("Rượu ngô", "corn liquor"),
        ("Rượu cần", "tube wine"),
        ("Nước cốt gừng", "ginger juice"),
        ("Rượu nếp cẩm", "purple rice wine"),
        ("Trà atiso", "artichoke tea"),
        ("Nước ép chanh leo", "passion fruit juice"),
    ],
    "herbal": [
        ("Tinh dầu quế", "cinnamon essential oil"),
        ("Trà hoa vàng", "golden camellia tea"),
        ("Cao actiso", "artichoke extract"),
        ("Tinh dầu sả chanh", "lemongrass oil"),
        ("Trà giảo cổ lam", "jiaogulan tea"),
        ("Nghệ tinh bột", "turmeric starch"),
        ("Sâm dây", "codonopsis root"),
    ],
    "handicraft": [
        ("Giỏ mây tre đan", "woven rattan basket"),
        ("Gốm men lam", "blue-glazed pottery"),
        ("Thổ cẩm", "brocade cloth"),
        ("Chiếu cói", "sedge mat"),
        ("Nón lá", "conical hat"),
        ("Tranh thêu", "embroidered picture"),
        ("Đũa tre", "bamboo chopsticks"),
    ],
    "ornamental": [
        ("Đào thế", "shaped peach tree"),
        ("Quất cảnh", "ornamental kumquat"),
        ("Lan hồ điệp", "moth orchid"),
        ("Bonsai sanh", "banyan bonsai"),
        ("Cá chép Koi", "koi carp"),
    ],
    "tourism": [
        ("Du lịch cộng đồng bản", "community tourism in the village of"),
        ("Homestay nhà sàn", "stilt-house homestay"),
        ("Điểm du lịch sinh thái", "eco-tourism site"),
    ],
}
QUALIFIERS = [
    ("", ""),
    ("đặc biệt", "special"),
    ("hữu cơ", "organic"),
    ("truyền thống", "traditional"),
    ("loại 1", "grade 1"),
    ("sấy khô", "dried"),
    ("cao cấp", "premium"),
]
BRANDS = [
    "Tài Hoan",
    "Hồng Hà",
    "Phúc Lộc",
    "Minh Đức",
    "An Khang",
    "Bảo Châu",
    "Thanh Bình",
    "Hoà Phát",
    "Kim Ngân",
    "Tân Cương",
    "Đồng Tâm",
    "Ngọc Lan",
    "Quang Vinh",
    "Hải Đăng",
    "Trường Xuân",
    "Sơn Hà",
    "Vân Sơn",
    "Lạc Hồng",
    "Thiên Ân",
    "Mộc Miên",
    "Hương Sen",
    "Nam Phong",
    "Bắc Hà",
    "Tây Nguyên",
]
SYLLABLES = [
    "Tân",
    "Phú",
    "Hòa",
    "Bình",
    "An",
    "Thạnh",
    "Long",
    "Mỹ",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Lộc",
    "Sơn",
    "Thủy",
    "Hưng",
    "Vĩnh",
    "Quang",
    "Trung",
    "Hải",
    "Lâm",
    "Thái",
    "Đức",
    "Xuân",
    "Na",
    "Côn",
]
KINDS = ["enterprise", "cooperative", "cooperative-group", "household"]
KIND_NAMES = {
    "enterprise": ("Công ty TNHH", "Co. Ltd"),
    "cooperative": ("Hợp tác xã", "Cooperative"),
    "cooperative-group": ("Tổ hợp tác", "Cooperative group"),
    "household": ("Hộ kinh doanh", "Household"),
}
SCHEMES = ["vietgap", "haccp", "iso22000", "organic", "globalgap", "gmp"]
CHANNELS = [
    "go-bigc",
    "winmart",
    "mm-mega",
    "shopee",
    "tiki",
    "lazada",
    "sendo",
    "postmart",
    "direct",
]
STEPS = [
    ("Thu hoạch nguyên liệu", "Raw material harvested"),
    ("Sơ chế", "Pre-processed"),
    ("Chế biến", "Processed"),
    ("Đóng gói", "Packed"),
    ("Kiểm tra chất lượng", "Quality checked"),
]


def _config(out: Path) -> None:
    retailers = {
        "go-bigc": {"kind": "supermarket", "name": "GO! / Big C"},
        "winmart": {"kind": "supermarket", "name": "WinMart"},
        "mm-mega": {"kind": "supermarket", "name": "MM Mega Market"},
        "shopee": {"kind": "marketplace", "name": "Shopee", "url": "https://shopee.vn/"},
        "tiki": {"kind": "marketplace", "name": "Tiki", "url": "https://tiki.vn/"},
        "lazada": {"kind": "marketplace", "name": "Lazada", "url": "https://www.lazada.vn/"},
        "sendo": {"kind": "marketplace", "name": "Sendo", "url": "https://www.sendo.vn/"},
        "postmart": {"kind": "marketplace", "name": "Postmart", "url": "https://postmart.vn/"},
        "direct": {"kind": "direct", "name": {"vi": "Tại cơ sở sản xuất", "en": "At the producer"}},
    }
    for slug, province in provinces().items():
        retailers[f"showroom-{slug}"] = {
            "kind": "showroom",
            "name": {"vi": f"Điểm bán OCOP {province.vi}", "en": f"{province.en} OCOP showroom"},
        }
    config = {
        "title": {
            "vi": "Danh mục OCOP tổng hợp (dữ liệu tổng hợp)",
            "en": "Synthetic OCOP catalogue",
        },
        "base_url": "https://ocop.example.org/",
        "languages": ["vi", "en"],
        "build_date": "2026-11-22",
        "demo": True,
        # 25,000 A4 sheets at 16,000 products would be 2 GB of PNG; the bench times them apart.
        "label_sheets": False,
        "retailers": retailers,
    }
    (out / "site_config.yaml").write_text(
        json.dumps(config, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )


def _write(path: Path, data: dict[str, object], vi: str, en: str) -> None:
    """JSON is valid YAML, and far faster to write than YAML for large catalogues."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    (path.parent / "vi.md").write_text(vi + "\n", "utf-8")
    (path.parent / "en.md").write_text(en + "\n", "utf-8")


def _day(rnd: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rnd.randrange((end - start).days))


def _photo(path: Path, rnd: random.Random) -> None:
    from PIL import Image, ImageDraw, ImageFilter

    img = Image.new("RGB", (800, 600), tuple(rnd.randrange(150, 240) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 380, 800, 600], fill=tuple(rnd.randrange(60, 140) for _ in range(3)))
    for _ in range(6):
        x, y, r = rnd.randrange(100, 700), rnd.randrange(150, 450), rnd.randrange(30, 120)
        draw.ellipse(
            [x - r, y - r, x + r, y + r], fill=tuple(rnd.randrange(0, 256) for _ in range(3))
        )
    img.filter(ImageFilter.GaussianBlur(3)).save(path, "JPEG", quality=70)


def generate(count: int, out: Path, photos: bool = False, seed: int = 1) -> None:
    rnd = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    _config(out)
    province_list = list(provinces().values())
    producers: list[tuple[str, str]] = []  # (slug, province slug)
    for index in range(max(1, count // 3)):
        province = province_list[index % len(province_list)]
        kind = rnd.choice(KINDS)
        brand = rnd.choice(BRANDS)
        commune = f"{rnd.choice(SYLLABLES)} {rnd.choice(SYLLABLES)}"
        prefix_vi, suffix_en = KIND_NAMES[kind]
        slug = f"{slugify(prefix_vi + ' ' + brand + ' ' + commune)}-{index}"
        record: dict[str, object] = {
            "name": {
                "vi": f"{prefix_vi} {brand} {commune}",
                "en": f"{brand} {commune} {suffix_en}",
            },
            "kind": kind,
            "province": province.slug,
            "commune": f"Xã {commune}",
            "address": f"Thôn {rnd.randrange(1, 20)}",
            "contact": {"phone": f"09{rnd.randrange(10**7, 10**8)}"},
        }
        if province.former and rnd.random() < 0.6:
            former = rnd.choice(province.former)
            district = f"{rnd.choice(SYLLABLES)} {rnd.choice(SYLLABLES)}"
            record["former_address"] = f"Xã {commune}, huyện {district}, tỉnh {former.vi}"
        vi = f"{record['name']['vi']} sản xuất và kinh doanh sản phẩm OCOP tại {province.vi}."  # type: ignore[index]
        en = f"{record['name']['en']} makes and sells OCOP products in {province.en}."  # type: ignore[index]
        _write(out / "content/producers" / slug / "producer.yaml", record, vi, en)
        producers.append((slug, province.slug))

    categories = list(TYPES)
    weights = [60, 10, 10, 10, 5, 5]
    used: set[str] = set()
    gtin_counter = 100000
    for index in range(count):
        category = rnd.choices(categories, weights)[0]
        kind_vi, kind_en = rnd.choice(TYPES[category])
        qual_vi, qual_en = rnd.choice(QUALIFIERS)
        brand = rnd.choice(BRANDS)
        producer, province_slug = producers[rnd.randrange(len(producers))]
        place = provinces()[province_slug]
        name_vi = " ".join(p for p in (kind_vi, qual_vi, brand) if p)
        name_en = " ".join(p for p in (brand, qual_en, kind_en) if p)
        slug = slugify(name_vi)
        if slug in used:
            name_vi += f" {place.vi}"
            name_en += f", {place.en}"
            slug = slugify(name_vi)
        if slug in used:
            slug = f"{slug}-{index}"
        used.add(slug)
        stars = rnd.choices([3, 4, 5], [55, 43, 2])[0]
        issued = _day(rnd, dt.date(2021, 1, 1), dt.date(2026, 10, 1))
        # who grants what, by date (ocopsite/data/ratings rules): the centre 5 stars; the
        # district 3 stars under Decision 148 (24 Feb 2023 to 30 Jun 2025), else the province
        granted = (
            "national"
            if stars == 5
            else "district"
            if stars == 3 and dt.date(2023, 2, 24) <= issued < dt.date(2025, 7, 1)
            else "province"
        )
        status = rnd.choices(["active", "suspended", "revoked"], [97, 1, 2])[0]
        record = {
            "name": {"vi": name_vi, "en": name_en},
            "producer": producer,
            "category": category,
            "ocop": {
                "stars": stars,
                "granted_by": granted,
                "decision": f"{rnd.randrange(100, 5000)}/QĐ-UBND",
                "issued": issued.isoformat(),
                "status": status,
                **({"authority": f"UBND huyện {brand or 'Mẫu'}"} if granted == "district" else {}),
            },
            "certifications": [],
            "retail": [],
            "price": rnd.randrange(20, 900) * 1000,
            "unit": {"vi": "gói", "en": "pack"},
            "tags": [kind_vi.split()[0].lower(), place.vi],
        }
        for _ in range(rnd.choice([0, 0, 1, 1, 2])):
            scheme = rnd.choice(SCHEMES)
            cert_issued = _day(rnd, dt.date(2022, 1, 1), dt.date(2026, 6, 1))
            record["certifications"].append(
                {  # type: ignore[attr-defined]
                    "scheme": scheme,
                    "number": f"{scheme.upper()}-{rnd.randrange(10**5, 10**6)}",
                    "issuer": "Tổ chức chứng nhận (dữ liệu tổng hợp)",
                    "issued": cert_issued.isoformat(),
                    "expires": (cert_issued + dt.timedelta(days=730)).isoformat(),
                }
            )
        record["certifications"] = list({c["scheme"]: c for c in record["certifications"]}.values())  # type: ignore[attr-defined, index]
        channels = [*rnd.sample(CHANNELS, rnd.randrange(1, 4)), f"showroom-{province_slug}"]
        record["retail"] = [{"channel": c} for c in channels]
        if rnd.random() < 0.6:
            gtin_counter += 1
            body = f"952{gtin_counter:09d}"
            record["gtin"] = body + str(check_digit(body))
            lots = []
            for n in range(rnd.choice([0, 1, 1, 2])):
                produced = _day(rnd, dt.date(2025, 1, 1), dt.date(2026, 11, 1))
                lot = {
                    "code": f"L{index:05d}{n}",
                    "produced": produced.isoformat(),
                    "expires": (produced + dt.timedelta(days=365)).isoformat(),
                    "events": [
                        {
                            "date": (produced - dt.timedelta(days=10 - 3 * i)).isoformat(),
                            "step": {"vi": vi_step, "en": en_step},
                        }
                        for i, (vi_step, en_step) in enumerate(rnd.sample(STEPS, 3))
                    ],
                }
                if rnd.random() < 0.02:
                    lot["recalled"] = {
                        "date": (produced + dt.timedelta(days=30)).isoformat(),
                        "reason": {
                            "vi": "Không đạt chỉ tiêu vi sinh",
                            "en": "Failed a microbiological test",
                        },
                    }
                lots.append(lot)
            if lots:
                record["lots"] = lots
        folder = out / "content/products" / slug
        if photos:
            folder.mkdir(parents=True, exist_ok=True)
            _photo(folder / "photo.jpg", rnd)
            record["photos"] = ["photo.jpg"]
        vi = (
            f"{name_vi} là sản phẩm OCOP {stars} sao của {place.vi}, được làm theo cách "
            f"truyền thống từ nguyên liệu địa phương.\n\nBảo quản nơi khô ráo, thoáng mát."
        )
        en = (
            f"{name_en} is a {stars}-star OCOP product from {place.en}, made the traditional way "
            f"from local ingredients.\n\nKeep in a cool, dry place."
        )
        _write(folder / "product.yaml", record, vi, en)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--photos", action="store_true", help="add a small JPEG per product")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.count, args.out, args.photos, args.seed)


if __name__ == "__main__":
    main()
