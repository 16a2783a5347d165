"""Random sequences of edits: an incremental rebuild always equals a clean build.

Each example copies a fixture site, builds it, then applies a sequence of the edits
provincial staff make (ratings, names, descriptions, producers, lots, certificates,
news, events, whole record folders, the site's settings and templates). After each
edit, or a few batched ones, the site is rebuilt into the same output folder: by the
command line, by the preview server's resident process, or by that process with every
record's page open (published ahead of the build). The folder must then hold exactly
the files and folders, byte for byte, of a clean build of the same input into a fresh
folder with a fresh cache. An edit that makes the site invalid must fail the build and
leave the output as it was; it is then undone.

``OCOPSITE_INCREMENTAL_EXAMPLES`` sets how many sequences each fixture site gets. A
failure lists the edits made and the paths that differ; it is not shrunk (each example
builds a site a dozen times), but the edits' seeds make it replayable with
:func:`run_sequence`.

Run long hunts from a checkout that nobody edits meanwhile (a clone, with ``PYTHONPATH``
pointing at it): ocopsite's own files are inputs of every build (its code fingerprint),
so a module or template saved mid-run makes the build after the last rebuild run again,
and fails the check that a build with nothing changed does nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BUILD_DATE
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image
from sitekit import SITES, copy_site

from ocopsite.build import build
from ocopsite.commands.serve import rebuild_resident
from ocopsite.diagnostics import BuildFailed
from ocopsite.load.kinds import IGNORED
from ocopsite.load.recordcache import code_fingerprint
from ocopsite.model import CATEGORIES, CERTIFICATION_SCHEMES, PRODUCER_KINDS
from ocopsite.model.provinces import provinces
from ocopsite.model.ratings import latest_expiry, period_on
from ocopsite.output.incremental import Resident

EXAMPLES = int(os.environ.get("OCOPSITE_INCREMENTAL_EXAMPLES", "10"))
RANDOM = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FIRST_GRANT = dt.date(2019, 6, 7)
#: Grants, lots and news are dated up to a few months after the build date too.
LATEST = BUILD_DATE + dt.timedelta(days=120)
RECORD_FILE = {
    "products": "product.yaml",
    "producers": "producer.yaml",
    "news": "news.yaml",
    "events": "event.yaml",
}
WORDS_VI = ("Măng", "Chè", "Mật ong", "Nấm hương", "Gạo", "Tỏi", "Cà phê", "Đặc sản", "Yên Tử")
WORDS_EN = ("Shoots", "Tea", "Honey", "Mushroom", "Rice", "Garlic", "Coffee", "Specialty")
BODIES = (
    "Làm **thủ công** ở vùng cao.",
    "Sản phẩm của *hợp tác xã*.\n\n- sạch\n- ngon",
    "Xem [trang](https://example.com/) để biết thêm.",
    "Hand-made from local **produce**.",
    "",
)


# --- the site being edited --------------------------------------------------------------


class Site:
    """A copy of a fixture site whose records the edits read and rewrite."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / "content"
        #: The date the site is built at (``build --date``), which a day passing moves on.
        self.build_date = BUILD_DATE

    def names(self, kind: str) -> list[str]:
        folder = self.content / kind
        if not folder.is_dir():
            return []
        return sorted(
            p.name
            for p in folder.iterdir()
            if (p / RECORD_FILE[kind]).is_file() and not IGNORED.search(p.name)
        )

    def path(self, kind: str, name: str) -> Path:
        return self.content / kind / name / RECORD_FILE[kind]

    def read(self, kind: str, name: str) -> dict[str, Any]:
        return _load(self.path(kind, name))

    def write(self, kind: str, name: str, data: dict[str, Any]) -> None:
        _dump(self.path(kind, name), data)

    def config(self) -> dict[str, Any]:
        return _load(self.root / "site_config.yaml")

    def languages(self) -> list[str]:
        return list(self.config().get("languages", ["vi", "en"]))

    def gtins(self) -> set[str]:
        return {str(self.read("products", n).get("gtin", "")) for n in self.names("products")}

    def references(self, key: str, slug: str) -> list[tuple[str, str]]:
        """The news items and events whose ``key`` list names ``slug``."""
        found = []
        for kind in ("news", "events"):
            for name in self.names(kind):
                if slug in self.read(kind, name).get(key, []):
                    found.append((kind, name))
        return found

    def replace_references(self, key: str, old: str, new: str | None) -> None:
        """Point every news item's and event's ``key`` list at ``new`` instead of ``old``."""
        for kind, name in self.references(key, old):
            record = self.read(kind, name)
            slugs = [s for s in record[key] if s != old]
            if new is not None:
                slugs.append(new)
            if slugs:
                record[key] = slugs
            else:
                del record[key]
            self.write(kind, name, record)


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict), path
    return data


