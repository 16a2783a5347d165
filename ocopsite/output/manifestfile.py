"""How the manifest of an output folder is kept in the cache folder: one :mod:`marshal` record.

A national catalogue's output has a hundred and fifty thousand files. Their paths, keys and
digests are kept as parallel lists (``None`` for a file without a digest), and each
product's block of outputs (see :mod:`ocopsite.output.groups`) as the places of its paths
in the list of paths, packed as unsigned integers: as JSON, the record took a third of a
second to write and a tenth to read after every edit, and marshal takes a tenth of that
to write and half to read. A record that cannot be read, or is not what this module
writes, counts as none: the next build is a full one.

The record is sealed with this user's key (see :mod:`ocopsite.cachekey`), and unmarshalled
only if the seal is right: the cache folder is in the site, which may come from anyone,
and :mod:`marshal` is not meant to be safe against crafted bytes.
"""

from __future__ import annotations

import array
import marshal
import sys
from collections.abc import Mapping, Sequence
from typing import Any, cast

from ocopsite.cachekey import tag, unsealed

#: A product's outputs as one block: a signature of what decides their paths and keys, the
#: paths (its pages' first), and how many of them are pages.
Group = tuple[str, tuple[str, ...], int]
#: The record's columns of blocks; ``group_members`` holds the places of their paths.
GROUP_COLUMNS = ("group_slugs", "group_signatures", "group_pages", "group_sizes")
_PLACE = "I"  # an unsigned integer of (at least) 32 bits: the place of a path
#: What the record is sealed for (see :mod:`ocopsite.cachekey`).
_PURPOSE = b"output-manifest"
#: The marshal format the record is written in: 2, the last without references. From 3
#: on, marshal notes every object met more than once in a table of its own (each path,
#: key and hash of the record is also held elsewhere): some 40 MB beside the record at
#: 16,000 products, the build's largest moment, against a record 1.5 MB larger and
#: written in half the time. Any version is read back the same.
_VERSION = 2


def decoded(data: bytes) -> dict[str, Any] | None:
    """The record ``data`` holds, if it is one, sealed by :func:`encoded` with this user's key."""
    unmarshalled = unsealed(data, _PURPOSE)
    if unmarshalled is None:
        return None
    try:
        record = marshal.loads(unmarshalled)
    except (EOFError, ValueError, TypeError):
        return None
    return record if isinstance(record, dict) else None


def encoded(record: Mapping[str, object]) -> bytes:
    return b"".join(encoded_parts(record))


def encoded_parts(record: Mapping[str, object]) -> tuple[bytes, bytes]:
    """:func:`encoded` as its seal and the record, to be written one after the other: not
    joined, which would copy the record (some 14 MB at 16,000 products)."""
    data = marshal.dumps(dict(record), _VERSION)
    return tag(data, _PURPOSE), data


def of_types(column: list[Any], *types: type) -> bool:
    """Whether every value of ``column`` is of one of ``types`` exactly (not a subclass:
    ``True`` is no size)."""
    return set(map(type, column)) <= set(types)


def group_columns(groups: Mapping[str, Group], paths: Sequence[str]) -> dict[str, object]:
    """The columns that keep ``groups``, whose paths are among ``paths`` (a block with a
    path that is not is left out)."""
    place = {path: number for number, path in enumerate(paths)}.get
    slugs, signatures, pages, sizes = [], [], [], []
    members = array.array(_PLACE)
    for slug in sorted(groups):
        signature, group_paths, count = groups[slug]
        found = list(map(place, group_paths))
        if None in found:
            continue
        slugs.append(slug)
        signatures.append(signature)
        pages.append(count)
        sizes.append(len(found))
        members.extend(found)  # type: ignore[arg-type]
    columns: dict[str, object] = dict(
        zip(GROUP_COLUMNS, (slugs, signatures, pages, sizes), strict=True)
    )
    columns["group_members"] = members.tobytes()
    columns["group_order"] = f"{sys.byteorder}:{members.itemsize}"
    return columns


def groups_of(record: Mapping[str, Any], paths: list[str]) -> dict[str, Group]:
    """The blocks kept in ``record``'s columns, whose paths are ``paths``; none if the
    columns are missing or damaged, or were written by a machine of another byte order."""
    found = [record.get(name) for name in GROUP_COLUMNS]
    members = record.get("group_members")
    if (
        not all(isinstance(column, list) for column in found)
        or not isinstance(members, bytes)
        or record.get("group_order") != f"{sys.byteorder}:{array.array(_PLACE).itemsize}"
    ):
        return {}
    columns = cast(list[list[Any]], found)
    slugs, signatures, pages, sizes = columns
    places = array.array(_PLACE)
    if len(members) % places.itemsize:
        return {}
    places.frombytes(members)
    if (
        len({len(column) for column in columns}) != 1
        or not of_types(slugs, str)
        or not of_types(signatures, str)
        or not of_types(pages, int)
        or not of_types(sizes, int)
        or sum(sizes) != len(places)
        or min(sizes, default=0) < 0
        or any(not 0 <= count <= size for count, size in zip(pages, sizes, strict=True))
        or (places and max(places) >= len(paths))
    ):
        return {}
    groups: dict[str, Group] = {}
    start = 0
    take = paths.__getitem__
    for slug, signature, count, size in zip(slugs, signatures, pages, sizes, strict=True):
        groups[slug] = (signature, tuple(map(take, places[start : start + size])), count)
        start += size
    return groups
