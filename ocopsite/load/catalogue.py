"""The *validate* and *model* stages: every bundle in ``content/`` becomes a checked record.

:func:`load_catalogue` finds the bundles, validates each with the schemas of
:mod:`ocopsite.load.records`, reads its Markdown texts, and then checks what spans
records: producers that exist, news that names real products, GTINs and news
slugs used once. It reports every problem and returns ``None`` if any was an error.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ocopsite import parallel, sitefiles
from ocopsite.assets import images
from ocopsite.diagnostics import Diagnostic, Diagnostics, Severity
from ocopsite.load import checks as c
from ocopsite.load import schema as s
from ocopsite.load.config import CONFIG_NAME, SiteConfig
from ocopsite.load.events import EVENT_FIELDS, Event, check_events
from ocopsite.load.recordcache import (
    BATCH,
    Entry,
    Kept,
    Members,
    RecordCache,
    Stamp,
    bundle_stamp,
    environment,
    pack,
    stamp_bytes,
    unpack,
)
from ocopsite.load.records import NEWS_FIELDS, PRODUCER_FIELDS, product_fields
from ocopsite.load.source import MAX_RECORD_BYTES, LineDict, LineList, load_yaml, read_text
from ocopsite.model import Body, NewsItem, Photo, Producer, Product, Rating
from ocopsite.model import gtin as gtins
from ocopsite.model.ratings import authorities
from ocopsite.model.vietnamese import slugify

NEWS_FOLDER_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
#: Folders that hold no record (editor and OS litter) are skipped silently.
IGNORED = re.compile(r"^[._]|~$")


@dataclass(frozen=True)
class Catalogue:
    """All validated records, each kind sorted by slug (news: newest first)."""

    config: SiteConfig
    products: tuple[Product, ...]
    producers: dict[str, Producer]
    news: tuple[NewsItem, ...]
    #: Fairs and exhibitions, by first day (see :mod:`ocopsite.load.events`).
    events: tuple[Event, ...] = ()
    #: Each record's stamp (a hash of its bundle's file names, sizes and times), by folder.
    stamps: dict[Path, str] = field(default_factory=dict)

    def products_of(self, producer: str) -> tuple[Product, ...]:
        return self._by_producer.get(producer, ())

    def product_token(self, product: Product) -> str | None:
        """What a product's own parts of the files that list every product (its search
        values, its open data rows) are made from: its bundle's stamp and its producer's;
        ``None`` if either has none (then its parts are always made)."""
        own = self.stamps.get(product.bundle)
        maker = self.stamps.get(self.producers[product.producer].bundle)
        return None if own is None or maker is None else f"{own}:{maker}"

    @cached_property
    def _by_producer(self) -> dict[str, tuple[Product, ...]]:
        grouped: dict[str, list[Product]] = {}
        for product in self.products:
            grouped.setdefault(product.producer, []).append(product)
        return {key: tuple(items) for key, items in grouped.items()}

    @cached_property
    def product_by_slug(self) -> dict[str, Product]:
        return {p.slug: p for p in self.products}

    def photos(self) -> Iterator[Photo]:
        """Every photo of every record, news covers included."""
        for product in self.products:
            yield from product.photos
        for producer in self.producers.values():
            yield from producer.photos
        for item in self.news:
            if item.cover is not None:
                yield item.cover
        for event in self.events:
            yield from event.photos

    def related(self, product: Product, limit: int = 4) -> tuple[Product, ...]:
        """Products to suggest beside ``product``: its producer's others, then those of
        the same group from producers in the same province; by slug within each."""
        same_producer = (p for p in self.products_of(product.producer) if p is not product)
        province = self.producers[product.producer].province
        # A group can hold thousands of products in a national catalogue: stop at the limit.
        nearby = (
            p
            for p in self._by_group_and_province.get((product.category, province), ())
            if p.producer != product.producer
        )
        return tuple(itertools.islice(itertools.chain(same_producer, nearby), limit))

    @cached_property
    def _by_group_and_province(self) -> dict[tuple[str, str], tuple[Product, ...]]:
        grouped: dict[tuple[str, str], list[Product]] = {}
        for product in self.products:
            key = (product.category, self.producers[product.producer].province)
            grouped.setdefault(key, []).append(product)
        return {key: tuple(items) for key, items in grouped.items()}


@dataclass
class _Loaded:
    """A validated record together with what it was made from, for cross-record checks."""

    bundle: Path
    yaml_name: str
    raw_yaml: LineDict | None  # None when the record came from the cache
    record: Any

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


def _bundles(folder: Path) -> list[Path]:
    """The record folders in ``folder``, symbolic links to folders (or to nothing) included."""
    try:
        with os.scandir(folder) as entries:  # no stat per entry, unlike Path.is_dir
            names = [e.name for e in entries if _may_be_bundle(e) and not IGNORED.search(e.name)]
    except OSError:  # missing, not a folder, or a looping link: reported by _checked_folder
        return []
    return [folder / name for name in sorted(names)]


def _may_be_bundle(entry: os.DirEntry[str]) -> bool:
    """A folder, or a link that is not to a file (to a folder, to nothing, or a loop)."""
    try:
        return entry.is_dir() or (entry.is_symlink() and not entry.is_file())
    except OSError:  # a looping link: the bundle check reports it
        return True


def _checked_folder(
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


def _stamp_key(stamp: Stamp, text: bytes | None = None) -> str:
    """A short name for a bundle's stamp, which the outputs showing it depend on; ``text``
    is its :func:`~ocopsite.load.recordcache.stamp_bytes` if they are at hand."""
    return hashlib.sha256(text if text is not None else stamp_bytes(stamp)).hexdigest()[:16]


def _load_kind(
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
) -> list[tuple[Path, _Loaded]]:
    """Validate every bundle of one kind (``bundles``, the :func:`_bundles` of ``folder``);
    returns the valid ones with their raw YAML.

    A bundle unchanged since it was last validated comes from ``cache``, with
    its warnings reported again.
    """
    kind = yaml_name.removesuffix(".yaml")
    loaded: list[tuple[Path, _Loaded]] = []
    todo: list[tuple[Path, Path | None, Stamp | None]] = []
    real_folder = _checked_folder(folder, config.root, diagnostics)
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
            stamps[bundle] = _stamp_key(stamp, stamp_text)
            if entry.warnings:
                diagnostics.extend(entry.warnings)
            # the cache keeps records without their folder (see _cached): it is this one
            record = {**entry.values, "bundle": bundle}
            loaded.append((bundle, _Loaded(bundle, yaml_name, None, record)))
            continue
        if real is None:  # validated again: its folder is checked as every bundle read is
            located = _located(bundle, config.root, real_text, walked, diagnostics)
            if located is None:
                continue
            real, stamp = located
        stamps[bundle] = _stamp_key(stamp)
        todo.append((bundle, Path(real), stamp))
    # Valid records validated in workers for the cache come back in batches of the cache,
    # with their warnings and without their folders (see _validate_chunk), not as _Loaded.
    pickles = jobs > 1 and cache.path is not None
    work = _KindWork(yaml_name, fields, config, diagnostics.relative_to, real_folder, pickles)
    results: list[_Validated] = []
    packs: list[tuple[bytes, Members]] = []
    packed: Members = {}
    for chunk, batches in parallel.map_chunks(_validate_chunk, work, todo, jobs, max_chunk=500):
        results += chunk
        for data in batches:  # unpickled as they come, while the workers make the others
            members = unpack(data)
            packs.append((data, members))
            packed.update(members)
    made_stamps: dict[str, Stamp] = {}
    for bundle, made_stamp, found, problems in sorted(results, key=lambda r: r[0]):
        made: _Loaded | None
        if isinstance(found, str):  # _PACKED: valid, in a batch pickled for the cache
            assert made_stamp is not None
            values, problems = packed[bundle.name]
            made_stamps[bundle.name] = made_stamp
            made = _Loaded(bundle, yaml_name, None, {**values, "bundle": bundle})
        else:
            made = found
            if made is not None and not _has_errors(problems):
                assert made_stamp is not None
                cache.put(kind, bundle.name, Entry(made_stamp, _cached(made.record), problems))
        diagnostics.extend(problems)
        if made_stamp is None:  # a folder the site may not read: reported
            continue
        stamps[bundle] = _stamp_key(made_stamp)
        if made is not None:
            loaded.append((bundle, made))
    for data, members in packs:
        entries = {name: Entry(made_stamps[name], *members[name]) for name in members}
        cache.put_packed(kind, data, entries)
    loaded.sort(key=lambda pair: pair[0])
    return loaded


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
) -> tuple[Path, Path | None, Stamp | None]:
    """A bundle the cache does not hold, for :func:`_validate_chunk`: with its real location
    and stamp when the walk took them (a plain folder: one ``lstat``), else for the worker
    to check and stamp (which also reports a folder the site may not read)."""
    if walked:
        try:
            real = sitefiles.real_location(bundle, root, real_folder)
        except (sitefiles.Refused, OSError):
            return bundle, None, None
        stamp = walked.get(real)
        if stamp is not None:
            return bundle, Path(real), stamp
    return bundle, None, None


def _cached(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the cache keeps it: without its folder, which the load that reads it
    back knows already (a path was a fifth of the time to unpickle a record)."""
    return {key: value for key, value in record.items() if key != "bundle"}