def _dump(path: Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(text, "utf-8")


@dataclass
class Edit:
    """What an edit did; ``undo`` is set for an edit that must make the build fail."""

    what: str
    undo: Callable[[], None] | None = None


EditMaker = Callable[[Site, random.Random], Edit | None]
EDITS: dict[str, EditMaker] = {}


def edit(name: str) -> Callable[[EditMaker], EditMaker]:
    def register(function: EditMaker) -> EditMaker:
        EDITS[name] = function
        return function

    return register


# --- values --------------------------------------------------------------------------------


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day from ``start`` to ``end``; often one next to the build date, where states turn."""
    near = [BUILD_DATE + dt.timedelta(days=n) for n in (-1, 0, 1)]
    near = [day for day in near if start <= day <= end]
    if near and rng.random() < 0.25:
        return rng.choice(near)
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _text(rng: random.Random, languages: list[str]) -> Any:
    vi = " ".join(rng.sample(WORDS_VI, 2))
    if len(languages) == 1 or rng.random() < 0.2:
        return vi
    return {"vi": vi, "en": " ".join(rng.sample(WORDS_EN, 2))}


def _decision(rng: random.Random) -> str:
    return f"{rng.randint(1, 9999)}/QĐ-UBND"


def _slug(rng: random.Random, taken: list[str], prefix: str) -> str:
    while True:
        slug = f"{prefix}-{rng.choice(['moi', 'xanh', 'vang', 'do'])}-{rng.randint(1, 99)}"
        if slug not in taken:
            return slug


def _gtin(rng: random.Random, taken: set[str]) -> str:
    """A new GTIN-13 with the sample prefix 952 and a correct GS1 check digit."""
    while True:
        body = "952" + "".join(str(rng.randint(0, 9)) for _ in range(9))
        total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
        code = body + str((10 - total % 10) % 10)
        if code not in taken:
            return code


def _level(stars: int, day: dt.date) -> str:
    """Who may grant ``stars`` on ``day``: the granting rules the build checks against."""
    period = period_on(day)
    assert period is not None, day
    return period.grants[stars][0]


def _expires(rng: random.Random, issued: dt.date) -> dt.date:
    return _day(rng, issued, latest_expiry(issued))


def _jpeg(path: Path, rng: random.Random) -> None:
    colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
    Image.new("RGB", (96, 64), colour).save(path, "JPEG", quality=80)


def _fix_authorities(rating: Any) -> None:
    """Name the body of every district decision, which no producer's address may tell."""
    events = rating if isinstance(rating, list) else [rating]
    level = "province"
    for event in events:
        if "stars" in event:
            level = event.get("granted_by", level)
        if event.get("granted_by", level) == "district" and "authority" not in event:
            event["authority"] = "UBND huyện Na Rì"


def _as_history(rating: Any) -> list[dict[str, Any]]:
    """A one-grant rating as the history of events it stands for."""
    if isinstance(rating, list):
        return rating
    grant = {"event": "granted", "date": rating["issued"]}
    for key in ("stars", "granted_by", "decision", "expires", "authority"):
        if key in rating:
            grant[key] = rating[key]
    events = [grant]
    if rating.get("status", "active") != "active":
        events.append(
            {
                "event": rating["status"],
                "date": rating["issued"],
                "decision": rating["decision"],
                **({"authority": rating["authority"]} if "authority" in rating else {}),
            }
        )
    return events


def _status_after(events: list[dict[str, Any]]) -> tuple[str, int]:
    """The status and stars in force after the last of ``events``."""
    status, stars = "none", 0
    for event in events:
        kind = event["event"]
        if "stars" in event:
            status, stars = "active", event["stars"]
        elif kind == "reinstated":
            status = "active"
        elif kind in ("suspended", "revoked"):
            status = kind
    return status, stars


def _pick(site: Site, rng: random.Random, kind: str) -> str | None:
    """The folder name of a record of ``kind`` chosen at random; None if there is none."""
    names = site.names(kind)
    return rng.choice(names) if names else None


def _product(site: Site, rng: random.Random) -> tuple[str, dict[str, Any]] | None:
    name = _pick(site, rng, "products")
    if name is None:
        return None
    return name, site.read("products", name)


#: A change of one product's record: given the site, the random source, the product's
#: folder name and its record (changed in place), what it changed, or None if nothing.
ProductChange = Callable[[Site, random.Random, str, dict[str, Any]], "str | None"]


def product_edit(change: ProductChange) -> EditMaker:
    """The edit of a product chosen at random that ``change`` makes; its record is then saved."""

    def made(site: Site, rng: random.Random) -> Edit | None:
        found = _product(site, rng)
        if found is None:
            return None
        name, record = found
        what = change(site, rng, name, record)
        if what is None:
            return None
        site.write("products", name, record)
        return Edit(f"{name}: {what}")

    return made


# --- ratings -------------------------------------------------------------------------------


@edit("rating-stars")
@product_edit
def _rating_stars(site: Site, rng: random.Random, name: str, record: dict[str, Any]) -> str | None:
    rating = record["ocop"]
    if isinstance(rating, dict):
        rating["stars"] = rng.choice([3, 4, 5])
        rating["granted_by"] = _level(rating["stars"], rating["issued"])
        what = rating["stars"]
    else:
        grants = [i for i, e in enumerate(rating) if "stars" in e]
        index = grants[-1]
        event = rating[index]
        lowest = _status_after(rating[:index])[1] + 1 if event["event"] == "upgraded" else 3
        if lowest > 5:
            return None
        event["stars"] = rng.randint(lowest, 5)
        event["granted_by"] = _level(event["stars"], event["date"])
        what = event["stars"]
    _fix_authorities(rating)
    return f"{what} stars"


@edit("rating-date")
@product_edit
def _rating_date(site: Site, rng: random.Random, name: str, record: dict[str, Any]) -> str | None:
    rating = record["ocop"]
    if isinstance(rating, dict):
        day = _day(rng, FIRST_GRANT, LATEST)
        rating["issued"] = day
        event = rating
    else:
        event = rating[-1]
        earliest = rating[-2]["date"] if len(rating) > 1 else FIRST_GRANT
        day = _day(rng, earliest, LATEST)
        event["date"] = day
    if "stars" in event:
        event["granted_by"] = _level(event["stars"], day)
        if "expires" in event:
            event["expires"] = _expires(rng, day)
    _fix_authorities(rating)
    return f"rating dated {day}"


@edit("rating-expires")
@product_edit
def _rating_expires(
    site: Site, rng: random.Random, name: str, record: dict[str, Any]
) -> str | None:
    rating = record["ocop"]
    grant = rating if isinstance(rating, dict) else [e for e in rating if "stars" in e][-1]
    issued = grant["issued"] if isinstance(rating, dict) else grant["date"]
    if "expires" in grant and rng.random() < 0.3:
        del grant["expires"]
        what = "the default expiry"
    else:
        grant["expires"] = _expires(rng, issued)
        what = f"expiry {grant['expires']}"
    return f"rating gets {what}"


@edit("rating-status")
@product_edit
def _rating_status(site: Site, rng: random.Random, name: str, record: dict[str, Any]) -> str | None:
    rating = record["ocop"]
    if not isinstance(rating, dict):
        return None  # a history: its status comes from its events (see rating-event)
    status = rng.choice(["active", "suspended", "revoked"])
    rating["status"] = status
    if status == "active":
        rating.pop("status_note", None)
    else:
        rating["status_note"] = _text(rng, site.languages())
    return f"rating {status}"


@edit("rating-event")
@product_edit
def _rating_event(site: Site, rng: random.Random, name: str, record: dict[str, Any]) -> str | None:
    events = _as_history(record["ocop"])
    status, stars = _status_after(events)
    allowed = {
        "active": ["suspended", "revoked", "rerated", "upgraded", "potential", "granted"],
        "suspended": ["reinstated", "revoked", "rerated", "granted"],
        "revoked": ["granted"],
    }[status]
    if stars == 5:
        allowed = [kind for kind in allowed if kind != "upgraded"]
    kind = rng.choice(allowed)
    day = _day(rng, events[-1]["date"], LATEST)
    event: dict[str, Any] = {"event": kind, "date": day, "decision": _decision(rng)}
    if kind in ("granted", "rerated", "upgraded"):
        event["stars"] = rng.randint(stars + 1, 5) if kind == "upgraded" else rng.randint(3, 5)
        event["granted_by"] = _level(event["stars"], day)
    elif kind in ("suspended", "revoked"):
        event["reason"] = _text(rng, site.languages())
    events.append(event)
    _fix_authorities(events)
    record["ocop"] = events
    return f"rating {kind} on {day}"


# --- products --------------------------------------------------------------------------


@edit("product-name")
@product_edit
def _product_name(site: Site, rng: random.Random, name: str, record: dict[str, Any]) -> str | None:
    record["name"] = _text(rng, site.languages())
    return f"named {record['name']}"


@edit("product-summary")
@product_edit
def _product_summary(
    site: Site, rng: random.Random, name: str, record: dict[str, Any]
) -> str | None:
    if "summary" in record and rng.random() < 0.4:
        del record["summary"]
    else:
        record["summary"] = _text(rng, site.languages())
    return f"summary {record.get('summary')}"


@edit("description")
def _description(site: Site, rng: random.Random) -> Edit | None:
    kind = rng.choice(["products", "products", "producers", "news", "events"])
    name = _pick(site, rng, kind)
    if name is None:
        return None
    lang = rng.choice(site.languages())
    path = site.content / kind / name / f"{lang}.md"
    if path.exists() and lang != site.languages()[0] and rng.random() < 0.3:
        path.unlink()
        return Edit(f"{kind}/{name}: {lang}.md deleted")
    body = rng.choice(BODIES)
    path.write_text(body + "\n", "utf-8")
    return Edit(f"{kind}/{name}: {lang}.md is {body!r}")


@edit("product-category")
@product_edit
def _product_category(
    site: Site, rng: random.Random, name: str, record: dict[str, Any]
) -> str | None:
    record["category"] = rng.choice(CATEGORIES)
    return f"category {record['category']}"


@edit("product-producer")
@product_edit
def _product_producer(
    site: Site, rng: random.Random, name: str, record: dict[str, Any]
) -> str | None:
    record["producer"] = rng.choice(site.names("producers"))
    _fix_authorities(record["ocop"])
    return f"made by {record['producer']}"


@edit("product-sale")
@product_edit
def _product_sale(site: Site, rng: random.Random, name: str, record: dict[str, Any]) -> str | None:
    """Price, tags and where it is sold."""
    part = rng.choice(["price", "tags", "retail", "unit"])
    if part == "price":
        if "price" in record and rng.random() < 0.4:
            del record["price"]
        else:
            record["price"] = rng.randrange(10_000, 500_000, 5_000)
    elif part == "unit":
        record["unit"] = rng.choice(
            ["gói 500 g", "hộp", {"vi": "chai 500 ml", "en": "500 ml bottle"}]
        )
    elif part == "tags":
        record["tags"] = rng.sample(["miến", "quà Tết", "đặc sản", "sạch"], rng.randint(0, 3))
        if not record["tags"]:
            del record["tags"]
    else:
        channels = sorted(site.config().get("retailers", {}))
        chosen = rng.sample(channels, rng.randint(0, len(channels)))
        if chosen:
            record["retail"] = [{"channel": channel} for channel in chosen]
        else:
            record.pop("retail", None)
    return f"{part} {record.get(part)}"


@edit("product-gtin")
@product_edit
def _product_gtin(site: Site, rng: random.Random, name: str, record: dict[str, Any]) -> str | None:
    if "gtin" in record and rng.random() < 0.3:
        del record["gtin"]
    else:
        record["gtin"] = _gtin(rng, site.gtins())
    return f"GTIN {record.get('gtin')}"


@edit("product-photo")
@product_edit
def _product_photo(site: Site, rng: random.Random, name: str, record: dict[str, Any]) -> str | None:
    if record.get("photos") and rng.random() < 0.5:
        del record["photos"]  # the file stays in the folder
        what = "no photo"
    else:
        file = f"anh-{rng.randint(1, 9)}.jpg"
        _jpeg(site.content / "products" / name / file, rng)
        record["photos"] = [{"file": file, "alt": _text(rng, site.languages())}]
        what = f"photo {file}"
    return f"{what}"


@edit("product-delete")
def _product_delete(site: Site, rng: random.Random) -> Edit | None:
    names = site.names("products")
    if len(names) < 2:
        return None
    name = rng.choice(names)
    site.replace_references("products", name, None)
    shutil.rmtree(site.content / "products" / name)
    return Edit(f"{name}: deleted")


@edit("product-rename")
def _product_rename(site: Site, rng: random.Random) -> Edit | None:
    names = site.names("products")
    name = rng.choice(names)
    new = _slug(rng, names, name.split("-")[0])
    (site.content / "products" / name).rename(site.content / "products" / new)
    site.replace_references("products", name, new)
    return Edit(f"{name}: folder renamed {new}")


@edit("product-copy")
def _product_copy(site: Site, rng: random.Random) -> Edit | None:
    """A product's folder copied (files, times and all) under a new name: renamed and given
    a GTIN of its own, or, without a GTIN, sometimes left as it is."""
    names = site.names("products")
    name = rng.choice(names)
    new = _slug(rng, names, name.split("-")[0])
    shutil.copytree(site.content / "products" / name, site.content / "products" / new)
    record = site.read("products", new)
    if "gtin" not in record and rng.random() < 0.5:
        return Edit(f"{name}: copied as {new}, unchanged")
    if "gtin" in record:
        record["gtin"] = _gtin(rng, site.gtins())
    record["name"] = _text(rng, site.languages())
    site.write("products", new, record)
    return Edit(f"{name}: copied as {new}")


@edit("product-swap")
def _product_swap(site: Site, rng: random.Random) -> Edit | None:
    """Two products' folders swap names, as when staff find their records mixed up."""
    names = site.names("products")
    if len(names) < 2:
        return None
    first, second = rng.sample(names, 2)
    folder = site.content / "products"
    (folder / first).rename(folder / "dang-doi-ten")
    (folder / second).rename(folder / first)
    (folder / "dang-doi-ten").rename(folder / second)
    return Edit(f"{first} and {second}: folders swapped")


# --- lots ----------------------------------------------------------------------------------


@edit("lot-add")
@product_edit
def _lot_add(site: Site, rng: random.Random, name: str, record: dict[str, Any]) -> str | None:
    lots = record.setdefault("lots", [])
    codes = {str(lot["code"]) for lot in lots}
    code = rng.choice(["N", "LO", "A&B:", "L01/"]) + str(rng.randint(1, 999))
    parts = code.split("/")
    folders = {"/".join(parts[:cut]) for cut in range(1, len(parts) + 1)}
    if folders & codes or any(c.startswith(code + "/") for c in codes):
        return None
    produced = _day(rng, dt.date(2024, 1, 1), LATEST)
    lot: dict[str, Any] = {
        "code": code,
        "produced": produced,
        "expires": produced + dt.timedelta(days=rng.randint(0, 900)),
    }
    if rng.random() < 0.5:
        lot["events"] = [{"date": produced, "step": {"vi": "Đóng gói", "en": "Packing"}}]
    lots.append(lot)
    return f"lot {code} made {produced}"


@edit("lot-change")
def _lot_change(site: Site, rng: random.Random) -> Edit | None:
    """A recall (made or withdrawn), a new best-before date, a lab test (with its report's
    file, new or updated), or a lot deleted."""
    found = _product(site, rng)
    if found is None or not found[1].get("lots"):
        return None
    name, record = found
    lot = rng.choice(record["lots"])
    change = rng.choice(["recall", "expires", "lab", "delete"])
    if change == "lab":
        document = rng.choice(["kq-1.pdf", "kq-2.pdf", "ho-so/kq-3.pdf"])
        path = site.content / "products" / name / document
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"%PDF-1.4\n% " + str(rng.random()).encode() + b"\n%%EOF\n")
        tests = lot.setdefault("lab_tests", [])
        if any(t.get("document") == document for t in tests):
            change = f"lab report {document} updated"
        else:
            tests.append(
                {
                    "lab": "Trung tâm kiểm nghiệm",
                    "report": f"KN-{rng.randint(1, 999)}",
                    "date": _day(rng, lot["produced"], LATEST),
                    "result": {"vi": "Đạt", "en": "Pass"},
                    "document": document,
                }
            )
            change = f"lab test with {document}"
    elif change == "recall" and "recalled" in lot:
        del lot["recalled"]
        change = "recall withdrawn"
    elif change == "recall":
        day = _day(rng, lot["produced"], LATEST)
        lot["recalled"] = {"date": day, "reason": _text(rng, site.languages())}
        change = f"recalled {day}"
    elif change == "expires":
        lot["expires"] = lot["produced"] + dt.timedelta(days=rng.randint(0, 900))
        change = f"best before {lot['expires']}"
    else:
        record["lots"].remove(lot)
        if not record["lots"]:
            del record["lots"]
    site.write("products", name, record)
    return Edit(f"{name}: lot {lot['code']} {change}")


