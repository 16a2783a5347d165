"""Whether a rating or certificate is in force on a given day.

A static page outlives its build, so these verdicts are computed for the build
date and the dates that decide them are also published (see the theme's
``validity.js``, which recomputes them on the reader's own date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Officials re-rate a product this close to its expiry (see ``Validity.expiring_soon``).
#: Consumers are told only "valid until": an end in sight is no reason to doubt a product.
EXPIRING_WITHIN_DAYS = 90

#: All states, from best to worst; templates have a UI string for each.
STATES: tuple[str, ...] = ("valid", "pending", "expired", "suspended", "revoked")


@dataclass(frozen=True)
class Validity:
    state: str
    issued: dt.date
    expires: dt.date | None
    as_of: dt.date

    @property
    def in_force(self) -> bool:
        """True while the holder may show it."""
        return self.state == "valid"

    @property
    def expiring_soon(self) -> bool:
        """In force and due for renewal within :data:`EXPIRING_WITHIN_DAYS` (for officials)."""
        return (
            self.in_force
            and self.expires is not None
            and (self.expires - self.as_of).days <= EXPIRING_WITHIN_DAYS
        )


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
    else:
        state = "valid"
    return Validity(state, issued, expires, on)
