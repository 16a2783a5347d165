"""Whether a rating or certificate is in force on a given day.

A static page outlives its build, so these verdicts are computed for the build
date and the dates that decide them are also published (see the theme's
``validity.js``, which recomputes them on the reader's own date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: A rating or certificate this close to its end is flagged "expiring".
EXPIRING_WITHIN_DAYS = 90

#: All states, from best to worst; templates have a UI string for each.
STATES: tuple[str, ...] = ("valid", "expiring", "pending", "expired", "suspended", "revoked")


@dataclass(frozen=True)
class Validity:
    state: str
    issued: dt.date
    expires: dt.date | None
    as_of: dt.date

    @property
    def in_force(self) -> bool:
        """True while the holder may show it: valid, or valid but expiring soon."""
        return self.state in ("valid", "expiring")


def validity(status: str, issued: dt.date, expires: dt.date | None, on: dt.date) -> Validity:
    """The state on day ``on`` of something issued on ``issued``, valid through ``expires``.

    ``status`` is the administrative status (active, suspended or revoked), which
    wins over the dates. The expiry day itself is still valid.
    """
    if status in ("suspended", "revoked"):
        state = status
    elif on < issued:
        state = "pending"
    elif expires is not None and on > expires:
        state = "expired"
    elif expires is not None and (expires - on).days <= EXPIRING_WITHIN_DAYS:
        state = "expiring"
    else:
        state = "valid"
    return Validity(state, issued, expires, on)