# --- certifications --------------------------------------------------------------------


@edit("certification")
def _certification(site: Site, rng: random.Random) -> Edit | None:
    kind = rng.choice(["products", "producers"])
    name = _pick(site, rng, kind)
    if name is None:
        return None
    record = site.read(kind, name)
    certificates = record.setdefault("certifications", [])
    change = rng.choice(["add", "dates", "status", "delete"])
    if change == "add" or not certificates:
        scheme = rng.choice([s for s in CERTIFICATION_SCHEMES if s != "other"])
        issued = _day(rng, dt.date(2021, 1, 1), BUILD_DATE)
        numbers = {str(c["number"]) for c in certificates}
        certificates.append(
            {
                "scheme": scheme,
                "number": next(f"C-{n}" for n in range(1, 99) if f"C-{n}" not in numbers),
                "issuer": "Cơ quan chứng nhận",
                "issued": issued,
                "expires": issued + dt.timedelta(days=rng.randint(30, 1500)),
            }
        )
        what = f"{scheme} certificate added"
    else:
        certificate = rng.choice(certificates)
        if change == "dates":
            certificate["issued"] = _day(rng, dt.date(2021, 1, 1), BUILD_DATE)
            certificate["expires"] = certificate["issued"] + dt.timedelta(days=rng.randint(0, 1500))
            what = f"{certificate['scheme']} valid to {certificate['expires']}"
        elif change == "status":
            certificate["status"] = rng.choice(["active", "suspended", "revoked"])
            what = f"{certificate['scheme']} {certificate['status']}"
        else:
            certificates.remove(certificate)
            what = f"{certificate['scheme']} certificate deleted"
    if not certificates:
        del record["certifications"]
    site.write(kind, name, record)
    return Edit(f"{kind}/{name}: {what}")