@dataclass(frozen=True)
class _KindWork:
    """What validating a bundle of one kind needs; reaches worker processes by fork."""

    yaml_name: str
    fields: dict[str, s.Field[Any]]
    config: SiteConfig
    relative_to: Path | None
    real_folder: Path | None  # the real location of the kind's folder
    pickles: bool = False  # whether valid records are sent back in batches (see _validate_chunk)

    @cached_property
    def record(self) -> s.Record:
        """The schema of this kind's records, made once for all of them."""
        return s.Record(self.fields, what=self.yaml_name.removesuffix(".yaml"))


#: Stands for a valid record that :func:`_validate_chunk` sent back in a batch of the cache.
_PACKED = "packed"
#: What :func:`_validate_one` found of a bundle: its folder, stamp (None if the site may not
#: read it), record (or :data:`_PACKED`) and problems (a packed record's warnings are in
#: its batch).
_Validated = tuple[Path, Stamp | None, "_Loaded | str | None", list[Diagnostic]]


def _has_errors(problems: Sequence[Diagnostic]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


def _validate_chunk(
    work: _KindWork, chunk: Sequence[tuple[Path, Path | None, Stamp | None]]
) -> tuple[list[_Validated], list[bytes]]:
    """Validate some bundles (in a worker); each with its problems, and without its raw
    YAML, which is parsed again only if a check across records needs its line numbers.

    A bundle given without its real path and stamp is checked and stamped here first
    (before anything in it is read, so that an edit made meanwhile is seen next time).

    With :attr:`_KindWork.pickles`, the valid records (those without errors) come back
    as batches of the record cache (:func:`~ocopsite.load.recordcache.pack`), with their
    warnings and without their folders, and stand as :data:`_PACKED` in the results:
    one pickle of many records is smaller and quicker to load than one for each, and
    the cache saves it as it is.
    """
    results: list[_Validated] = []
    members: Members = {}
    shown = Diagnostics(relative_to=work.relative_to)
    with sitefiles.read_ahead([real or bundle for bundle, real, _ in chunk]):
        for bundle, known_real, known_stamp in chunk:
            found = _validate_one(work, shown, bundle, known_real, known_stamp)
            bundle, stamp, item, problems = found
            if work.pickles and isinstance(item, _Loaded) and not _has_errors(problems):
                members[bundle.name] = (_cached(item.record), problems)
                found = bundle, stamp, _PACKED, []
            results.append(found)
    names = list(members)
    batches = [
        pack({name: members[name] for name in names[first : first + BATCH]})
        for first in range(0, len(names), BATCH)
    ]
    return results, batches


def _validate_one(
    work: _KindWork,
    shown: Diagnostics,
    bundle: Path,
    known_real: Path | None,
    known_stamp: Stamp | None,
) -> _Validated:
    """One bundle of :func:`_validate_chunk`, with its stamp and its problems, whose paths
    are shown as ``shown`` shows them."""
    local = shown.empty_copy()
    real, stamp = known_real, known_stamp
    if real is None:
        real = _checked_folder(bundle, work.config.root, local, work.real_folder)
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
) -> _Loaded | None:
    """Parse and validate one bundle with the schema ``record``, reporting into ``diagnostics``.

    ``real`` is the bundle's real location, already checked to be inside the site.
    """
    if yaml_name != "news.yaml" and not c.SLUG_RE.match(bundle.name):
        diagnostics.error(
            diagnostics.where(bundle),
            f"folder name '{bundle.name}' is not a slug, so it cannot be a web address",
            _rename_hint(proposed_slug(bundle.name)),
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
) -> _Loaded | None:
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
    return _Loaded(
        bundle, yaml_name, raw, {"slug": bundle.name, "bundle": bundle, "body": body, **values}
    )


