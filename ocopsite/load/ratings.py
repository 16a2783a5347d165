"""The schema of a product's OCOP rating: one grant, or a dated history of events.

A history is checked as a whole: events in date order, each allowed after the
status the ones before it left (``reinstated`` follows ``suspended``; after
``revoked`` only a new ``granted``), and every grant's stars, granting level and
expiry against the rules in force on its date (:mod:`ocopsite.model.ratings`).
"""

from __future__ import annotations

from typing import Any

from ocopsite.load import checks as c
from ocopsite.load import schema as s
from ocopsite.load.source import LineDict, LineList
from ocopsite.model import (
    GRANT_EVENTS,
    GRANTING_LEVELS,
    RATING_EVENTS,
    RATING_STATUSES,
    RATING_VALIDITY_MONTHS,
    STAR_LEVELS,
    Rating,
    RatingEvent,
    ratings,
)


def stars(value: Any, ctx: s.Ctx) -> Any:
    level = c.integer()(value, ctx)
    if level is s.INVALID:
        return s.INVALID
    if level not in STAR_LEVELS:
        return ctx.error(
            f"{level} stars is not a recognised OCOP rating",
            "only 3, 4 and 5 stars are recognised (Decision 148/QĐ-TTg); 5 stars is national",
        )
    return level


s.shaped(stars, {"type": "integer", "enum": list(STAR_LEVELS)})

_LEVEL_NAMES = {"district": "district", "province": "province", "national": "centre"}


def _check_grant(values: dict[str, Any], raw: LineDict, ctx: s.Ctx, issued: str) -> bool:
    """A grant's expiry (default and limit) and the granting rules of its date."""
    ok = True
    day = values[issued]
    latest = ratings.latest_expiry(day)
    values.setdefault("expires", latest)
    ok &= s.not_before(values, raw, ctx, "expires", issued)
    if values["expires"] > latest:
        period = ratings.period_on(day)
        cited = f" (Decision {period.decision})" if period else ""
        ctx.child("expires", s.line_of(raw, "expires")).error(
            f"{values['expires'].isoformat()} is more than {RATING_VALIDITY_MONTHS} months "
            f"after {issued} {day.isoformat()}",
            f"an OCOP certificate is valid for {RATING_VALIDITY_MONTHS} months from its date of "
            f"issue{cited}: at most until {latest.isoformat()}; leave expires out to get that",
        )
        ok = False
    problem = ratings.grant_problem(values["stars"], values["granted_by"], day)
    if problem is not None:
        message, hint = problem
        for level, name in _LEVEL_NAMES.items():
            message = message.replace(f"the {level},", f"the {name},").replace(
                f"the {level}", f"the {name}"
            )
        ctx.child("granted_by", s.line_of(raw, "granted_by")).error(message, hint)
        ok = False
    return ok


def _finish_rating(values: dict[str, Any], raw: LineDict, ctx: s.Ctx) -> Any:
    """The one-grant form: a grant, and the status it has now if not active."""
    if not _check_grant(values, raw, ctx, "issued"):
        return s.INVALID
    grant = RatingEvent(
        "granted",
        values["issued"],
        values["decision"],
        values["stars"],
        values["granted_by"],
        values["expires"],
        values.get("authority"),
    )
    events = [grant]
    if values["status"] == "active" and "status_note" in values:
        ctx.child("status_note", s.line_of(raw, "status_note")).warning(
            "status_note is shown only with status: suspended or revoked",
            "to record a past suspension, write the rating as a history of events "
            "(see docs/content.md)",
        )
    if values["status"] != "active":
        events.append(
            RatingEvent(
                values["status"],
                grant.date,
                authority=values.get("authority"),  # the grant's authority decided it too
                reason=values.get("status_note"),
                dated=False,
            )
        )
    return Rating(tuple(events))


RATING = s.Record(
    {
        "stars": s.Field(stars, required=True),
        "granted_by": s.Field(c.choice(GRANTING_LEVELS, "granting level"), required=True),
        "decision": s.Field(c.string, required=True, hint="the number of the rating decision"),
        "issued": s.Field(c.date, required=True),
        "expires": s.Field(c.date),
        "authority": s.Field(c.string),
        "status": s.Field(c.choice(RATING_STATUSES, "rating status"), default="active"),
        "status_note": s.Field(c.words),
    },
    build=None,
    finish=_finish_rating,
    what="OCOP rating",
)

