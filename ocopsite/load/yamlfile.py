"""Changing some top-level keys of a YAML record and leaving the rest as a person wrote it.

A record is edited by people and by ``ocopsite import``. The import owns only
the keys it maps, so it rewrites only those keys' blocks: every other line,
comments and blank lines included, keeps its place and its bytes. A key it adds
goes at the end. A block it rewrites loses the comments inside it; that is the
price of not depending on a round-tripping YAML library.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from ocopsite.load.source import RecordLoader

#: Marks a key to delete in :func:`update`.
DELETE: Any = object()


#: Texts YAML reads back as the same text when written bare: words, digits inside, and
#: the punctuation names and decision numbers use (not ': ' or ' #', which YAML reads).
_PLAIN = re.compile(r"^[^\W\d_][\w .,()/'’&+-]*(?<![ :])$")
#: Decision numbers start with digits, then a slash: "0150/QĐ-UBND" is text to YAML.
_DECISION = re.compile(r"^\d+/[\w .,()/'’&+-]*(?<![ :])$")
_SPECIAL = {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}
#: The reader of records the build uses too (a lot code 012345 stays text).
LOADER: Any = RecordLoader


def scalar(value: Any) -> str:
    """One YAML scalar as typed by hand: dates bare, codes quoted where YAML would change them."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, str):
        return json.dumps(value)  # numbers and true/false read back the same in YAML
    if (_PLAIN.match(value) or _DECISION.match(value)) and value.lower() not in _SPECIAL:
        return value
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def flow_scalar(value: str) -> str:
    """A text inside ``{...}``, where a comma or bracket would end it: quoted when it has one."""
    if any(mark in value for mark in ",[]{}"):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted one
    return scalar(value)


def block(key: str, value: Any) -> str:
    """``key: value`` as lines: a text per language in a flow mapping, other mappings as blocks,
    a list one ``- `` item a line (an item that is a mapping as a block under its dash)."""
    if isinstance(value, list):
        if not value:
            return f"{key}: []\n"
        lines = [f"{key}:\n"]
        for item in value:
            if not isinstance(item, dict):
                lines.append(f"  - {scalar(item)}\n")
                continue
            inner = "".join(block(str(sub), v) for sub, v in item.items()).splitlines(True)
            lines += ["  - " + inner[0], *("    " + line for line in inner[1:])]
        return "".join(lines)
    if isinstance(value, dict):
        if all(
            isinstance(v, str) and re.fullmatch(r"[a-z]{2,3}", str(k)) for k, v in value.items()
        ):
            items = ", ".join(f"{k}: {flow_scalar(v)}" for k, v in value.items())
            return f"{key}: {{{items}}}\n"
        lines = [f"{key}:\n"]
        for sub, item in value.items():
            lines += ["  " + line for line in block(str(sub), item).splitlines(keepends=True)]
        return "".join(lines)
    return f"{key}: {scalar(value)}\n"


_KEY = re.compile(r"^([A-Za-z_][\w-]*):(?:\s|$)")


def _blocks(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Each top-level key's lines as (first, end) indexes, blank lines after it excluded."""
    found: dict[str, tuple[int, int]] = {}
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _KEY.match(line))]
    for n, (start, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        found[key] = (start, end)
    return found


def update(text: str, values: dict[str, Any]) -> str:
    """``text`` with each key of ``values`` set (or removed, for :data:`DELETE`)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    blocks = _blocks(lines)
    replaced: dict[int, tuple[int, str]] = {}
    added = []
    for key, value in values.items():
        new = "" if value is DELETE else block(key, value)
        if key in blocks:
            start, end = blocks[key]
            replaced[start] = (end, new)
        elif new:
            added.append(new)
    out = []
    index = 0
    while index < len(lines):
        if index in replaced:
            end, new = replaced[index]
            out.append(new)
            index = end
        else:
            out.append(lines[index])
            index += 1
    return "".join(out) + "".join(added)


def dump(values: dict[str, Any], header: str = "") -> str:
    """A new record: ``header`` (a comment line) and each key in the order given."""
    return header + "".join(block(k, v) for k, v in values.items() if v is not DELETE)
