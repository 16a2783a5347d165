"""The schema of a product's lots: codes as GS1 prints them, dated events, lab tests, recalls.

A lot's page lives at its GS1 Digital Link path, so a code is checked against
GS1's character set and may not make a folder that another lot's page needs.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from ocopsite.load import checks as c
from ocopsite.load import schema as s
from ocopsite.load.source import LineDict, LineList
from ocopsite.model import LabTest, Lot, Recall, TraceEvent
from ocopsite.model.vietnamese import quantity_in_english

#: A lot code is GS1 AI 10: up to 20 characters of GS1's character set 82 (letters,
#: digits and ! " % & ' ( ) * + , - . / : ; < = > ? _). It is percent-encoded in the
#: GS1 Digital Link URI; "/" makes folders on the static host, so no part between
#: slashes may be empty, "." or "..".
LOT_CODE_RE = re.compile(r"""^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$""")


def lot_code(value: Any, ctx: s.Ctx) -> Any:
    code = c.string(value, ctx)
    if code is s.INVALID:
        return s.INVALID
    if not LOT_CODE_RE.match(code):
        return ctx.error(
            f"lot code '{code}' is not a GS1 lot number",
            "use at most 20 letters, digits or ! \" % & ' ( ) * + , - . / : ; < = > ? _ "
            "(GS1 character set 82); no spaces",
        )
    if any(part in ("", ".", "..") for part in code.split("/")):
        return ctx.error(
            f"lot code '{code}' has an empty, '.' or '..' part between slashes",
            "write it as printed on the pack, like L01/2024",
        )
    return code


def lots(value: Any, ctx: s.Ctx) -> Any:
    """A product's lots: codes unique, and none the folder of another ("L01" and "L01/2")."""
    checked = _LOTS(value, ctx)
    if checked is s.INVALID:
        return s.INVALID
    codes = {lot.code for lot in checked}
    for index, lot in enumerate(checked):
        parts = lot.code.split("/")
        for cut in range(1, len(parts)):
            if "/".join(parts[:cut]) in codes:
                line = value.item_line(index) if isinstance(value, LineList) else None
                return ctx.child(index, line).error(
                    f"lot code '{lot.code}' would share a page folder with lot "
                    f"'{'/'.join(parts[:cut])}'",
                    "a lot code may not be another lot's code followed by '/'",
                )
    return checked


s.shaped(lot_code, {"type": "string", "pattern": LOT_CODE_RE.pattern})


def events(value: Any, ctx: s.Ctx) -> Any:
    """Traceability events, each dated no earlier than the one before it."""
    checked = _EVENTS(value, ctx)
    if checked is s.INVALID:
        return s.INVALID
    for index, (before, after) in enumerate(itertools.pairwise(checked), start=1):
        if after.date < before.date:
            line = value.item_line(index) if isinstance(value, LineList) else None
            return ctx.child(index, line).error(
                f"dated {after.date.isoformat()}, before the event above it "
                f"({before.date.isoformat()})",
                "list traceability events from the earliest to the latest",
            )
    return checked


EVENT = s.Record(
    {
        "date": s.Field(c.date, required=True),
        "step": s.Field(c.words, required=True),
        "place": s.Field(c.words),
        "actor": s.Field(c.words),
        "note": s.Field(c.words),
    },
    build=TraceEvent,
    what="traceability event",
)
#: The list checks of :func:`events`, :func:`lots`, :func:`rating_history` and :func:`tags`,
#: made once (making one works out its JSON Schema: that was a tenth of validating a record).
_EVENTS = s.list_of(EVENT)
s.shaped(events, s.json_shape(_EVENTS))

LAB_TEST = s.Record(
    {
        "lab": s.Field(c.words, required=True),
        "report": s.Field(c.string, required=True),
        "date": s.Field(c.date, required=True),
        "result": s.Field(c.words, required=True),
        "document": s.Field(c.bundle_file("document")),
    },
    build=LabTest,
    what="lab test",
)

RECALL = s.Record(
    {"date": s.Field(c.date, required=True), "reason": s.Field(c.words, required=True)},
    build=Recall,
    what="recall",
)


def _finish_lot(values: dict[str, Any], raw: LineDict, ctx: s.Ctx) -> Any:
    ok = s.not_before(values, raw, ctx, "expires", "produced")
    recall = values.get("recalled")
    if recall is not None and recall.date < values["produced"]:
        ctx.child("recalled", s.line_of(raw, "recalled")).error(
            f"recalled on {recall.date.isoformat()}, before the lot was produced"
        )
        ok = False
    return values if ok else s.INVALID


LOT = s.Record(
    {
        "code": s.Field(lot_code, required=True),
        "produced": s.Field(c.date, required=True),
        "expires": s.Field(c.date, required=True),
        "quantity": s.Field(c.measure(quantity_in_english)),
        "area": s.Field(c.words),
        "coordinates": s.Field(c.coordinates),
        "recalled": s.Field(RECALL),
        "events": s.Field(events, default=()),
        "lab_tests": s.Field(s.list_of(LAB_TEST), default=()),
    },
    build=Lot,
    finish=_finish_lot,
    what="lot",
)
_LOTS = s.list_of(LOT, unique=lambda lot: lot.code, what="lot code")
s.shaped(lots, s.json_shape(s.list_of(LOT)))
