"""Rebuilding only what an edit affects, and writing only files whose bytes changed.

Every output (see :mod:`ocopsite.output.plan`) gets a *key*: a hash of the site-wide
key (config, theme, ocopsite's code, build date and base URL), its paths, and
what it declares it depends on: the stamps of the records it shows (a product
stands for itself and its producer, whose name its card shows) and plain
values (a listing's length, a QR code's URI). An output whose key is the one
the last build recorded for each of its paths is not made again. One that
declares no dependencies depends on everything and is made by every build.

The changed files are published through :mod:`ocopsite.output.journal`: a file whose
new bytes equal its old ones is not touched at all.

A long-lived process (the preview server) hands every build the same
:class:`Resident`: the records, compiled templates and manifest of the last
build then stay in memory, and an update is published pages first, the
pages open in a browser before the others (see :func:`ocopsite.output.publish.update_in_steps`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ocopsite import sitefiles
from ocopsite.assets.images import Rendition
from ocopsite.files import same_bytes, write_atomic
from ocopsite.load.catalogue import Catalogue
from ocopsite.load.config import CONFIG_NAME
from ocopsite.load.recordcache import Kept
from ocopsite.model import NewsItem, Producer, Product
from ocopsite.output.manifestfile import Group, decoded, group_columns, groups_of, of_types
from ocopsite.output.manifestfile import encoded_parts as encoded_record
from ocopsite.output.plan import Output
from ocopsite.render.offline import Digest
from ocopsite.view.i18n import Strings
from ocopsite.view.theme import Theme
from ocopsite.view.urls import Urls

MANIFEST = "output-manifest.bin"
FORMAT = 6


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]


class Keyer:
    """Works out the keys of outputs (see :func:`keys`) for one catalogue and site key."""

    def __init__(self, catalogue: Catalogue, site_key: str) -> None:
        self.stamps = catalogue.stamps
        self.producers = catalogue.producers
        self.start = site_key + "\0"
        #: The tokens of the catalogue's records by id() (the catalogue keeps them alive): a
        #: lookup by id() is the cheapest test of what a thing is, and listings name each
        #: product a dozen times.
        self.tokens: dict[int, str] = {}
        for product in catalogue.products:
            self.token(product)
        tokens = self.tokens
        stamps = self.stamps
        for record in (*catalogue.producers.values(), *catalogue.news, *catalogue.events):
            bundle = getattr(record, "bundle", None)
            if isinstance(bundle, Path) and bundle in stamps:
                tokens[id(record)] = stamps[bundle]

    def token(self, thing: object) -> str:
        """What ``thing``, a record or a plain value, stands for in a key."""
        if isinstance(thing, Product):
            found = self.tokens.get(id(thing))
            if found is None:
                stamps = self.stamps
                producer = self.producers[thing.producer].bundle
                found = self.tokens[id(thing)] = f"{stamps[thing.bundle]}:{stamps[producer]}"
            return found
        if isinstance(thing, (Producer, NewsItem)):
            return self.stamps[thing.bundle]
        bundle = getattr(thing, "bundle", None)  # any other record kind, such as an event
        if isinstance(bundle, Path) and bundle in self.stamps:
            return self.stamps[bundle]
        if isinstance(thing, (str, int)):
            return f"={thing}"
        raise TypeError(f"an output cannot depend on a {type(thing).__name__}")

    def shown(self, things: Iterable[object]) -> str:
        """The end of the text a key hashes: the tokens of what an output shows."""
        if not isinstance(things, (list, tuple)):
            things = list(things)
        # mostly products, whose tokens are known by id(): looked up without a loop
        # of Python's, and only what is not found is worked out one by one
        found = list(map(self.tokens.get, map(id, things)))
        shown_tokens = (
            cast(list[str], found)
            if None not in found
            else [
                given if given is not None else self.token(thing)
                for given, thing in zip(found, things, strict=True)
            ]
        )
        return "\0" + "\0".join(shown_tokens) if shown_tokens else ""

    def key(self, paths: Sequence[str], shown: str) -> str:
        """The key of an output of ``paths`` that shows ``shown`` (see :meth:`shown`)."""
        text = self.start + "\0".join(paths) + shown
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def keys(
    catalogue: Catalogue,
    outputs: Sequence[Output],
    site_key: str,
    check: Callable[[], None] | None = None,
    keyer: Keyer | None = None,
) -> list[str | None]:
    """The key of each output; ``None`` for those that depend on everything.

    An output planned from what an earlier build planned for its record brings its key
    (:attr:`~ocopsite.output.plan.Output.key`), worked out then from the same dependencies.
    ``check`` is called now and then, and may raise to abandon the work. ``keyer`` is the
    build's :class:`Keyer` of the same site key, if it has one.
    """
    keyer = keyer or Keyer(catalogue, site_key)
    # The languages of a page share one ``depends``: its tokens are joined once, as the
    # end of the text every key hashes (the same text as hashing the tokens one by one).
    made: dict[int, str] = {}
    shown_of, start, sha256 = keyer.shown, keyer.start, hashlib.sha256
    result: list[str | None] = []
    for done, output in enumerate(outputs):
        if check is not None and done % 4096 == 0:
            check()
        if output.key is not None:
            result.append(output.key)
            continue
        depends = output.depends
        if depends is None:
            result.append(None)
            continue
        shown = made.get(id(depends))
        if shown is None:
            shown = made[id(depends)] = shown_of(depends())
        # as Keyer.key, without a call for each of a hundred thousand outputs
        paths = output.paths
        text = start + (paths[0] if len(paths) == 1 else "\0".join(paths)) + shown
        result.append(sha256(text.encode()).hexdigest()[:20])
    return result


def changed(
    outputs: Sequence[Output], output_keys: Sequence[str | None], previous: Manifest
) -> list[int]:
    """The outputs to make again: a new key, a missing file, or no dependencies declared."""
    old = previous.keys.get
    todo = []
    for index, (output, key) in enumerate(zip(outputs, output_keys, strict=True)):
        paths = output.paths
        if key is None or (
            old(paths[0]) != key if len(paths) == 1 else any(old(p) != key for p in paths)
        ):
            todo.append(index)
    return todo


@dataclass(frozen=True)
class Manifest:
    """What the last build into a folder made: every file, with its output's key ("" if none),
    and the :func:`~ocopsite.render.offline.digest` of the files whose digest was worked out."""

    keys: dict[str, str]
    digests: dict[str, Digest] = field(default_factory=dict)
    #: Each product's outputs as one block, by slug (see :mod:`ocopsite.output.groups`).
    groups: dict[str, Group] = field(default_factory=dict)

    @property
    def files(self) -> frozenset[str]:
        return frozenset(self.keys)


def load(cache_dir: Path, out: Path, site_key: str) -> Manifest | None:
    """The manifest of the last build into ``out``, if it had the same site key
    (see :mod:`~ocopsite.output.manifestfile` for how it is kept)."""
    record = read_record(cache_dir)
    if (
        record is None
        or record.get("version") != FORMAT
        or record.get("out") != str(out)
        or record.get("site") != site_key
    ):
        return None  # another build's, an older ocopsite's, or damaged: build in full
    columns: list[list[Any]] = []
    for name in ("paths", "keys", "sizes", "hashes"):
        column = record.get(name)
        if not isinstance(column, list):
            return None
        columns.append(column)
    paths, output_keys, sizes, hashes = columns
    if (
        len({len(column) for column in columns}) != 1
        or not of_types(paths, str)
        or not of_types(output_keys, str)
        or not of_types(sizes, int, type(None))
        or not of_types(hashes, str, type(None))
    ):
        return None
    if None in sizes or None in hashes:
        digests = {
            path: (size, value)
            for path, size, value in zip(paths, sizes, hashes, strict=True)
            if size is not None and value is not None
        }
    else:  # every file's digest is known: the usual case, worked out in C
        digests = dict(zip(paths, zip(sizes, hashes, strict=True), strict=True))
    keys = dict(zip(paths, output_keys, strict=True))
    return Manifest(keys, digests, groups_of(record, paths))


def read_record(cache_dir: Path) -> dict[str, Any] | None:
    """The manifest kept in ``cache_dir`` as it was saved, if it can be read."""
    try:
        return decoded(manifest_path(cache_dir).read_bytes())
    except OSError:
        return None


def save(cache_dir: Path, out: Path, site_key: str, manifest: Manifest) -> None:
    """Keep ``manifest`` for the next build into ``out`` (see :func:`load`)."""
    write_atomic(manifest_path(cache_dir), encoded(out, site_key, manifest))


def manifest_path(cache_dir: Path) -> Path:
    return cache_dir / MANIFEST


def encoded(out: Path, site_key: str, manifest: Manifest) -> tuple[bytes, bytes]:
    """``manifest`` as :func:`save` keeps it, in parts to write one after the other."""
    paths = sorted(manifest.keys)
    digests = manifest.digests
    missing = (None, None)
    found = [digests.get(path, missing) for path in paths]
    record = {
        "version": FORMAT,
        "out": str(out),
        "site": site_key,
        "paths": paths,
        "keys": [manifest.keys[path] for path in paths],
        "sizes": [digest[0] for digest in found],
        "hashes": [digest[1] for digest in found],
        **group_columns(manifest.groups, paths),
    }
    return encoded_record(record)


def site_key(
    urls: Urls, catalogue: Catalogue, theme_fingerprint: str, code: str, assets: Mapping[str, str]
) -> str:
    """What every page depends on: config, theme, ocopsite, build date and base URL, and
    the names the theme's files are served under (``assets``, each named by a hash of
    its bytes as served: pages link to them)."""
    config = catalogue.config
    return _hash(
        urls.base_url,
        config.build_date.isoformat(),
        theme_fingerprint,
        code,
        stamps_of_config(config.root),
        *(f"{name}\0{served}" for name, served in sorted(assets.items())),
    )


def stamps_of_config(root: Path) -> str:
    """A hash of the site's config, read through the site's one gate like every input."""
    try:
        return hashlib.sha256(sitefiles.read_bytes(root / CONFIG_NAME, root)).hexdigest()
    except (OSError, sitefiles.Refused):
        return ""


def forget(cache_dir: Path) -> None:
    """Drop the manifest, so that the next build renders everything."""
    manifest_path(cache_dir).unlink(missing_ok=True)
    # and that of the earlier format, which an older version going back to work on this
    # site would trust, though newer builds have changed the output since it was written
    (cache_dir / "output-manifest.json").unlink(missing_ok=True)


@dataclass(frozen=True)
class LastBuild:
    """What the last successful build of a long-lived process rendered its pages with:
    enough to render a page of an edited record again before the next build has planned
    anything (see :mod:`ocopsite.output.preview`)."""

    catalogue: Catalogue
    theme: Theme
    strings: dict[str, Strings]
    urls: Urls
    renditions: dict[str, Rendition]
    assets: dict[str, str]
    cache_dir: Path
    #: The options the build was run with, which a later build must share to use it.
    options: tuple[object, ...]


def _nothing() -> None:
    pass


def _no_pages() -> frozenset[str]:
    return frozenset()


@dataclass
class Resident:
    """What a long-lived process keeps between its builds, for the stages of the next one.

    ``build`` calls :meth:`pages_live` once per successful build, as soon as what
    the pages open in a browser show is published: before the other pages and
    the files that sum up the whole site (search index, feeds, open data,
    offline pack) when the build updates its output in place, after everything
    otherwise. Setting :attr:`stop` makes a running build stop without
    publishing its current step (:class:`~ocopsite.output.publish.Superseded`).
    """

    #: Called by :meth:`pages_live`: the preview server reloads the open pages.
    on_pages_live: Callable[[], None] = _nothing
    #: The output paths of the pages open in a browser, published first.
    viewed: Callable[[], frozenset[str]] = _no_pages
    stop: threading.Event = field(default_factory=threading.Event)
    #: Seconds to leave the cores to the browser after :meth:`pages_live`, before making
    #: the rest; a change saved meanwhile stops the build at once.
    pause: float = 0.0
    #: Validated records by environment and bundle (a
    #: :class:`~ocopsite.load.recordcache.RecordCache`).
    records: Kept = field(default_factory=dict)
    #: The manifest of what the output folder holds now, for the site key it was made with.
    manifest: tuple[Path, str, Manifest] | None = None
    #: What the last successful build rendered with; ``None`` until one succeeds.
    last: LastBuild | None = None
    #: The input files changed since :attr:`last` was built (see :meth:`saw`).
    changes: set[Path] = field(default_factory=set)
    #: The pages published ahead of the build that is running, with the bytes they hold
    #: (see :mod:`ocopsite.output.preview`).
    early: dict[str, bytes] = field(default_factory=dict)
    #: What the pages published ahead held before (``None``: nothing), for a failed build.
    undo: dict[str, bytes | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def saw(self, paths: Iterable[Path]) -> None:
        """Note input files that changed (the preview server's watcher tells)."""
        with self._lock:
            self.changes.update(paths)

    def changed_since_last(self) -> frozenset[Path]:
        """The input files changed since the last successful build began, as far as told."""
        with self._lock:
            return frozenset(self.changes)

    def built(self, last: LastBuild, seen: frozenset[Path]) -> None:
        """A build that began after the changes ``seen`` were told has succeeded."""
        with self._lock:
            self.changes -= seen
        self.last, self.undo, self.early = last, {}, {}

    def pages_live(self, out: Path | None = None) -> None:
        """Tell that the pages open in a browser are published, and let a browser reload them.

        When every open page was published ahead of this build (:attr:`early`) and still
        holds the same bytes in ``out``, the browsers were told then: they are not told
        again. Any other open page may have changed, so then they are.
        """
        early, self.early = self.early, {}
        if (
            early
            and out is not None
            and self.viewed() <= early.keys()
            and all(same_bytes(out / rel, data) for rel, data in early.items())
        ):
            return
        self.on_pages_live()
        if self.viewed():  # a browser is reloading: let it
            self.stop.wait(self.pause)

    def previous(self, out: Path, site_key: str) -> Manifest | None:
        """The manifest of ``out``, if this process made it with the same site key."""
        if self.manifest is not None and self.manifest[:2] == (out, site_key):
            return self.manifest[2]
        return None

    def remember(
        self, cache_dir: Path, out: Path, site_key: str, manifest: Manifest, on_disk: bool = True
    ) -> None:
        """Record what ``out`` holds now, in memory and (``on_disk``) in the cache folder."""
        if on_disk:
            save(cache_dir, out, site_key, manifest)
        self.manifest = (out, site_key, manifest)
