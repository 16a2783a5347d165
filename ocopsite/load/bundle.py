"""One record's folder (a *bundle*) read and validated: the work a load gives its workers.

:func:`validate_chunk` checks that each folder may be read (it lies inside the site), parses
its YAML with line numbers, validates it with its kind's schema and reads its Markdown
texts, reporting every problem. What it finds travels back to the loading process:
see :mod:`ocopsite.load.kinds`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ocopsite import sitefiles
from ocopsite.assets import images
from ocopsite.diagnostics import Diagnostic, Diagnostics, Severity
from ocopsite.load import checks as c
from ocopsite.load import schema as s
from ocopsite.load.config import SiteConfig
from ocopsite.load.recordcache import (
    BATCH,
    Members,
    Stamp,
    bundle_stamp,
    pack,
    stamp_bytes,
    stamp_key,
)
from ocopsite.load.source import MAX_RECORD_BYTES, LineDict, load_yaml, read_text
from ocopsite.model import Body
from ocopsite.model.vietnamese import slugify


@dataclass
class Loaded:
    """A validated record together with what it was made from, for cross-record checks."""

    bundle: Path
    yaml_name: str
    raw_yaml: LineDict | None  # None when the record came from the cache
    record: Any
    #: What the record makes (a :class:`~ocopsite.model.Product`...), when the load was
    #: asked to make it (see :func:`~ocopsite.load.kinds.load_kind`).
    model: Any = None

    @cached_property
    def yaml_path(self) -> Path:
        """The record's YAML file (made only when asked for: most records never are)."""
        return self.bundle / self.yaml_name

    @property
    def raw(self) -> LineDict:
        """The record's YAML with line numbers, parsed again if it came from the cache."""
        if self.raw_yaml is None:
            parsed = load_yaml(self.yaml_path, Diagnostics())
            self.raw_yaml = parsed if isinstance(parsed, LineDict) else LineDict()
            if parsed is None:
                self.raw_yaml.line, self.raw_yaml.key_lines, self.raw_yaml.value_lines = 1, {}, {}
        return self.raw_yaml


@dataclass(frozen=True)
class KindWork:
    """What validating a bundle of one kind needs; reaches worker processes by fork."""

    yaml_name: str
    fields: dict[str, s.Field[Any]]
    config: SiteConfig
    relative_to: Path | None
    real_folder: Path | None  # the real location of the kind's folder
    pickles: bool = False  # whether valid records are sent back in batches (see validate_chunk)

    @cached_property
    def record(self) -> s.Record:
        """The schema of this kind's records, made once for all of them."""
        return s.Record(self.fields, what=self.yaml_name.removesuffix(".yaml"))


#: Stands for a valid record that :func:`validate_chunk` sent back in a batch of the cache.
PACKED = "packed"


#: What :func:`validate_one` found of a bundle: its folder, stamp (None if the site may not
#: read it), record (or :data:`PACKED`) and problems (a packed record's warnings are in
#: its batch).
Validated = tuple[Path, Stamp | None, "Loaded | str | None", list[Diagnostic]]


#: A stamp's :func:`~ocopsite.load.recordcache.stamp_bytes` and its
#: :func:`~ocopsite.load.recordcache.stamp_key`, made by the worker that took it.
StampText = tuple[bytes, str]


