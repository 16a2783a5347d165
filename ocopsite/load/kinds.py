"""Loading every record of one kind: from the record cache when its folder is unchanged,
else validated by workers (:mod:`ocopsite.load.bundle`), the valid ones kept in the cache.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ocopsite import parallel, sitefiles
from ocopsite.diagnostics import Diagnostic, Diagnostics
from ocopsite.load import schema as s
from ocopsite.load.bundle import (
    KindWork,
    Loaded,
    checked_folder,
    has_errors,
    validate_chunk,
    without_folder,
)
from ocopsite.load.config import SiteConfig
from ocopsite.load.recordcache import (
    Entry,
    RecordCache,
    Stamp,
    bundle_stamp,
    stamp_bytes,
    stamp_key,
    unpack,
)

#: Folders that hold no record (editor and OS litter) are skipped silently.
IGNORED = re.compile(r"^[._]|~$")


def bundles_in(folder: Path) -> list[Path]:
    """The record folders in ``folder``, symbolic links to folders (or to nothing) included."""
    try:
        with os.scandir(folder) as entries:  # no stat per entry, unlike Path.is_dir
            names = [e.name for e in entries if _may_be_bundle(e) and not IGNORED.search(e.name)]
    except OSError:  # missing, not a folder, or a looping link: reported by checked_folder
        return []
    return [folder / name for name in sorted(names)]


def _may_be_bundle(entry: os.DirEntry[str]) -> bool:
    """A folder, or a link that is not to a file (to a folder, to nothing, or a loop)."""
    try:
        return entry.is_dir() or (entry.is_symlink() and not entry.is_file())
    except OSError:  # a looping link: the bundle check reports it
        return True


def load_kind(
    folder: Path,
    bundles: list[Path],
    yaml_name: str,
    fields: dict[str, s.Field[Any]],
    config: SiteConfig,
    diagnostics: Diagnostics,
    cache: RecordCache,
    stamps: dict[Path, str],
    jobs: int = 1,
    walked: Mapping[str, Stamp] | None = None,
    check: Callable[[], None] | None = None,
    make: Callable[..., Any] | None = None,
) -> list[tuple[Path, Loaded]]:
    """Validate every bundle of one kind (``bundles``, the :func:`bundles_in` of ``folder``);
    returns the valid ones with their raw YAML.

    A bundle unchanged since it was last validated comes from ``cache``, with
    its warnings reported again. With ``make``, each valid record's
    :attr:`~ocopsite.load.bundle.Loaded.model` is ``make(**record)``, made as the record
    comes (while the workers make the others).
    """
    kind = yaml_name.removesuffix(".yaml")
    loaded: list[tuple[Path, Loaded]] = []
    todo: list[tuple[Path, str | None, Stamp | None]] = []
    real_folder = checked_folder(folder, config.root, diagnostics)
    # Real locations as text: most bundles only need one to look their stamp up.
    real_text = str(real_folder) if real_folder is not None else ""
    real_prefix = os.path.join(real_text, "")
    for count, bundle in enumerate(bundles if real_folder is not None else ()):
        if check is not None and count % 512 == 0:
            check()
        name = bundle.name
        if not cache.has(kind, name):  # nothing to compare: validated by a worker
            todo.append(_new_bundle(bundle, config.root, real_text, walked))
            continue
        # A folder the walk stamped at its place in the kind's real folder is no link: the
        # walk read its parent's entries (a link made since changes the parent's times, and
        # the next build's fingerprint), so a record taken from the cache needs no lstat.
        stamp = walked.get(real_prefix + name) if walked else None
        real: str | None = None
        if stamp is None:
            located = _located(bundle, config.root, real_text, walked, diagnostics)
            if located is None:
                continue
            real, stamp = located
        stamp_text = stamp_bytes(stamp)
        entry = cache.get(kind, name, stamp, stamp_text)
        if entry is not None:
            stamps[bundle] = stamp_key(name, stamp, stamp_text)
            if entry.warnings:
                diagnostics.extend(entry.warnings)
            # the cache keeps records without their folder (see without_folder): it is this one
            record = {**entry.values, "bundle": bundle}
            item = Loaded(bundle, yaml_name, None, record)
            if make is not None:
                item.model = make(**record)
            loaded.append((bundle, item))
            continue
        if real is None:  # validated again: its folder is checked as every bundle read is
            located = _located(bundle, config.root, real_text, walked, diagnostics)
            if located is None:
                continue
            real, stamp = located
        stamps[bundle] = stamp_key(name, stamp)
        todo.append((bundle, real, stamp))
    # Valid records validated in workers for the cache come back in batches of the cache,
    # with their warnings and without their folders (see validate_chunk), not as Loaded.
    pickles = jobs > 1 and cache.path is not None
    work = KindWork(yaml_name, fields, config, diagnostics.relative_to, real_folder, pickles)
    # What comes back is made into records as it comes, while the workers make the rest;
    # what must follow the bundles' order waits until they have all finished.
    results: list[_Made] = []
    packs: list[tuple[bytes, dict[str, Entry]]] = []
    for chunk, texts, batches in parallel.map_chunks(
        validate_chunk, work, todo, jobs, max_chunk=500
    ):
        unpacked = [(data, unpack(data)) for data in batches]
        packed = {name: member for _, members in unpacked for name, member in members.items()}
        packed_entries: dict[str, Entry] = {}
        for (bundle, made_stamp, found, problems), text in zip(chunk, texts, strict=True):
            # the stamps' texts and keys were made by the workers (see validate_chunk)
            if made_stamp is None or text is None:  # a folder the site may not read: reported
                results.append((bundle, None, problems, None, None))
                continue
            made: Loaded | None
            fresh: Entry | None = None
            if isinstance(found, str):  # PACKED: valid, in a batch pickled for the cache
                values, problems = packed[bundle.name]
                packed_entries[bundle.name] = Entry(made_stamp, values, problems, text[0])
                made = Loaded(bundle, yaml_name, None, {**values, "bundle": bundle})
            else:
                made = found
                if made is not None and not has_errors(problems):
                    fresh = Entry(made_stamp, without_folder(made.record), problems, text[0])
            if made is not None and make is not None:
                made.model = make(**made.record)
            results.append((bundle, made, problems, text[1], fresh))
        for data, members in unpacked:
            packs.append((data, {name: packed_entries[name] for name in members}))
    # (one kind's bundles share their folder: their names sort as their paths do)
    results.sort(key=lambda result: result[0].name)
    for bundle, made, problems, key, fresh in results:
        if fresh is not None:
            cache.put(kind, bundle.name, fresh)
        diagnostics.extend(problems)
        if key is None:
            continue
        stamps[bundle] = key
        if made is not None:
            loaded.append((bundle, made))
    for data, entries in packs:
        cache.put_packed(kind, data, entries)
    loaded.sort(key=lambda pair: pair[0].name)
    return loaded


#: A bundle validated by a worker, as :func:`load_kind` keeps it until all are: its folder,
#: record (None if invalid), problems, stamp key (None if the site may not read it) and the
#: entry to put in the cache (None if the record is invalid or came in a batch).
_Made = tuple[Path, Loaded | None, list[Diagnostic], str | None, Entry | None]


def _located(
    bundle: Path,
    root: Path,
    real_folder: str,
    walked: Mapping[str, Stamp] | None,
    diagnostics: Diagnostics,
) -> tuple[str, Stamp] | None:
    """The real location and stamp of a bundle whose folder is checked as every bundle read
    is; None (with an error for a refused one) when it is refused or gone."""
    try:
        real = sitefiles.real_location(bundle, root, real_folder)
    except sitefiles.Refused as refused:
        diagnostics.error(diagnostics.where(bundle), refused.message, refused.hint)
        return None
    except FileNotFoundError:
        return None
    return real, (walked and walked.get(real)) or bundle_stamp(real)


def _new_bundle(
    bundle: Path, root: Path, real_folder: str, walked: Mapping[str, Stamp] | None
) -> tuple[Path, str | None, Stamp | None]:
    """A bundle the cache does not hold, for :func:`validate_chunk`: with its real location
    and stamp when the walk took them (a plain folder: one ``lstat``), else for the worker
    to check and stamp (which also reports a folder the site may not read)."""
    if walked:
        try:
            real = sitefiles.real_location(bundle, root, real_folder)
        except (sitefiles.Refused, OSError):
            return bundle, None, None
        stamp = walked.get(real)
        if stamp is not None:
            return bundle, real, stamp  # as text: made a Path by the worker
    return bundle, None, None