def load_catalogue(
    config: SiteConfig,
    diagnostics: Diagnostics,
    cache_dir: Path | None = None,
    jobs: int = 1,
    kept: Kept | None = None,
    walked: Mapping[str, Stamp] | None = None,
    check: Callable[[], None] | None = None,
) -> Catalogue | None:
    """Load and validate every record under ``config.content_dir``.

    ``check`` is called now and then, and may raise to abandon the load.

    With ``cache_dir``, records of unchanged bundles are reused from the last
    load (see :mod:`ocopsite.load.recordcache`), and this load's are saved there.
    The others are validated by ``jobs`` processes. ``kept`` holds the records
    of a long-lived process's earlier loads (see :class:`~ocopsite.load.recordcache.RecordCache`).
    ``walked`` holds bundles' stamps by real path, taken before this load began (by the
    walk of :mod:`ocopsite.load.fingerprint`); a bundle not in it is stamped here.
    """
    content = config.content_dir
    if sitefiles.present(content) and _checked_folder(content, config.root, diagnostics) is None:
        return None
    if not content.is_dir():
        diagnostics.error(diagnostics.where(content), "content folder not found")
        return None
    cache = RecordCache(cache_dir, environment(config.root / CONFIG_NAME, config.root), kept)
    stamps: dict[Path, str] = {}
    # Each kind's folders, listed once: the checks across records name them too.
    producer_bundles = _bundles(content / "producers")
    product_bundles = _bundles(content / "products")
    producer_names = {bundle.name for bundle in producer_bundles}
    # A folder whose record is invalid was reported already; naming it is not a second error.
    known_products = {bundle.name for bundle in product_bundles}

    producers = {
        bundle.name: Producer(**item.record)
        for bundle, item in _load_kind(
            content / "producers",
            producer_bundles,
            "producer.yaml",
            PRODUCER_FIELDS,
            config,
            diagnostics,
            cache,
            stamps,
            jobs,
            walked,
            check,
        )
    }
    product_items = _load_kind(
        content / "products",
        product_bundles,
        "product.yaml",
        product_fields(config.retailers),
        config,
        diagnostics,
        cache,
        stamps,
        jobs,
        walked,
        check,
    )
    products = [Product(**item.record) for _, item in product_items]
    _check_products(product_items, producer_names, diagnostics)
    _check_authorities(product_items, producers, diagnostics)

    news = []
    news_slugs: dict[str, Path] = {}
    for bundle, item in _load_kind(
        content / "news",
        _bundles(content / "news"),
        "news.yaml",
        NEWS_FIELDS,
        config,
        diagnostics,
        cache,
        stamps,
        jobs,
        walked,
        check,
    ):
        slug = _news_slug(bundle, item, diagnostics)
        if slug is None:
            continue
        if slug in news_slugs:
            diagnostics.error(
                diagnostics.where(bundle),
                f"duplicate news slug '{slug}' (also {diagnostics.where(news_slugs[slug]).path})",
                "news pages live at /news/<slug>/; rename one of the folders",
            )
            continue
        news_slugs[slug] = bundle
        for index, product in enumerate(item.record["products"]):
            if product not in known_products:
                lines = item.raw.get("products")
                line = lines.item_line(index) if isinstance(lines, LineList) else item.raw.line
                diagnostics.error(
                    diagnostics.where(item.yaml_path, line),
                    f"products[{index}]: no product '{product}'"
                    f"{s.did_you_mean(product, known_products)}",
                    "name a folder in content/products/",
                )
        news.append(NewsItem(**{**item.record, "slug": slug}))

    events = check_events(
        _load_kind(
            content / "events",
            _bundles(content / "events"),
            "event.yaml",
            EVENT_FIELDS,
            config,
            diagnostics,
            cache,
            stamps,
            jobs,
            walked,
            check,
        ),
        known_products,
        producer_names,
        diagnostics,
    )

    if diagnostics.errors:
        cache.close()
        return None
    cache.save()
    return Catalogue(
        config=config,
        products=tuple(sorted(products, key=lambda p: p.slug)),
        producers=dict(sorted(producers.items())),
        news=tuple(sorted(news, key=lambda n: (n.date, n.slug), reverse=True)),
        events=tuple(events),
        stamps=stamps,
    )