# --- producers ------------------------------------------------------------------------------


@edit("producer")
def _producer(site: Site, rng: random.Random) -> Edit | None:
    name = rng.choice(site.names("producers"))
    record = site.read("producers", name)
    part = rng.choice(["name", "province", "commune", "kind", "former_address", "contact"])
    if part == "name":
        record["name"] = _text(rng, site.languages())
    elif part == "province":
        record["province"] = rng.choice(sorted(provinces()))
    elif part == "commune":
        record["commune"] = rng.choice(["Xã Côn Minh", "Phường Yên Tử", "Xã Tân Lập"])
    elif part == "kind":
        record["kind"] = rng.choice(PRODUCER_KINDS)
    elif part == "former_address":  # always naming a district, which ratings may need
        record["former_address"] = rng.choice(
            [
                "Xã Côn Minh, huyện Na Rì, tỉnh Bắc Kạn",
                "Thị trấn Chợ Rã, huyện Ba Bể, tỉnh Bắc Kạn",
                "Xã Bình Dân, huyện Vân Đồn, tỉnh Quảng Ninh",
            ]
        )
    else:
        record["contact"] = {"phone": f"0209 {rng.randint(1000, 9999)} 000"}
    site.write("producers", name, record)
    return Edit(f"producer {name}: {part} {record[part]}")


