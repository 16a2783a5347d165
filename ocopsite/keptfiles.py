"""Files kept between builds in the cache folder, each set as one entry: a zip archive.

A cache entry holds only bytes under names (encoded search shards, open data files,
minified scripts, compiled templates), so it is stored as an uncompressed zip archive of
them: reading one back runs no code, as reading a pickle does. But those bytes go into the
output, and a compiled template's are code that runs, so an entry is sealed with this
user's key under its own name (see :mod:`ocopsite.cachekey`): one someone else wrote, or
moved from another name, is not used. An entry whose archive is damaged, not sealed so,
or does not hold what its reader expects counts as missing, and the reader makes its
files again.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import hmac
import io
import itertools
import os
import sys
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ocopsite.cachekey import TAG_SIZE, tagger, unsealed
from ocopsite.files import TEMPORARY_SUFFIX, open_temporary

#: Seconds after which a temporary file of an entry is taken as left by a killed writer.
LEFT_OVER_AFTER = 3600
#: Every member gets this time, so that the same files always make the same entry.
_TIME = (1980, 1, 1, 0, 0, 0)


def kept(entry: Path) -> dict[str, bytes] | None:
    """The files stored as ``entry`` by :func:`keep`, in their order; ``None`` if missing
    or damaged."""
    try:
        with open(entry, "rb") as file:
            sealed = file.read()
        if unsealed(sealed, _purpose(entry)) is None:
            return None
        # the archive after its seal, read in place (as one with data before it): a
        # BytesIO of bytes shares them, where one of the unsealed view would copy them
        with zipfile.ZipFile(io.BytesIO(sealed)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist()}
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, KeyError, EOFError):
        return None


def _purpose(entry: Path) -> bytes:
    """What ``entry`` is sealed for: its own name (a hash of what its files depend on)."""
    return b"kept\0" + os.fsencode(entry.name)


def sizes(entry: Path) -> dict[str, int] | None:
    """The size of each file stored as ``entry`` by :func:`keep`, in their order, read
    without holding the entry's files: ``None`` where :func:`kept` gives ``None``.

    The whole entry is read, piece by piece, to check its seal; only its end, which lists
    the files, is kept (read in the same pass, so it is what the seal covers)."""
    try:
        with open(entry, "rb") as file:
            seal = file.read(TAG_SIZE)
            mac = tagger(_purpose(entry))
            tail = b""
            while piece := file.read(_PIECE):
                mac.update(piece)
                tail = tail[-_PIECE:] + piece
        if len(seal) != TAG_SIZE or not hmac.compare_digest(mac.digest(), seal):
            return None
        # the listing at the end of the archive, read as an archive whose members are
        # cut off before it: only their names and sizes are asked for
        with zipfile.ZipFile(io.BytesIO(tail)) as archive:
            return {info.filename: info.file_size for info in archive.infolist()}
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, KeyError, EOFError):
        return None


#: How much of an entry :func:`keep` and :func:`sizes` read back at a time.
_PIECE = 1 << 20


def keep(entry: Path, files: Mapping[str, bytes | memoryview], family: str) -> None:
    """Store ``files`` as ``entry`` and delete the other entries of its folder whose names
    match the pattern ``family`` (the older entries of the same thing), and what writes
    of such entries that were cut short left behind.

    The archive is written straight to a temporary file, then read back piece by piece
    for its seal: never held whole in memory beside ``files`` (an open data entry holds
    some 40 MB at 16,000 products). It is read back through the descriptor it was written
    with, and no one else may write to it, so what is sealed is what was written, even in
    a cache folder that others can write to (a file put in its place is not read)."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = open_temporary(entry, 0o600, readable=True)
    try:
        with os.fdopen(fd, "w+b") as file:
            file.write(bytes(TAG_SIZE))  # room for the seal (see kept), filled in once made
            with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
                for name, data in files.items():
                    archive.writestr(zipfile.ZipInfo(name, _TIME), data)
            file.flush()
            mac = tagger(_purpose(entry))
            file.seek(TAG_SIZE)
            while piece := file.read(_PIECE):
                mac.update(piece)
            file.seek(0)
            file.write(mac.digest())
        os.replace(temporary, entry)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = entry.parent
    for old in folder.glob(family):
        if old != entry:
            old.unlink(missing_ok=True)
    # a write under way in another process is not cut short: only old ones are left-overs
    for left in folder.glob(f".{family}.*{TEMPORARY_SUFFIX}"):
        with contextlib.suppress(OSError):
            if time.time() - left.stat().st_mtime > LEFT_OVER_AFTER:
                left.unlink()


