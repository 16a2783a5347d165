"""A product's OCOP rating history as flat rows, for figures and open data.

The model keeps each product's rating as dated events (:class:`~ocopsite.model.Rating`);
these rows add the product and carry the stars and granting level in force after
each event, so a table of events can be read on its own. An event whose date the
record does not give (the status of a one-grant record) is dated ``None`` and
counted by status, not by year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from ocopsite.model import RATING_EVENTS, Product

#: Kinds of event, in the order a rating can go through them.
EVENT_KINDS: tuple[str, ...] = RATING_EVENTS


@dataclass(frozen=True)
class RatingEvent:
    product: str  # the product's slug
    kind: str  # one of EVENT_KINDS
    date: dt.date | None
    stars: int  # in force after the event
    decision: str
    authority: str  # the issuing organisation when recorded, else the granting level


def rating_events(product: Product) -> Iterator[RatingEvent]:
    """The events of ``product``'s rating, oldest first."""
    stars, level = 0, ""
    for event in product.ocop.events:
        if event.is_grant:
            stars, level = event.stars or stars, event.granted_by or level
        yield RatingEvent(
            product.slug,
            event.kind,
            event.date if event.dated else None,
            stars,
            event.decision or "",
            event.authority or level,
        )