@edit("producer-add-delete")
def _producer_add_delete(site: Site, rng: random.Random) -> Edit | None:
    names = site.names("producers")
    unused = [
        n
        for n in names
        if not site.references("producers", n)
        and all(site.read("products", p)["producer"] != n for p in site.names("products"))
    ]
    if unused and rng.random() < 0.5:
        name = rng.choice(unused)
        shutil.rmtree(site.content / "producers" / name)
        return Edit(f"producer {name}: deleted")
    name = _slug(rng, names, "htx")
    (site.content / "producers" / name).mkdir()
    record = {
        "name": _text(rng, site.languages()),
        "kind": rng.choice(PRODUCER_KINDS),
        "province": rng.choice(sorted(provinces())),
        "commune": "Xã Tân Lập",
    }
    site.write("producers", name, record)
    (site.content / "producers" / name / "vi.md").write_text("Cơ sở mới.\n", "utf-8")
    return Edit(f"producer {name}: added")


@edit("producer-rename")
def _producer_rename(site: Site, rng: random.Random) -> Edit | None:
    names = site.names("producers")
    name = rng.choice(names)
    new = _slug(rng, names, "nsx")
    (site.content / "producers" / name).rename(site.content / "producers" / new)
    for product in site.names("products"):
        record = site.read("products", product)
        if record["producer"] == name:
            record["producer"] = new
            site.write("products", product, record)
    site.replace_references("producers", name, new)
    return Edit(f"producer {name}: folder renamed {new}")


# --- news and events -------------------------------------------------------------------------


@edit("news-event-rename")
def _news_event_rename(site: Site, rng: random.Random) -> Edit | None:
    kind = rng.choice(["news", "events"])
    names = site.names(kind)
    if not names:
        return None
    name = rng.choice(names)
    new = name[:11] + _slug(rng, [n[11:] for n in names], "tin" if kind == "news" else "hoi")
    (site.content / kind / name).rename(site.content / kind / new)
    return Edit(f"{kind} {name}: folder renamed {new}")


@edit("news-cover")
def _news_cover(site: Site, rng: random.Random) -> Edit | None:
    name = _pick(site, rng, "news")
    if name is None:
        return None
    record = site.read("news", name)
    if "cover" in record and rng.random() < 0.5:
        del record["cover"]
        what = "no cover"
    else:
        file = rng.choice(["cover.jpg", "bia.jpg"])
        _jpeg(site.content / "news" / name / file, rng)
        record["cover"] = {"file": file, "alt": _text(rng, site.languages())}
        what = f"cover {file}"
    site.write("news", name, record)
    return Edit(f"news {name}: {what}")


def _mentions(site: Site, rng: random.Random, key: str) -> list[str]:
    names = site.names(key)
    return rng.sample(names, rng.randint(0, min(3, len(names))))


