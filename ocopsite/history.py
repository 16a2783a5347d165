"""What happened to a product's OCOP rating, as dated events, for figures and open data.

A product record holds its current rating; the events are read from it: it was
granted (or re-rated, when the decision says the product was assessed again)
on its date of issue, and a suspension or revocation is recorded with the
rating's status. A suspension or revocation carries no date of its own in the
record, so it is dated ``None`` and counted by status, not by year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from .model import Product

#: Kinds of event, in the order a rating can go through them.
EVENT_KINDS: tuple[str, ...] = (
    "granted",
    "re-rated",
    "upgraded",
    "suspended",
    "reinstated",
    "revoked",
)


@dataclass(frozen=True)
class RatingEvent:
    product: str  # the product's slug
    kind: str  # one of EVENT_KINDS
    date: dt.date | None
    stars: int
    decision: str
    authority: str  # granting level: district, province or national


def rating_events(product: Product) -> Iterator[RatingEvent]:
    """The events of ``product``'s rating, oldest first."""
    rating = product.ocop
    yield RatingEvent(
        product.slug, "granted", rating.issued, rating.stars, rating.decision, rating.granted_by
    )
    if rating.status in ("suspended", "revoked"):
        yield RatingEvent(
            product.slug, rating.status, None, rating.stars, rating.decision, rating.granted_by
        )
