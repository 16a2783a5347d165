"""The checks across records: a product's producer exists and its GTIN is its own, a news
folder's name and date agree, and every rating decision has an issuing organisation.
"""

from __future__ import annotations

import re
from pathlib import Path

from ocopsite.diagnostics import Diagnostics
from ocopsite.load import schema as s
from ocopsite.load.bundle import (
    Loaded,
    proposed_slug,
)
from ocopsite.load.source import LineDict, LineList
from ocopsite.model import Producer, Rating
from ocopsite.model import gtin as gtins
from ocopsite.model.ratings import authorities

NEWS_FOLDER_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$")


def news_slug(bundle: Path, item: Loaded, diagnostics: Diagnostics) -> str | None:
    match = NEWS_FOLDER_RE.match(bundle.name)
    if not match:
        rest = proposed_slug(re.sub(r"^\d{4}-\d{2}-\d{2}", "", bundle.name))
        diagnostics.error(
            diagnostics.where(bundle),
            f"news folder '{bundle.name}' is not named YYYY-MM-DD-slug",
            f"rename the folder to '{item.record['date'].isoformat()}-{rest or 'tin-tuc'}': "
            "the news date, then lower-case ASCII letters, digits and single hyphens",
        )
        return None
    if match.group(1) != item.record["date"].isoformat():
        diagnostics.error(
            diagnostics.where(item.yaml_path, item.raw.value_line("date")),
            f"date: {item.record['date'].isoformat()} does not match the folder's date "
            f"{match.group(1)}",
            "rename the folder or correct the date",
        )
        return None
    return match.group(2)


def check_products(
    items: list[tuple[Path, Loaded]],
    producer_folders: set[str],
    diagnostics: Diagnostics,
) -> None:
    """Checks across records: the producer exists; a GTIN belongs to one product only."""
    gtin_owner: dict[str, Loaded] = {}
    for _, item in items:
        producer = item.record["producer"]
        if producer not in producer_folders:
            diagnostics.error(
                diagnostics.where(item.yaml_path, item.raw.value_line("producer")),
                f"producer: no producer '{producer}'{s.did_you_mean(producer, producer_folders)}",
                "the producer must be a folder in content/producers/ with a valid producer.yaml",
            )
        code = item.record.get("gtin")
        if code is None:
            continue
        if code in gtin_owner:
            first = gtin_owner[code]
            diagnostics.error(
                diagnostics.where(item.yaml_path, item.raw.value_line("gtin")),
                f"gtin: {gtins.display(code)} is already used by product "
                f"'{first.record['slug']}' ({diagnostics.where(first.yaml_path).path}:"
                f"{first.raw.value_line('gtin')})",
                "every trade item has its own GTIN; a different pack size needs another one",
            )
        else:
            gtin_owner[code] = item


def check_authorities(
    items: list[tuple[Path, Loaded]], producers: dict[str, Producer], diagnostics: Diagnostics
) -> None:
    """Every rating decision has an issuing organisation, named or derived from the producer."""
    for _, item in items:
        if not _may_lack_authority(item.record["ocop"]):
            continue
        producer = producers.get(item.record["producer"])
        if producer is None:
            continue
        for index, (event, body) in enumerate(authorities(item.record["ocop"], producer)):
            if body is not None:
                continue
            raw = item.raw.get("ocop")  # only now: a cached record's YAML is parsed again
            if isinstance(raw, LineList):
                line, field = raw.item_line(index), f"ocop[{index}]"
            else:
                line, field = item.raw.value_line("ocop"), "ocop"
                if isinstance(raw, LineDict) and "granted_by" in raw:
                    line = raw.value_line("granted_by")
            diagnostics.error(
                diagnostics.where(item.yaml_path, line),
                f"{field}: cannot tell which district granted the rating of "
                f"{event.date.isoformat()}",
                f"write authority: UBND huyện …, or give producer '{producer.slug}' a "
                "former_address that names its district (huyện …)",
            )


def _may_lack_authority(rating: Rating) -> bool:
    """Whether :func:`~ocopsite.model.ratings.authorities` may leave an event of ``rating``
    without its issuing organisation: only one taken at another level than the province's
    can be (the province's body is always known), unless it names its own. Most ratings
    have none, and working out their province's body for each was most of the checks'
    cost at national scale."""
    level = "province"
    for event in rating.events:
        if event.is_grant and event.granted_by:
            level = event.granted_by
        if not event.authority and (event.granted_by or level) != "province":
            return True
    return False