@edit("news")
def _news(site: Site, rng: random.Random) -> Edit | None:
    names = site.names("news")
    change = rng.choice(["add", "title", "products", "date", "delete"])
    if change == "add" or not names:
        day = _day(rng, dt.date(2025, 1, 1), LATEST)
        slugs = [n[11:] for n in names]
        folder = f"{day}-{_slug(rng, slugs, 'tin')}"
        (site.content / "news" / folder).mkdir(parents=True)
        record: dict[str, Any] = {"date": day, "title": _text(rng, site.languages())}
        mentioned = _mentions(site, rng, "products")
        if mentioned:
            record["products"] = mentioned
        site.write("news", folder, record)
        (site.content / "news" / folder / "vi.md").write_text("Tin mới.\n", "utf-8")
        return Edit(f"news {folder}: added, about {mentioned}")
    name = rng.choice(names)
    record = site.read("news", name)
    if change == "title":
        record["title"] = _text(rng, site.languages())
        what = f"title {record['title']}"
    elif change == "products":
        record["products"] = _mentions(site, rng, "products")
        what = f"about {record['products']}"
        if not record["products"]:
            del record["products"]
    elif change == "date":
        day = _day(rng, dt.date(2025, 1, 1), LATEST)
        record["date"] = day
        name, what = _redated(site, "news", name, day), f"dated {day}"
    else:
        shutil.rmtree(site.content / "news" / name)
        return Edit(f"news {name}: deleted")
    site.write("news", name, record)
    return Edit(f"news {name}: {what}")


def _redated(site: Site, kind: str, name: str, day: dt.date) -> str:
    """The folder of the record ``name`` of ``kind`` once dated ``day``: renamed to begin
    with the day, as the folders of news items and events do."""
    folder = f"{day}{name[10:]}"
    if folder != name:
        (site.content / kind / name).rename(site.content / kind / folder)
    return folder


@edit("event")
def _event(site: Site, rng: random.Random) -> Edit | None:
    names = site.names("events")
    change = rng.choice(["add", "title", "products", "producers", "dates", "delete"])
    if change == "add" or not names:
        starts = _day(rng, dt.date(2025, 6, 1), LATEST)
        slugs = [n[11:] for n in names]
        folder = f"{starts}-{_slug(rng, slugs, 'hoi-cho')}"
        (site.content / "events" / folder).mkdir(parents=True)
        record: dict[str, Any] = {
            "title": _text(rng, site.languages()),
            "starts": starts,
            "ends": starts + dt.timedelta(days=rng.randint(0, 3)),
            "venue": {"name": _text(rng, site.languages()), "province": "thai-nguyen"},
        }
        for key in ("products", "producers"):
            mentioned = _mentions(site, rng, key)
            if mentioned:
                record[key] = mentioned
        site.write("events", folder, record)
        (site.content / "events" / folder / "vi.md").write_text("Hội chợ.\n", "utf-8")
        return Edit(f"event {folder}: added, {record}")
    name = rng.choice(names)
    record = site.read("events", name)
    if change == "title":
        record["title"] = _text(rng, site.languages())
        what = f"title {record['title']}"
    elif change in ("products", "producers"):
        record[change] = _mentions(site, rng, change)
        what = f"{change} {record[change]}"
        if not record[change]:
            del record[change]
    elif change == "dates":
        starts = _day(rng, dt.date(2025, 6, 1), LATEST)
        record["starts"] = starts
        record["ends"] = starts + dt.timedelta(days=rng.randint(0, 3))
        name, what = _redated(site, "events", name, starts), f"from {starts} to {record['ends']}"
    else:
        shutil.rmtree(site.content / "events" / name)
        return Edit(f"event {name}: deleted")
    site.write("events", name, record)
    return Edit(f"event {name}: {what}")


# --- the site's settings -------------------------------------------------------------------


@edit("config")
def _config(site: Site, rng: random.Random) -> Edit | None:
    path = site.root / "site_config.yaml"
    config = _load(path)
    parts = ["title", "description", "per_page", "expiring_within_days", "label_sheets"]
    part = rng.choice([*parts, "base_url", "demo", "retailers", "traceability_target"])
    if part in ("title", "description"):
        config[part] = _text(rng, site.languages())
    elif part == "per_page":
        config[part] = rng.randint(1, 5)
    elif part == "expiring_within_days":
        config[part] = rng.choice([30, 90, 365, 720])
    elif part == "traceability_target":
        config[part] = rng.randint(0, 100)
    elif part in ("label_sheets", "demo"):
        config[part] = not config.get(part, part == "label_sheets")
    elif part == "base_url":
        config[part] = rng.choice(["https://example.org/", "https://tinh.example.vn/ocop/"])
    else:
        retailers = config.setdefault("retailers", {})
        retailers["cho-phien"] = {"kind": "direct", "name": _text(rng, site.languages())}
    _dump(path, config)
    return Edit(f"site_config.yaml: {part} {config[part]}")


@edit("template")
def _template(site: Site, rng: random.Random) -> Edit | None:
    """The site's own 404 page, which overrides the theme's, made or changed."""
    path = site.root / "templates" / "404.html"
    path.parent.mkdir(exist_ok=True)
    note = rng.choice(["Xin lỗi.", "Trang không có.", "Sorry."])
    path.write_text(
        '{% extends "base.html" %}\n{% block main %}\n'
        f"<h1>{{{{ t('notfound.title') }}}}</h1>\n<p>{note}</p>\n"
        "<p><a href=\"{{ links.home }}\">{{ t('notfound.home') }}</a></p>\n{% endblock %}\n",
        "utf-8",
    )
    return Edit(f"templates/404.html: says {note}")


@edit("days-pass")
def _days_pass(site: Site, rng: random.Random) -> Edit | None:
    """The site is built again some days later, as a daily rebuild does: ratings, lots and
    certificates run out, events pass."""
    site.build_date += dt.timedelta(days=rng.choice([1, 1, 7, 30, 200]))
    return Edit(f"built on {site.build_date}")


# --- edits that change no record -------------------------------------------------------------


