"""The page open in the preview, published as soon as it can be rendered.

When an editor saves a product's or a producer's files, the preview server
knows which files changed (its watcher tells) and which pages are open. If an
open page is a page of the edited record, :func:`publish_viewed` validates just
that record again, renders just that page with the last build's catalogue (the
record replaced), theme, strings and photos, and publishes it, so that the
browser reloads it before the rebuild has even loaded the catalogue. The full
rebuild runs right after and makes every output, that page included, exactly
as a clean build would: if it renders the page to other bytes, the browser
reloads it once more, and if it fails, :func:`undo` puts the page back.

Whenever this cannot be sure to render the page as the full build will, it
publishes nothing and the full build alone runs: a change to the config, the
theme or templates, or to any file that is not a record's YAML or Markdown (a
photo, a document); a record folder added or removed; a record with an error;
a product given another producer or GTIN (the checks across records must run);
news and events (their pages list other records); and a page that is not the
edited record's own (a listing). A page published here is recorded in the
manifest with no key (and the manifest on disk dropped), so that whatever
happens to the build after it, the next build makes that page again.
"""

from __future__ import annotations

from pathlib import Path

from ocopsite.load.catalogue import RELOADABLE, reload_bundles
from ocopsite.load.config import SiteConfig
from ocopsite.load.fingerprint import forget as forget_fingerprint
from ocopsite.model import Producer, Product
from ocopsite.output import journal
from ocopsite.output.incremental import Manifest, Resident
from ocopsite.output.incremental import forget as forget_manifest
from ocopsite.output.staging import MARKER
from ocopsite.render.renderer import Renderer
from ocopsite.render.site import record_pages

#: The files of a record folder whose edit this can follow, besides ``<lang>.md``.
RECORD_FILES = RELOADABLE
#: Kinds of file that pages show or link: a change to one goes through the full build.
SHOWN_FILES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".pdf")


def edited_records(changes: frozenset[Path], config: SiteConfig) -> set[Path]:
    """The record folders that ``changes`` edited, or an empty set if any change is not
    the edit of a product's or producer's YAML or Markdown text (see the module).

    A file that no longer exists and is none of those (an editor's temporary file)
    changes no record.
    """
    content = config.content_dir
    texts = {f"{lang}.md" for lang in config.languages}
    bundles: set[Path] = set()
    for path in changes:
        if content not in path.parents:  # the config, the theme, templates
            return set()
        parts = path.relative_to(content).parts
        if len(parts) != 3 or parts[0] not in RECORD_FILES:
            return set()  # a record folder itself (added, removed), or a file deeper in one
        name = parts[2]
        if name != RECORD_FILES[parts[0]] and name not in texts:
            if path.exists() or path.suffix.lower() in SHOWN_FILES:
                return set()
            continue
        bundles.add(content / parts[0] / parts[1])
    return bundles


def publish_viewed(resident: Resident, out: Path, options: tuple[object, ...]) -> bool:
    """Publish the open pages of the records just edited, ahead of the full build; True if
    any was. ``options`` are the build's; the last build must have had the same ones."""
    last, held = resident.last, resident.manifest
    if last is None or held is None or held[0] != out or last.options != options:
        return False
    if not (out / MARKER).is_file():  # the output folder was deleted: the build makes it anew
        return False
    viewed = resident.viewed()
    bundles = edited_records(resident.changed_since_last(), last.catalogue.config)
    if not viewed or not bundles:
        return False
    catalogue = reload_bundles(last.catalogue, bundles)
    if catalogue is None:
        return False
    records: list[Product | Producer] = [p for p in catalogue.products if p.bundle in bundles]
    records += [p for p in catalogue.producers.values() if p.bundle in bundles]
    renderer = Renderer(
        catalogue, last.theme, last.strings, last.urls, last.renditions, last.assets
    )
    pages: dict[str, bytes] = {}
    try:
        for record in records:
            for spec in record_pages(catalogue, record):
                for lang in renderer.views:
                    path = last.urls.output_path(spec.route, lang)
                    if path in viewed:
                        pages[path] = renderer.render(spec, lang).encode("utf-8")
    except Exception:  # a template error, a photo the last build did not plan: the full
        return False  # build reports it, or makes the page with what it needs
    if not pages or resident.stop.is_set():
        return False
    journal.replay(out)
    before = {rel: _read(out / rel) for rel in pages}
    _, site_key, manifest = held
    # No key: whatever happens to the build after this, the next one makes these pages
    # again. On disk, the manifest is dropped (rewriting it takes a second at national
    # scale): until the build after this one saves it again, another process builds in full.
    keys, digests = dict(manifest.keys), dict(manifest.digests)
    for rel in pages:
        keys[rel] = ""
        digests.pop(rel, None)
    resident.remember(last.cache_dir, out, site_key, Manifest(keys, digests), on_disk=False)
    forget_manifest(last.cache_dir)
    forget_fingerprint(last.cache_dir)  # the output no longer matches the last build's inputs
    update = journal.Update(out)
    try:
        for rel, data in pages.items():
            update.put(rel, data)
        update.commit()
    except BaseException:
        update.discard()
        raise
    # what the last good build held, if a build superseded since has not said already
    resident.undo = {**before, **resident.undo}
    resident.early = {}
    resident.pages_live()
    resident.early = pages
    return True


def undo(resident: Resident, out: Path) -> None:
    """Put back the pages :func:`publish_viewed` published, after the build that followed
    failed without publishing anything: those pages then hold what they held before. If a
    build superseded in between had published steps of its own, those stay, as any
    published step does. (Their manifest entries have no key, so the next build makes
    them again.)"""
    pages, published, resident.undo, resident.early = resident.undo, resident.early, {}, {}
    if not pages or not published:  # the build published its first step: that stays
        return
    update = journal.Update(out)
    try:
        for rel, data in pages.items():
            if data is None:
                update.delete([rel])
            else:
                update.put(rel, data)
        update.commit()
    except BaseException:
        update.discard()
        raise


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
