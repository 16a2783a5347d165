"""Files kept between builds in the cache folder, each set as one entry: a zip archive.

A cache entry holds only bytes under names (encoded search shards, open data files),
so it is stored as an uncompressed zip archive of them: reading one back can never run
code, as reading a pickle can, whoever wrote into the cache folder. An entry whose
archive is damaged or does not hold what its reader expects counts as missing, and the
reader makes its files again.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path

from ocopsite.files import TEMPORARY_SUFFIX, write_atomic

#: Seconds after which a temporary file of an entry is taken as left by a killed writer.
LEFT_OVER_AFTER = 3600
#: Every member gets this time, so that the same files always make the same entry.
_TIME = (1980, 1, 1, 0, 0, 0)


def kept(entry: Path) -> dict[str, bytes] | None:
    """The files stored as ``entry`` by :func:`keep`, in their order; ``None`` if missing
    or damaged."""
    try:
        with zipfile.ZipFile(entry) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist()}
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, KeyError, EOFError):
        return None


def keep(entry: Path, files: Mapping[str, bytes], family: str) -> None:
    """Store ``files`` as ``entry`` and delete the other entries of its folder whose names
    match the pattern ``family`` (the older entries of the same thing), and what writes
    of such entries that were cut short left behind."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, _TIME), data)
    write_atomic(entry, buffer.getvalue(), durable=False)
    folder = entry.parent
    for old in folder.glob(family):
        if old != entry:
            old.unlink(missing_ok=True)
    # a write under way in another process is not cut short: only old ones are left-overs
    for left in folder.glob(f".{family}.*{TEMPORARY_SUFFIX}"):
        with contextlib.suppress(OSError):
            if time.time() - left.stat().st_mtime > LEFT_OVER_AFTER:
                left.unlink()


#: The member of a records entry (see :func:`keep_records`) that lists its records.
_RECORDS = "records.json"
#: The member of a records entry that holds their bytes, one record's after another's.
_DATA = "data"


def kept_records(entry: Path) -> dict[str, tuple[str, bytes]]:
    """What each record kept as ``entry`` by :func:`keep_records` was made from and gave:
    ``(token, data)`` by key; none if the entry is missing or damaged."""
    found = kept(entry)
    if found is None or found.keys() != {_RECORDS, _DATA}:
        return {}
    data = found[_DATA]
    records: dict[str, tuple[str, bytes]] = {}
    at = 0
    try:
        for key, token, length in json.loads(found[_RECORDS]):
            if not (isinstance(key, str) and isinstance(token, str)) or type(length) is not int:
                return {}
            if length < 0 or at + length > len(data):
                return {}
            records[key] = (token, data[at : at + length])
            at += length
    except (TypeError, ValueError):
        return {}
    return records if at == len(data) else {}


def keep_records(entry: Path, records: Mapping[str, tuple[str, bytes]], family: str) -> None:
    """Store, as ``entry``, what each record was made from (a *token*: whatever says, in
    one string, that the record and what it was made with are the same) and the bytes it
    gave, by the record's key; as :func:`keep`, drop the older entries of ``family``.

    A reader (:func:`kept_records`) takes a record's bytes while its token is the same,
    so that after an edit only the edited records are made again. A cache folder that
    cannot be written to is not an error: the records are made again next time."""
    listed = [[key, token, len(data)] for key, (token, data) in records.items()]
    files = {
        _RECORDS: json.dumps(listed, ensure_ascii=False, separators=(",", ":")).encode(),
        _DATA: b"".join(data for _, data in records.values()),
    }
    with contextlib.suppress(OSError):
        entry.parent.mkdir(parents=True, exist_ok=True)
        keep(entry, files, family)