#: The kinds whose records :func:`reload_bundles` can validate again on their own.
#: The record folders whose bundles :func:`reload_bundles` can take, with their YAML file.
RELOADABLE = {"products": "product.yaml", "producers": "producer.yaml"}


def reload_bundles(catalogue: Catalogue, bundles: Iterable[Path]) -> Catalogue | None:
    """``catalogue`` with the records of ``bundles`` (folders of products or producers it
    holds, whose files changed) validated again, the others as they are; or ``None``
    when that cannot be done safely on its own: a bundle that is not one of its records
    or no longer a folder, another kind of record, a record with an error, or a change
    of what records refer to (a product's producer or GTIN).

    The checks across records that such an edit can change (the rating's issuing body,
    which may come from the producer) are run again; nothing is reported, and the
    warnings are not collected: the full load that follows reports everything. Nothing
    is written to the record cache.
    """
    config = catalogue.config
    products = {product.bundle: product for product in catalogue.products}
    producers = {producer.bundle: producer for producer in catalogue.producers.values()}
    new_products: dict[str, Product] = {}
    new_producers: dict[str, Producer] = {}
    stamps = dict(catalogue.stamps)
    for bundle in bundles:
        old = products.get(bundle) or producers.get(bundle)
        if old is None or bundle.parent.name not in RELOADABLE or not bundle.is_dir():
            return None
        yaml_name = RELOADABLE[bundle.parent.name]
        fields = product_fields(config.retailers) if isinstance(old, Product) else PRODUCER_FIELDS
        real_folder = _checked_folder(bundle.parent, config.root, Diagnostics())
        work = _KindWork(yaml_name, fields, config, config.root, real_folder)
        _, stamp, item, problems = _validate_one(work, Diagnostics(), bundle, None, None)
        if not isinstance(item, _Loaded) or stamp is None or _has_errors(problems):
            return None
        stamps[bundle] = _stamp_key(stamp)
        if isinstance(old, Product):
            product = Product(**item.record)
            if (product.producer, product.gtin) != (old.producer, old.gtin):
                return None  # another producer or GTIN: the checks across records must run
            new_products[product.slug] = product
        else:
            new_producers[old.slug] = Producer(**item.record)
    edited = Catalogue(
        config=config,
        products=tuple(new_products.get(p.slug, p) for p in catalogue.products),
        producers={slug: new_producers.get(slug, p) for slug, p in catalogue.producers.items()},
        news=catalogue.news,
        events=catalogue.events,
        stamps=stamps,
    )
    # the issuing body of a rating may come from its producer (see _check_authorities)
    checked = {slug for slug in new_products} | {
        p.slug for slug in new_producers for p in edited.products_of(slug)
    }
    for slug in checked:
        product = edited.product_by_slug[slug]
        producer = edited.producers[product.producer]
        if any(body is None for _, body in authorities(product.ocop, producer)):
            return None
    return edited


