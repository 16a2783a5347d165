"""The *validate* and *model* stages: every bundle in ``content/`` becomes a checked record.

:func:`load_catalogue` finds the bundles, validates each with the schemas of
:mod:`ocopsite.load.records`, reads its Markdown texts, and then checks what spans
records: producers that exist, news that names real products, GTINs and news
slugs used once. It reports every problem and returns ``None`` if any was an error.

Each kind's bundles are loaded by :mod:`ocopsite.load.kinds` (from the record cache, or
validated in workers by :mod:`ocopsite.load.bundle`); the checks across records are in
:mod:`ocopsite.load.crosschecks`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ocopsite import cachekey, sitefiles
from ocopsite.diagnostics import Diagnostics
from ocopsite.load import schema as s
from ocopsite.load.bundle import (
    KindWork,
    Loaded,
    checked_folder,
    has_errors,
    validate_one,
)
from ocopsite.load.config import CONFIG_NAME, SiteConfig
from ocopsite.load.crosschecks import check_authorities, check_products, news_slug
from ocopsite.load.events import EVENT_FIELDS, Event, check_events
from ocopsite.load.kinds import bundles_in, load_kind
from ocopsite.load.recordcache import (
    Kept,
    RecordCache,
    Stamp,
    environment,
    stamp_key,
)
from ocopsite.load.records import NEWS_FIELDS, PRODUCER_FIELDS, product_fields
from ocopsite.load.source import LineList
from ocopsite.model import NewsItem, Photo, Producer, Product
from ocopsite.model.ratings import authorities


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


def _claim_cache(cache_dir: Path, diagnostics: Diagnostics) -> bool:
    """Make the cache folder this user's before anything is read from it (see
    :func:`ocopsite.cachekey.claim`), or stop; say so when no key of the user's own can be
    kept, since every build then starts without a cache."""
    if not cachekey.claim(cache_dir):
        diagnostics.error(
            diagnostics.where(cache_dir),
            "this cache folder holds files that were not written by your ocopsite here,"
            " and they cannot be removed",
            "delete the folder (it is always safe to delete), or build a copy of the site",
        )
        return False
    if not cachekey.kept():
        where = cachekey.key_path() or Path("~/.cache/ocopsite") / cachekey.KEY_FILE
        diagnostics.note(
            diagnostics.where(where),
            "no key of your own can be kept here: the cache is not reused between builds",
            "let this user write ~/.cache/ocopsite (or set XDG_CACHE_HOME to a folder of"
            " theirs), with the key file readable by them alone",
        )
    return True


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
    if sitefiles.present(content) and checked_folder(content, config.root, diagnostics) is None:
        return None
    if not content.is_dir():
        diagnostics.error(diagnostics.where(content), "content folder not found")
        return None
    if cache_dir is not None and not _claim_cache(cache_dir, diagnostics):
        return None
    cache = RecordCache(cache_dir, environment(config.root / CONFIG_NAME, config.root), kept)
    stamps: dict[Path, str] = {}
    # Each kind's folders, listed once: the checks across records name them too.
    producer_bundles = bundles_in(content / "producers")
    product_bundles = bundles_in(content / "products")
    producer_names = {bundle.name for bundle in producer_bundles}
    # A folder whose record is invalid was reported already; naming it is not a second error.
    known_products = {bundle.name for bundle in product_bundles}

    producers = {
        bundle.name: item.model
        for bundle, item in load_kind(
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
            Producer,
        )
    }
    product_items = load_kind(
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
        Product,
    )
    products: list[Product] = [item.model for _, item in product_items]
    check_products(product_items, producer_names, diagnostics)
    check_authorities(product_items, producers, diagnostics)

    news = []
    news_slugs: dict[str, Path] = {}
    for bundle, item in load_kind(
        content / "news",
        bundles_in(content / "news"),
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
        slug = news_slug(bundle, item, diagnostics)
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
        load_kind(
            content / "events",
            bundles_in(content / "events"),
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
        real_folder = checked_folder(bundle.parent, config.root, Diagnostics())
        work = KindWork(yaml_name, fields, config, config.root, real_folder)
        _, stamp, item, problems = validate_one(work, Diagnostics(), bundle, None, None)
        if not isinstance(item, Loaded) or stamp is None or has_errors(problems):
            return None
        stamps[bundle] = stamp_key(bundle.name, stamp)
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
    # the issuing body of a rating may come from its producer (see check_authorities)
    checked = {slug for slug in new_products} | {
        p.slug for slug in new_producers for p in edited.products_of(slug)
    }
    for slug in checked:
        product = edited.product_by_slug[slug]
        producer = edited.producers[product.producer]
        if any(body is None for _, body in authorities(product.ocop, producer)):
            return None
    return edited