@edit("touch")
def _touch(site: Site, rng: random.Random) -> Edit | None:
    """A file saved again as it was, a record rewritten in another YAML layout, a note or a
    draft (a folder the build skips) left beside the records."""
    files = sorted(p for p in site.content.rglob("*") if p.is_file())
    path = rng.choice(files)
    change = rng.random()
    if change < 0.15:
        note = path.parent / "ghi-chu.txt"
        note.write_text(f"Ghi chú {rng.random()}\n", "utf-8")
        return Edit(f"{note.relative_to(site.root)}: written")
    if change < 0.3 and site.names("products"):
        name = rng.choice(site.names("products"))
        draft = site.content / "products" / rng.choice([f"_{name}", f"{name}~", f".{name}"])
        shutil.rmtree(draft, ignore_errors=True)
        shutil.copytree(site.content / "products" / name, draft)
        _dump(draft / "product.yaml", {**site.read("products", name), "category": "tourism"})
        return Edit(f"{draft.relative_to(site.root)}: draft copied")
    if path.suffix == ".yaml" and change < 0.6:
        _dump(path, _load(path))
        return Edit(f"{path.relative_to(site.root)}: rewritten in another layout")
    path.write_bytes(path.read_bytes())
    return Edit(f"{path.relative_to(site.root)}: saved unchanged")


# --- edits the build must refuse ---------------------------------------------------------------


def _breaking(path: Path, broken: str, what: str, rng: random.Random) -> Edit:
    """Replace ``path`` with ``broken``; undoing puts the file back, with its old times or
    as saved anew."""
    data, stat = path.read_bytes(), path.stat()
    old_times = rng.random() < 0.5

    def undo() -> None:
        path.write_bytes(data)
        if old_times:
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    path.write_text(broken, "utf-8")
    return Edit(f"{what} (undone {'with old times' if old_times else 'as a new save'})", undo)


@edit("invalid")
def _invalid(site: Site, rng: random.Random) -> Edit | None:
    change = rng.choice(["stars", "producer", "gtin", "yaml", "lot", "event", "news", "folder"])
    if change in ("event", "news") and site.names(change if change == "news" else "events"):
        kind = "news" if change == "news" else "events"
        name = rng.choice(site.names(kind))
        record = site.read(kind, name)
        if kind == "news":
            record["date"] = record["date"] + dt.timedelta(days=1)
        else:
            record["ends"] = record["starts"] - dt.timedelta(days=1)
        broken = yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=1000)
        return _breaking(site.path(kind, name), broken, f"{kind} {name}: wrong dates", rng)
    if change == "folder":
        folder = site.content / "products" / "chua-co-ho-so"
        folder.mkdir()
        (folder / "vi.md").write_text("Chưa có hồ sơ.\n", "utf-8")
        return Edit(
            "products/chua-co-ho-so: a folder without product.yaml", partial(shutil.rmtree, folder)
        )
    found = _product(site, rng)
    if found is None:
        return None
    name, record = found
    path = site.path("products", name)
    if change == "stars":
        if isinstance(record["ocop"], dict):
            record["ocop"]["stars"] = 6
        else:
            record["ocop"][0]["stars"] = 6
    elif change == "producer":
        record["producer"] = "khong-co-nguoi-lam"
    elif change == "gtin":
        others = sorted(site.gtins() - {"", str(record.get("gtin", ""))})
        record["gtin"] = others[0] if others and rng.random() < 0.5 else "9520000001019"
    elif change == "lot":
        record["lots"] = [{"code": "L 1", "produced": BUILD_DATE, "expires": BUILD_DATE}]
    else:
        text = path.read_text("utf-8")
        return _breaking(path, text + "\nname: [\n", f"{name}: broken YAML", rng)
    broken = yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=1000)
    return _breaking(path, broken, f"{name}: invalid {change}", rng)


# --- comparing outputs ---------------------------------------------------------------------------


def _tree(out: Path) -> dict[str, bytes]:
    """Every file of ``out`` by relative path, and every folder (its path ending in "/")."""
    tree = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_dir():
            tree[rel + "/"] = b""
        else:
            tree[rel] = path.read_bytes()
    return tree


def _mtimes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")}


def _excerpt(old: bytes, new: bytes) -> str:
    """Where two files first differ, with a little of each around it."""
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), None)
    if at is None:
        at = min(len(old), len(new))
    start = max(0, at - 80)
    left = old[start : at + 120].decode("utf-8", "replace")
    right = new[start : at + 120].decode("utf-8", "replace")
    return f"first difference at byte {at}:\n  incremental: {left!r}\n  clean:       {right!r}"


def _differences(incremental: dict[str, bytes], clean: dict[str, bytes]) -> str | None:
    extra = sorted(incremental.keys() - clean.keys())
    missing = sorted(clean.keys() - incremental.keys())
    changed = sorted(k for k in incremental.keys() & clean.keys() if incremental[k] != clean[k])
    if not (extra or missing or changed):
        return None
    lines = []
    if extra:
        lines.append(f"only in the incremental build (stale): {extra}")
    if missing:
        lines.append(f"only in the clean build (missing): {missing}")
    if changed:
        lines.append(f"different bytes: {changed}")
        lines.append(f"{changed[0]}: {_excerpt(incremental[changed[0]], clean[changed[0]])}")
    return "\n".join(lines)


def _history(done: list[str]) -> str:
    return "edits:\n" + "\n".join(f"  {n}. {what}" for n, what in enumerate(done, 1))