def _news_slug(bundle: Path, item: _Loaded, diagnostics: Diagnostics) -> str | None:
    match = NEWS_FOLDER_RE.match(bundle.name)
    if not match:
        rest = proposed_slug(re.sub(r"^\d{4}-\d{2}-\d{2}", "", bundle.name))
        diagnostics.error(
            diagnostics.where(bundle),
            f"news folder '{bundle.name}' is not named YYYY-MM-DD-slug",
            f"rename the folder to '{item.record['date'].isoformat()}-{rest or 'tin-tuc'}': "
            "the news date, then lower-case ASCII letters, digits and single hyphens",
        )
        return None
    if match.group(1) != item.record["date"].isoformat():
        diagnostics.error(
            diagnostics.where(item.yaml_path, item.raw.value_line("date")),
            f"date: {item.record['date'].isoformat()} does not match the folder's date "
            f"{match.group(1)}",
            "rename the folder or correct the date",
        )
        return None
    return match.group(2)


def proposed_slug(name: str) -> str:
    """The slug a folder called ``name`` could have: Vietnamese folded as search folds it."""
    return slugify(name)


def _rename_hint(slug: str | None) -> str:
    rule = "lower-case ASCII letters, digits and single hyphens"
    return f"rename the folder to '{slug}' ({rule})" if slug else f"rename the folder: {rule}"


