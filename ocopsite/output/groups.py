"""Each product's outputs kept as one block between builds.

After an edit, most products' pages (their own, GTIN, lot and label pages, in every
language) and files (QR codes, label sheets, lab documents, linkset) are what the last
build made; planning and keying each of those hundred thousand outputs again took most
of an update's planning. So the manifest (:class:`~ocopsite.output.incremental.Manifest`)
keeps, for each product, the paths of its outputs with a *signature*: a hash of the site
key, the product's slug and folder, and the tokens of what its page shows
(:func:`~ocopsite.render.site.product_shows`: itself and its producer, its related products,
the events it is in). Every output of a product depends on a part of those, and its paths
on the product's record and the site's settings (which the site key covers): a product
whose signature is the one kept has the same outputs with the same keys. They are then
neither planned nor keyed again; their paths and keys are taken from the manifest.

A block is kept only for a product whose every output declares its dependencies, and
whose pages depend on the product alone or on just what the signature covers: a page
that declares anything else (or nothing) is planned and keyed by every build, as before.
What lists products (listings, producers' pages, the search index, ...) is planned by
every build: an edit that moves a product from one listing to another is found there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from ocopsite.load.catalogue import Catalogue
from ocopsite.output.incremental import Keyer, Manifest
from ocopsite.output.manifestfile import Group
from ocopsite.output.plan import Output
from ocopsite.render.site import product_shows


@dataclass
class Reuse:
    """What a build takes from the last one's blocks (see the module's description)."""

    #: Every product's signature, by slug.
    signatures: dict[str, str] = field(default_factory=dict)
    #: The blocks taken as they were, by slug: those products' outputs are not planned.
    kept: dict[str, Group] = field(default_factory=dict)
    #: The keys of the kept blocks' outputs, by path, as the last build recorded them.
    keys: dict[str, str] = field(default_factory=dict)
    #: How many of those outputs are pages.
    pages: int = 0


def signatures(catalogue: Catalogue, keyer: Keyer, site_key: str) -> dict[str, str]:
    """Each product's signature, by slug (see the module's description)."""
    start, shown, sha256 = f"{site_key}\0", keyer.shown, hashlib.sha256
    return {
        product.slug: sha256(
            f"{start}{product.slug}\0{product.bundle}{shown(product_shows(catalogue, product))}"
            .encode("utf-8", "surrogatepass")
        ).hexdigest()[:20]
        for product in catalogue.products
    }  # fmt: skip


def reusable(catalogue: Catalogue, keyer: Keyer, site_key: str, previous: Manifest | None) -> Reuse:
    """The products whose block ``previous`` (made with ``site_key``) holds as it would be
    planned now; none without ``previous``."""
    signed = signatures(catalogue, keyer, site_key)
    reuse = Reuse(signed)
    if previous is None or not previous.groups:
        return reuse
    old, groups = previous.keys.get, previous.groups
    for slug, signature in signed.items():
        group = groups.get(slug)
        if group is None or group[0] != signature:
            continue
        found = list(map(old, group[1]))
        if None in found or "" in found:  # not what this module wrote: planned again
            continue
        reuse.keys.update(zip(group[1], cast(list[str], found), strict=True))
        reuse.kept[slug] = group
        reuse.pages += group[2]
    return reuse


def blocks(
    catalogue: Catalogue,
    keyer: Keyer,
    reuse: Reuse,
    every: Sequence[Output],
    owners: Sequence[str | None],
) -> dict[str, Group]:
    """The blocks of the next manifest: those kept, and those of the products planned now.

    ``owners`` holds the slug of the product each output of ``every`` belongs to (``None``
    for the others). A product planned now gets a block only if each of its outputs
    declares its dependencies, and each of its pages depends on the product alone or on
    what :func:`~ocopsite.render.site.product_shows` gives.
    """
    by_slug = catalogue.product_by_slug
    allowed: dict[str, tuple[str, str]] = {}
    shown: dict[int, str] = {}  # by id() of a ``depends``: the languages of a page share it
    pages: dict[str, list[str]] = {}
    files: dict[str, list[str]] = {}
    refused: set[str] = set()
    for output, slug in zip(every, owners, strict=True):
        if slug is None or slug in refused:
            continue
        depends = output.depends
        if depends is None:
            refused.add(slug)
            continue
        if output.kind != "page":
            files.setdefault(slug, []).extend(output.paths)
            continue
        if slug not in allowed:
            product = by_slug[slug]
            allowed[slug] = (keyer.shown([product]), keyer.shown(product_shows(catalogue, product)))
        tokens = shown.get(id(depends))
        if tokens is None:
            tokens = shown[id(depends)] = keyer.shown(depends())
        if tokens not in allowed[slug]:
            refused.add(slug)
            continue
        pages.setdefault(slug, []).extend(output.paths)
    made = dict(reuse.kept)
    for slug, paths in pages.items():
        if slug not in refused:
            more = files.get(slug, [])
            made[slug] = (reuse.signatures[slug], (*paths, *more), len(paths))
    return made