def has_errors(problems: Sequence[Diagnostic]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


def checked_folder(
    path: Path, root: Path, diagnostics: Diagnostics, parent: Path | None = None
) -> Path | None:
    """The real location of the folder ``path``, or None (reported) if the site may not read it."""
    try:
        return sitefiles.real_path(path, root, parent)
    except sitefiles.Refused as refused:
        diagnostics.error(diagnostics.where(path), refused.message, refused.hint)
    except FileNotFoundError:
        pass
    return None


def _read_body(
    bundle: Path,
    real: Path,
    config: SiteConfig,
    diagnostics: Diagnostics,
    folder: int | None = None,
) -> Body:
    """The bundle's texts, one ``LANG.md`` per language; ``folder`` is an open descriptor
    of its real location ``real`` (see :func:`~ocopsite.sitefiles.open_folder`), if any."""
    sources: list[tuple[str, str]] = []
    shown = str(bundle)
    for lang in config.languages:
        path = os.path.join(shown, f"{lang}.md")  # text: a Path is made only for a problem
        try:
            if folder is None and not sitefiles.present(path):
                raise FileNotFoundError(path)
            text = read_text(
                path,
                diagnostics,
                max_bytes=4 * MAX_RECORD_BYTES,
                root=config.root,
                parent=real,
                folder=folder,
            )
        except FileNotFoundError:
            if lang != config.default_language:
                diagnostics.warning(
                    diagnostics.where(path),
                    f"no {lang}.md: the {lang} page shows the {config.default_language} text "
                    "with a 'not yet translated' note",
                    f"add {lang}.md next to the YAML file",
                )
            continue
        if text is not None:
            sources.append((lang, text))
    return Body(tuple(sources))


def without_folder(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the cache keeps it: without its folder, which the load that reads it
    back knows already (a path was a fifth of the time to unpickle a record)."""
    return {key: value for key, value in record.items() if key != "bundle"}


def validate_chunk(
    work: KindWork, chunk: Sequence[tuple[Path, str | None, Stamp | None]]
) -> tuple[list[Validated], list[StampText | None], list[bytes]]:
    """Validate some bundles (in a worker); each with its problems, and without its raw
    YAML, which is parsed again only if a check across records needs its line numbers.

    A bundle given without its real path and stamp is checked and stamped here first
    (before anything in it is read, so that an edit made meanwhile is seen next time).

    With :attr:`KindWork.pickles`, the valid records (those without errors) come back
    as batches of the record cache (:func:`~ocopsite.load.recordcache.pack`), with their
    warnings and without their folders, and stand as :data:`PACKED` in the results:
    one pickle of many records is smaller and quicker to load than one for each, and
    the cache saves it as it is.

    A bundle's real location comes as text (made a :class:`~pathlib.Path` here, not by
    the loading process); each stamp's text and key are made here too, alongside
    the results (None for a bundle without a stamp).
    """
    results: list[Validated] = []
    texts: list[StampText | None] = []
    members: Members = {}
    shown = Diagnostics(relative_to=work.relative_to)
    reals = [Path(real) if real is not None else None for _, real, _ in chunk]
    ahead = [real or bundle for (bundle, _, _), real in zip(chunk, reals, strict=True)]
    with sitefiles.read_ahead(ahead):
        for (bundle, _, known_stamp), known_real in zip(chunk, reals, strict=True):
            found = validate_one(work, shown, bundle, known_real, known_stamp)
            bundle, stamp, item, problems = found
            if work.pickles and isinstance(item, Loaded) and not has_errors(problems):
                members[bundle.name] = (without_folder(item.record), problems)
                found = bundle, stamp, PACKED, []
            results.append(found)
            if stamp is None:
                texts.append(None)
            else:
                text = stamp_bytes(stamp)
                texts.append((text, stamp_key(bundle.name, stamp, text)))
    names = list(members)
    batches = [
        pack({name: members[name] for name in names[first : first + BATCH]})
        for first in range(0, len(names), BATCH)
    ]
    return results, texts, batches


def validate_one(
    work: KindWork,
    shown: Diagnostics,
    bundle: Path,
    known_real: Path | None,
    known_stamp: Stamp | None,
) -> Validated:
    """One bundle of :func:`validate_chunk`, with its stamp and its problems, whose paths
    are shown as ``shown`` shows them."""
    local = shown.empty_copy()
    real, stamp = known_real, known_stamp
    if real is None:
        real = checked_folder(bundle, work.config.root, local, work.real_folder)
        if real is None:
            return bundle, None, None, local.items
        stamp = bundle_stamp(real)
    item = _validate_bundle(bundle, real, work.yaml_name, work.record, work.config, local)
    if item is None:
        return bundle, stamp, None, local.items
    item.raw_yaml = None
    return bundle, stamp, item, local.items


def _validate_bundle(
    bundle: Path,
    real: Path,
    yaml_name: str,
    record: s.Record,
    config: SiteConfig,
    diagnostics: Diagnostics,
) -> Loaded | None:
    """Parse and validate one bundle with the schema ``record``, reporting into ``diagnostics``.

    ``real`` is the bundle's real location, already checked to be inside the site.
    """
    if yaml_name != "news.yaml" and not c.SLUG_RE.match(bundle.name):
        diagnostics.error(
            diagnostics.where(bundle),
            f"folder name '{bundle.name}' is not a slug, so it cannot be a web address",
            rename_hint(proposed_slug(bundle.name)),
        )
    folder = sitefiles.open_folder(real)
    try:
        return _validate_files(bundle, real, yaml_name, record, config, diagnostics, folder)
    finally:
        if folder is not None:
            os.close(folder)


def _validate_files(
    bundle: Path,
    real: Path,
    yaml_name: str,
    record: s.Record,
    config: SiteConfig,
    diagnostics: Diagnostics,
    folder: int | None,
) -> Loaded | None:
    """:func:`_validate_bundle` once its folder is open (``folder``, or ``None``: then its
    files are read by their paths)."""
    yaml_path = os.path.join(str(bundle), yaml_name)
    try:
        if folder is None and not sitefiles.present(yaml_path):
            raise FileNotFoundError(yaml_path)
        raw = load_yaml(yaml_path, diagnostics, root=config.root, parent=real, folder=folder)
    except FileNotFoundError:
        present = ", ".join(sorted(p.name for p in bundle.glob("*.yaml"))) or "none"
        diagnostics.error(
            diagnostics.where(bundle),
            f"record folder has no {yaml_name} (YAML files here: {present})",
            f"each folder in {bundle.parent.name}/ is one record with its own {yaml_name}",
        )
        return None
    body = _read_body(bundle, real, config, diagnostics, folder)
    if raw is None:
        return None
    ctx = s.Ctx(
        diagnostics,
        diagnostics.where(yaml_path, getattr(raw, "line", 1)),
        "",
        config.languages,
        real,
        lambda path: images.probe(path, config.images),
    )
    values = record(raw, ctx)
    if values is s.INVALID:
        return None
    return Loaded(
        bundle, yaml_name, raw, {"slug": bundle.name, "bundle": bundle, "body": body, **values}
    )


def proposed_slug(name: str) -> str:
    """The slug a folder called ``name`` could have: Vietnamese folded as search folds it."""
    return slugify(name)


def rename_hint(slug: str | None) -> str:
    rule = "lower-case ASCII letters, digits and single hyphens"
    return f"rename the folder to '{slug}' ({rule})" if slug else f"rename the folder: {rule}"