def _check_products(
    items: list[tuple[Path, _Loaded]],
    producer_folders: set[str],
    diagnostics: Diagnostics,
) -> None:
    """Checks across records: the producer exists; a GTIN belongs to one product only."""
    gtin_owner: dict[str, _Loaded] = {}
    for _, item in items:
        producer = item.record["producer"]
        if producer not in producer_folders:
            diagnostics.error(
                diagnostics.where(item.yaml_path, item.raw.value_line("producer")),
                f"producer: no producer '{producer}'{s.did_you_mean(producer, producer_folders)}",
                "the producer must be a folder in content/producers/ with a valid producer.yaml",
            )
        code = item.record.get("gtin")
        if code is None:
            continue
        if code in gtin_owner:
            first = gtin_owner[code]
            diagnostics.error(
                diagnostics.where(item.yaml_path, item.raw.value_line("gtin")),
                f"gtin: {gtins.display(code)} is already used by product "
                f"'{first.record['slug']}' ({diagnostics.where(first.yaml_path).path}:"
                f"{first.raw.value_line('gtin')})",
                "every trade item has its own GTIN; a different pack size needs another one",
            )
        else:
            gtin_owner[code] = item


def _check_authorities(
    items: list[tuple[Path, _Loaded]], producers: dict[str, Producer], diagnostics: Diagnostics
) -> None:
    """Every rating decision has an issuing organisation, named or derived from the producer."""
    for _, item in items:
        if not _may_lack_authority(item.record["ocop"]):
            continue
        producer = producers.get(item.record["producer"])
        if producer is None:
            continue
        for index, (event, body) in enumerate(authorities(item.record["ocop"], producer)):
            if body is not None:
                continue
            raw = item.raw.get("ocop")  # only now: a cached record's YAML is parsed again
            if isinstance(raw, LineList):
                line, field = raw.item_line(index), f"ocop[{index}]"
            else:
                line, field = item.raw.value_line("ocop"), "ocop"
                if isinstance(raw, LineDict) and "granted_by" in raw:
                    line = raw.value_line("granted_by")
            diagnostics.error(
                diagnostics.where(item.yaml_path, line),
                f"{field}: cannot tell which district granted the rating of "
                f"{event.date.isoformat()}",
                f"write authority: UBND huyện …, or give producer '{producer.slug}' a "
                "former_address that names its district (huyện …)",
            )


def _may_lack_authority(rating: Rating) -> bool:
    """Whether :func:`~ocopsite.model.ratings.authorities` may leave an event of ``rating``
    without its issuing organisation: only one taken at another level than the province's
    can be (the province's body is always known), unless it names its own. Most ratings
    have none, and working out their province's body for each was most of the checks'
    cost at national scale."""
    level = "province"
    for event in rating.events:
        if event.is_grant and event.granted_by:
            level = event.granted_by
        if not event.authority and (event.granted_by or level) != "province":
            return True
    return False