# --- the test ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """An edit (its kind and the seed of its choices), then a rebuild with ``jobs`` processes
    unless ``batched``: the next edit comes first, and one rebuild sees both."""

    kind: str
    seed: int
    jobs: int = 1
    batched: bool = False


def _stamps(site: Site) -> dict[Path, tuple[int, int]]:
    """The size and time of every input file, as the preview server's watcher sees them."""
    stamps = {}
    for top in (site.root / "site_config.yaml", site.content, site.root / "templates"):
        for path in (top, *top.rglob("*")) if top.is_dir() else (top,):
            hidden = any(p.startswith(".") for p in path.relative_to(site.root).parts)
            if path.is_file() and not hidden:
                stamps[path] = (path.stat().st_size, path.stat().st_mtime_ns)
    return stamps


def _open_pages(site: Site, languages: list[str]) -> frozenset[str]:
    """The pages of every product and producer, in every language, as if open in a browser."""
    pages = {"index.html"}
    for kind, segment in (("products", "products"), ("producers", "producers")):
        for name in site.names(kind):
            for lang in languages:
                prefix = "" if lang == languages[0] else f"{lang}/"
                pages.add(f"{prefix}{segment}/{name}/index.html")
    return frozenset(pages)


#: How the rebuilds are run: by the command line, by the preview server's resident process,
#: or by the preview server with the pages of every record open (each published first).
MODES = ("command", "resident", "preview")


def run_sequence(name: str, steps: list[Step], tmp: Path, mode: str = "command") -> None:
    """Build the fixture site ``name``, apply ``steps`` one by one, rebuilding into the same
    folder as ``mode`` says, and compare each rebuild with a clean build of the same input.
    A resident process is told of every file that changed, as the preview server's watcher
    tells it."""
    site = Site(copy_site(SITES / name, tmp / "site"))
    out = tmp / "public"
    languages = site.languages()
    keeper = None
    if mode == "resident":
        keeper = Resident()
    elif mode == "preview":
        keeper = Resident(viewed=lambda: _open_pages(site, languages))
    done: list[str] = []
    code = code_fingerprint()

    def history() -> str:
        """The edits made, and whether ocopsite's own files changed meanwhile (a failure's
        likely cause then: see the module's docstring)."""
        if code_fingerprint() == code:
            return _history(done)
        return f"{_history(done)}\nocopsite's own files changed during this run"

    def rebuild(jobs: int) -> None:
        """A rebuild into ``out``; raises BuildFailed as the build does."""
        if keeper is None or mode != "preview":
            build(site.root, out, build_date=site.build_date, jobs=jobs, resident=keeper)
            return
        failures: list[BuildFailed] = []

        def run() -> bool:
            try:
                build(site.root, out, build_date=site.build_date, jobs=jobs, resident=keeper)
            except BuildFailed as failed:
                failures.append(failed)
                return False
            return True

        if not rebuild_resident(keeper, out, (None, site.build_date, False), run):
            raise failures[0]

    def rebuild_and_compare(jobs: int, number: int) -> None:
        done.append(f"rebuild (jobs={jobs})")
        try:
            rebuild(jobs)
        except BuildFailed as failed:  # an edit meant to keep the site valid did not
            raise AssertionError(f"{history()}\n{failed.diagnostics.report()}") from None
        clean, cache = tmp / f"clean-{number}", tmp / f"clean-cache-{number}"
        build(site.root, clean, build_date=site.build_date, cache_dir=cache, jobs=1)
        problem = _differences(_tree(out), _tree(clean))
        assert problem is None, f"site {name}, {mode} rebuilds, {history()}\n{problem}"
        shutil.rmtree(clean)
        shutil.rmtree(cache)

    def edited(change: Callable[[], Edit | None]) -> Edit | None:
        """``change()``, whose changed files the resident process is told of."""
        before = _stamps(site) if keeper is not None else {}
        made = change()
        if keeper is not None:
            after = _stamps(site)
            keeper.saw(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
        return made

    rebuild(1)
    pending = False  # edits made since the last rebuild
    for number, step in enumerate(steps):
        made = edited(partial(EDITS[step.kind], site, random.Random(step.seed)))
        if made is None:
            continue
        done.append(made.what)
        if made.undo is not None:
            tree, times = _tree(out), _mtimes(out)
            with pytest.raises(BuildFailed):
                rebuild(step.jobs)
            problem = _differences(_tree(out), tree)
            assert problem is None, f"{mode} rebuilds, {history()}\nfailed, yet:\n{problem}"
            assert _mtimes(out) == times, f"{mode} rebuilds, {history()}\nfiles rewritten"
            edited(made.undo)
            done.append("undone")
            pending = True
        elif step.batched:
            pending = True
        else:
            rebuild_and_compare(step.jobs, number)
            pending = False
    if pending:
        rebuild_and_compare(1, len(steps))
    expected = _tree(out)
    again = build(site.root, out, build_date=site.build_date)  # as the next command-line build
    assert again.unchanged or keeper, f"{history()}\na build with nothing changed ran"
    problem = _differences(_tree(out), expected)
    assert problem is None, f"{history()}\na build with nothing changed changed:\n{problem}"


STEPS = st.lists(
    st.builds(
        Step,
        kind=st.sampled_from(sorted(EDITS)),
        seed=st.integers(0, 2**16),
        jobs=st.sampled_from([1, 2]),
        batched=st.sampled_from([False, False, False, True]),
    ),
    min_size=3,
    max_size=6,
)


@pytest.mark.parametrize("name", ["bilingual", "history"])
@RANDOM
@given(steps=STEPS, mode=st.sampled_from(MODES))
def test_incremental_rebuilds_equal_clean_builds(
    tmp_path: Path, name: str, steps: list[Step], mode: str
) -> None:
    tmp = Path(tempfile.mkdtemp(dir=tmp_path))
    try:
        run_sequence(name, steps, tmp, mode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