_GRANT_ONLY = ("stars", "expires")


def _finish_event(values: dict[str, Any], raw: LineDict, ctx: s.Ctx) -> Any:
    kind = values["kind"]
    if kind in GRANT_EVENTS:
        missing = [key for key in ("stars", "granted_by") if key not in values]
        for key in missing:
            ctx.error(
                f"missing required key '{key}' for a '{kind}' event",
                "a grant (granted, rerated, upgraded) states its stars and granted_by",
            )
        if missing or not _check_grant(values, raw, ctx, "date"):
            return s.INVALID
        return values
    extra = [key for key in _GRANT_ONLY if key in values]
    for key in extra:
        ctx.child(key, s.line_of(raw, key)).error(
            f"a '{kind}' event has no {key}",
            "only a grant (granted, rerated, upgraded) sets stars and expires",
        )
    return s.INVALID if extra else values


RATING_EVENT = s.Record(
    {
        "event": s.Field(c.choice(RATING_EVENTS, "rating event"), required=True),
        "date": s.Field(c.date, required=True),
        "decision": s.Field(c.string, required=True, hint="the number of the decision"),
        "stars": s.Field(stars),
        "granted_by": s.Field(c.choice(GRANTING_LEVELS, "granting level")),
        "expires": s.Field(c.date),
        "authority": s.Field(c.string),
        "reason": s.Field(c.text),
    },
    build=lambda **values: RatingEvent(**values),
    finish=lambda values, raw, ctx: _finish_event(
        {"kind": values.pop("event"), **values}, raw, ctx
    ),
    what="rating event",
)
_RATING_EVENTS = s.list_of(RATING_EVENT)  # made once: see _EVENTS

#: What each event needs in force before it (the rating's status, or None: no grant yet).
_ALLOWED_AFTER: dict[str, tuple[str | None, ...]] = {
    "granted": (None, "revoked", "active", "suspended"),
    "rerated": ("active", "suspended"),
    "upgraded": ("active",),
    "potential": ("active",),
    "suspended": ("active",),
    "reinstated": ("suspended",),
    "revoked": ("active", "suspended"),
}


def rating_history(value: Any, ctx: s.Ctx) -> Any:
    """``ocop:`` as a mapping (a history of one grant) or as a list of dated events."""
    if not isinstance(value, list):
        return RATING(value, ctx)
    checked = _RATING_EVENTS(value, ctx)
    if checked is s.INVALID:
        return s.INVALID
    if not checked:
        return ctx.error("the rating history is empty", "start it with a 'granted' event")
    status: str | None = None
    stars_now = 0
    for index, event in enumerate(checked):
        where = ctx.child(index, value.item_line(index) if isinstance(value, LineList) else None)
        if index and event.date < checked[index - 1].date:
            return where.error(
                f"dated {event.date.isoformat()}, before the event above it "
                f"({checked[index - 1].date.isoformat()})",
                "list the rating's events from the earliest to the latest",
            )
        if status not in _ALLOWED_AFTER[event.kind]:
            before = "before any grant" if status is None else f"while the rating is {status}"
            return where.error(
                f"a '{event.kind}' event cannot come {before}",
                "a history starts with 'granted'; 'reinstated' follows 'suspended'; "
                "after 'revoked' only a new 'granted' can follow",
            )
        if event.kind == "upgraded" and (event.stars or 0) <= stars_now:
            return where.error(
                f"an upgrade to {event.stars} stars from {stars_now} is not an upgrade",
                "write 'rerated' for a re-rating at the same or a lower level",
            )
        if event.is_grant:
            stars_now = event.stars or 0
            status = "active"
        elif event.kind == "reinstated":
            status = "active"
        elif event.kind in ("suspended", "revoked"):
            status = event.kind
    return Rating(checked)


s.shaped(
    rating_history,
    {"anyOf": [RATING.json_schema(), {"type": "array", "items": RATING_EVENT.json_schema()}]},
)