# --- parts of files, one set per record ----------------------------------------------------

#: The members of a :class:`KeptParts` entry besides its columns: the records' keys and
#: tokens (``key\ttoken`` a line), and the length of each record's part in each column.
_PARTS_KEYS = "records.txt"
_PARTS_LENGTHS = "lengths.bin"
#: How the lengths are stored: unsigned 64-bit integers in little-endian order.
_LENGTH = "Q"


def environment(config_root: Path, *parts: str) -> str | None:
    """A hash of what every part of a :class:`KeptParts` depends on besides its record:
    the site's config file (in ``config_root``) and ``parts`` (ocopsite's code, a base
    URL, a build date...); ``None`` when the config cannot be read."""
    from ocopsite import sitefiles
    from ocopsite.paths import CONFIG_NAME

    try:
        config = sitefiles.read_bytes(config_root / CONFIG_NAME, config_root)
    except (OSError, sitefiles.Refused):
        return None
    digest = hashlib.sha256("\0".join(("", *parts, "")).encode())
    digest.update(hashlib.sha256(config).digest())
    return digest.hexdigest()[:24]


class KeptParts:
    """The parts a record gives to files that list every record (its rows of a table, its
    entries in a list), kept between builds under the record's *token*: what the parts
    show of it, such as the stamps of its bundles.

    A record's parts are one ``bytes`` per column (a file, a table's format...), empty
    where it has none. Each record is asked for once, in the order the files list them,
    by :meth:`get` (which gives its parts) or :meth:`add`: its kept parts are taken while
    its token is the same, and made otherwise. :meth:`save` keeps them when any had to be
    made (or records came, went or moved), as one entry of :func:`keep`:
    ``<environment>.zip`` in ``folder``, where ``environment`` hashes what every part
    depends on besides its record (see :func:`environment`). Only the latest entry is
    kept; a missing, damaged or foreign one counts as empty. Without ``folder`` or
    ``environment`` nothing is kept, and every part is made. :meth:`joined` gives each
    column: its head (``heads``, none by default), then the parts of every record asked
    for, one after another; it is the last thing asked of the instance.

    Each column is written as its records are asked for, and a made part is not kept on
    its own: the columns of every record are held once, not as parts and then joined
    (twice some 40 MB for the open data of 16,000 products). The kept parts of records
    listed in the same order as last time are taken as one slice of each column, when
    the next record is not one of them: after an edit, a column is written from a few
    pieces, and with no edit, not at all unless joined.
    """

    def __init__(
        self,
        folder: Path | None,
        environment: str | None,
        columns: Sequence[str],
        heads: Sequence[bytes] = (),
    ):
        self.columns = tuple(columns)
        assert not {_PARTS_KEYS, _PARTS_LENGTHS} & set(self.columns)
        self._heads = tuple(heads) or (b"",) * len(self.columns)
        assert len(self._heads) == len(self.columns)
        self.entry = folder / f"{environment}.zip" if folder and environment else None
        self.made = 0  # how many records' parts had to be made
        #: Each record asked for: key, token (``None``: not kept), and its index among the
        #: kept records, or ``~n`` for the ``n``-th record made.
        self._asked: list[tuple[str, str | None, int]] = []
        #: The length of each made record's part in each column, record after record.
        self._made_lengths = array.array(_LENGTH)
        #: Each column so far (made when first written), and the kept records
        #: ``[start, end)`` asked for after what the columns hold (``end`` < 0: none).
        self._written: list[io.BytesIO] | None = None
        self._run = (-1, -1)
        self._given = False
        self._saved: dict[str, tuple[str, int]] = {}
        self._blobs: list[bytes] = []
        self._offsets: list[list[int]] = []
        self._lengths = array.array(_LENGTH)
        if self.entry is not None:
            self._load(self.entry)

    def _load(self, entry: Path) -> None:
        found = kept(entry)
        if found is None:
            return
        try:
            blobs = [found[column] for column in self.columns]
            listed = found[_PARTS_KEYS].decode("utf-8").split("\n") if found[_PARTS_KEYS] else []
            lengths = array.array(_LENGTH)
            lengths.frombytes(found[_PARTS_LENGTHS])
        except (KeyError, ValueError, UnicodeDecodeError):
            return
        if sys.byteorder == "big":
            lengths.byteswap()
        width = len(self.columns)
        if len(lengths) != width * len(listed) or len(found) != width + 2:
            return
        offsets = []
        for column, blob in enumerate(blobs):
            at = [0, *itertools.accumulate(lengths[column::width])]
            if at[-1] != len(blob):
                return  # not what was written
            offsets.append(at)
        saved: dict[str, tuple[str, int]] = {}
        for index, line in enumerate(listed):
            key, tab, token = line.partition("\t")
            if not tab or key in saved:
                return
            saved[key] = (token, index)
        self._saved, self._blobs, self._offsets, self._lengths = saved, blobs, offsets, lengths

    def forget(self) -> None:
        """Take nothing kept from now on, and forget what was asked for: the caller found
        kept parts that are not what it wrote, and asks for every record again."""
        self._asked, self.made = [], 0
        self._made_lengths = array.array(_LENGTH)
        self._written, self._run = None, (-1, -1)
        self._saved, self._blobs, self._offsets = {}, [], []
        self._lengths = array.array(_LENGTH)

    def kept(self) -> dict[str, tuple[str, tuple[bytes, ...]]]:
        """Every record's kept token and parts, by key (as loaded, before any was asked for)."""
        return {
            key: (token, self._kept_parts(place)) for key, (token, place) in self._saved.items()
        }

    def _kept_parts(self, place: int) -> tuple[bytes, ...]:
        # a list made first: quicker than a generator for a few columns, once per record
        end = place + 1
        pairs = zip(self._blobs, self._offsets, strict=True)
        return tuple([blob[at[place] : at[end]] for blob, at in pairs])

    def add(self, key: str, token: str | None, make: Callable[[], Sequence[bytes]]) -> None:
        """Ask for the parts of the record ``key`` whose token is ``token`` (``None``: not
        known, always made), kept or made by ``make``, one per column."""
        self._add(key, token, make)

    def _add(
        self, key: str, token: str | None, make: Callable[[], Sequence[bytes]]
    ) -> tuple[bytes, ...] | None:
        """:meth:`add`; the parts if they were made, ``None`` if kept."""
        assert not self._given, "asked for after joined()"
        found = self._saved.get(key) if token is not None else None
        if token is not None and not (_plain_line(key) and _plain_line(token)):
            token = None
        if found is not None and found[0] == token:
            place = found[1]
            self._asked.append((key, token, place))
            start, end = self._run
            if place != end:  # not the next kept record: a run of its own
                self._write_run()
                start = place
            self._run = (start, place + 1)
            return None
        parts = tuple(make())
        assert len(parts) == len(self.columns)
        self._write_run()
        for column, part in zip(self._columns(), parts, strict=True):
            if part:
                column.write(part)
        self._made_lengths.extend([len(part) for part in parts])
        self._asked.append((key, token, ~self.made))
        self.made += 1
        return parts

    def get(
        self, key: str, token: str | None, make: Callable[[], Sequence[bytes]]
    ) -> tuple[bytes, ...]:
        """:meth:`add` the record ``key``, and give its parts."""
        parts = self._add(key, token, make)
        return parts if parts is not None else self._kept_parts(self._asked[-1][2])

    def _columns(self) -> list[io.BytesIO]:
        if self._written is None:
            self._written = [io.BytesIO(head) for head in self._heads]
            for column in self._written:
                column.seek(0, io.SEEK_END)
        return self._written

    def _write_run(self) -> None:
        """Write the run of kept records asked for last into the columns."""
        start, end = self._run
        if end < 0:
            return
        self._run = (-1, -1)
        for column, blob, at in zip(self._columns(), self._blobs, self._offsets, strict=True):
            if at[start] != at[end]:
                with memoryview(blob) as view:
                    column.write(view[at[start] : at[end]])

    def _record_lengths(self, place: int) -> array.array[int]:
        """The lengths of the parts, column by column, of the record asked for at ``place``."""
        width = len(self.columns)
        lengths, index = (self._lengths, place) if place >= 0 else (self._made_lengths, ~place)
        return lengths[index * width : (index + 1) * width]

    def joined(self, ends: Sequence[tuple[int, bytes]] = ()) -> list[bytes]:
        """Each column: its head, then the parts of every record asked for, in the order
        asked. With ``ends``, one ``(cut, tail)`` per column: the last ``cut`` bytes of a
        column that has parts are replaced by ``tail`` (its head is never cut).

        The columns are given, not copied: nothing can be asked of the instance after
        this, so :meth:`save` comes first."""
        assert not self._given, "joined() twice"
        self._write_run()
        columns = self._columns()
        self._given, self._written = True, None
        for column, head, (cut, tail) in zip(columns, self._heads, ends, strict=False):
            end = column.tell()
            if end > len(head):
                assert end - len(head) >= cut
                column.seek(end - cut)
                column.write(tail)
                column.truncate()
        # a BytesIO's value is its buffer, handed over without a copy when it is not shared
        return [columns.pop(0).getvalue() for _ in range(len(columns))]

    def save(self) -> None:
        """Keep the parts of every record asked for with a token (see the class's
        description)."""
        assert not self._given, "saved after joined()"
        if self.entry is None:
            return
        order = [(key, place) for key, token, place in self._asked if token is not None]
        if (
            not self.made
            and len(order) == len(self._asked) == len(self._saved)
            and all(place == index for index, (_key, place) in enumerate(order))
        ):
            return  # kept as it is
        self._write_run()
        lengths = array.array(_LENGTH)
        for _key, _token, place in self._asked:
            lengths.extend(self._record_lengths(place))
        everything = len(order) == len(self._asked)
        with contextlib.ExitStack() as views:
            # each column's parts, read where they are written (after its head)
            written = [
                views.enter_context(column.getbuffer())[len(head) :]
                for column, head in zip(self._columns(), self._heads, strict=True)
            ]
            blobs: list[bytes | memoryview] = list(written)
            pieces: list[list[memoryview]] = [[] for _ in self.columns]
            if not everything:  # only the records with a token: theirs cut out and joined
                width = len(self.columns)
                at = [0] * width
                for index, (_key, token, _place) in enumerate(self._asked):
                    for column in range(width):
                        size = lengths[index * width + column]
                        if token is not None:
                            pieces[column].append(written[column][at[column] : at[column] + size])
                        at[column] += size
                blobs = [b"".join(column) for column in pieces]
                lengths = array.array(
                    _LENGTH,
                    (
                        length
                        for index, (_key, token, _place) in enumerate(self._asked)
                        if token is not None
                        for length in lengths[index * width : (index + 1) * width]
                    ),
                )
            if sys.byteorder == "big":
                lengths.byteswap()
            files: dict[str, bytes | memoryview] = dict(zip(self.columns, blobs, strict=True))
            files[_PARTS_KEYS] = "\n".join(
                f"{key}\t{token}" for key, token, _ in self._asked if token is not None
            ).encode("utf-8")
            files[_PARTS_LENGTHS] = lengths.tobytes()
            with contextlib.suppress(OSError):  # a read-only cache: made again next time
                self.entry.parent.mkdir(parents=True, exist_ok=True)
                keep(self.entry, files, "*.zip")
            del written, blobs, files, pieces  # the views of the columns: released first


def _plain_line(text: str) -> bool:
    return "\n" not in text and "\t" not in text and "\r" not in text
