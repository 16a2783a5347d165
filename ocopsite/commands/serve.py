"""A preview server for editors: build, serve on 127.0.0.1, rebuild on change, reload the browser.

It serves the output as a static host would (``/x`` redirects to ``/x/``,
unknown paths get the site's 404 page). The process stays resident between
rebuilds, and hands every build the same :class:`~ocopsite.output.incremental.Resident`:
its modules, compiled templates, validated records and the manifest of the
output stay in memory, so a rebuild parses only the bundles whose files
changed and, like every build after the first, renders and writes only the
outputs whose declared dependencies changed. watchfiles (inotify and its
equivalents) says what changed, instead of polling every file.

Every HTML page it sends carries a small script that waits on
``/__ocopsite/events`` (server-sent events) and reloads the page as soon as a
rebuild has published the pages it changed: the files that sum up the whole
site (search index, feeds, open data, offline pack) are made and published
right after, while the browser reloads. The script is added as the page is
sent: the built files never contain it. A failed rebuild prints its errors,
keeps serving the last good build and reloads nothing.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import http.server
import os
import posixpath
import threading
import urllib.parse
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import click

from ocopsite.output import preview
from ocopsite.output.incremental import Resident
from ocopsite.paths import CACHE_DIR, CONFIG_NAME

#: Seconds a rebuild leaves the cores to the reloading browser once the open pages are
#: published; a change saved meanwhile (an editor saving as one types) stops it at once.
RELOAD_PAUSE = 0.3
WATCHED = (CONFIG_NAME, "content", "templates", "themes")
EVENTS = "/__ocopsite/events"
#: Added before ``</body>`` of every page served; ``{since}`` is the build the page comes from.
#: Once listening, it marks the page ``<html data-live>``.
#: The stream names the page it reloads, so that a rebuild can publish that page first.
RELOAD_SCRIPT = (
    '<script>(function(){{var s=new EventSource("' + EVENTS + '?since={since}&page="'
    "+encodeURIComponent(location.pathname));"
    "s.onopen=function(){{document.documentElement.dataset.live=''}};"
    "s.onmessage=function(){{location.reload()}}}})()</script>"
)


class Builds:
    """How many builds have succeeded; event streams wait here for the next one.

    It also counts the pages whose streams are open, by output path (see :meth:`viewed`).
    """

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()
        self.watching: collections.Counter[str] = collections.Counter()

    def viewed(self) -> frozenset[str]:
        """The output paths of the pages open in a browser (those waiting for a reload)."""
        with self.changed:
            return frozenset(path for path, streams in self.watching.items() if streams > 0)

    def succeeded(self) -> None:
        with self.changed:
            self.count += 1
            self.changed.notify_all()

    def wait_after(self, seen: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.count > seen, timeout)
            return self.count


def output_path(page: str) -> str:
    """The output file a page's address is served from: ``/a/b/`` is ``a/b/index.html``."""
    rel = "/".join(request_segments(page))
    return rel if rel.endswith(".html") else f"{rel}/index.html".lstrip("/")


def _path_part(raw: str) -> str:
    """The request target without its query and fragment (``//x`` is a path here, not a host)."""
    return raw.split("?", 1)[0].split("#", 1)[0]


def request_segments(raw: str) -> list[str]:
    """The segments of a request's path, decoded, with ``.``, ``..`` and empty ones dropped.

    ``/../x``, ``/a/%2e%2e/x`` and ``//x`` can name nothing above the served folder.
    """
    path = urllib.parse.unquote(_path_part(raw), errors="surrogatepass")
    path = posixpath.normpath(path)  # as http.server does: /a/b/../c is /a/c
    return [part for part in path.split("/") if part not in ("", ".", "..") and "\\" not in part]


class StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a built site with live reload; answers unknown paths with the site's 404 page.

    Every request path is normalised (see :func:`request_segments`), and a file is
    served only if its real location is inside the served folder.
    """

    #: The builds that pages wait on; without it, pages are served as built (no live reload).
    builds: Builds | None = None

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        root = Path(self.directory).resolve()
        target = root.joinpath(*request_segments(path))
        if not _inside(target, root):
            return str(root / ".outside-the-served-folder")  # never exists: a 404
        # The handler tells a folder asked for with a trailing slash by this slash.
        return str(target) + ("/" if _path_part(path).endswith("/") else "")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == EVENTS and self.builds is not None:
            query = parse_qs(url.query)
            since = query.get("since", ["0"])[0]
            page = output_path(query.get("page", ["/"])[0])
            self._events(int(since) if since.isdigit() else 0, page)
            return
        target = Path(self.translate_path(self.path))
        if target.is_dir() and url.path.endswith("/"):
            target = target / "index.html"
        root = Path(self.directory).resolve()
        if target.suffix == ".html" and target.is_file() and _inside(target, root):
            self._send_page(200, target.read_bytes())
            return
        super().do_GET()

    def _send_page(self, status: int, html: bytes) -> None:
        body = html
        if self.builds is not None:
            script = RELOAD_SCRIPT.format(since=self.builds.count).encode()
            body = html.replace(b"</body>", script + b"</body>", 1)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _events(self, since: int, page: str) -> None:
        builds = self.builds
        assert builds is not None
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        with builds.changed:
            builds.watching[page] += 1
        try:
            while True:
                now = builds.wait_after(since, timeout=15)
                # a comment line keeps the stream open; a message makes the page reload
                self.wfile.write(b"data: reload\n\n" if now > since else b": waiting\n\n")
                self.wfile.flush()
                since = now
        except OSError:  # the page went away
            return
        finally:
            with builds.changed:
                builds.watching[page] -= 1

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == 404:
            root = Path(self.directory).resolve()
            segments = request_segments(self.path)
            localised = root / segments[0] / "404.html" if segments else None
            page = (
                localised
                if localised is not None and localised.is_file() and _inside(localised, root)
                else root / "404.html"
            )
            if page.is_file() and _inside(page, root):
                self._send_page(404, page.read_bytes())
                return
        super().send_error(code, message, explain)


def _inside(path: Path, root: Path) -> bool:
    """True when ``path``, symbolic links followed, is ``root`` (already resolved) or inside it."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(root)
    except (OSError, ValueError):
        return False


def _watched(site: Path, out: Path) -> Callable[[object, str], bool]:
    """A watchfiles filter: the site's inputs, not its output, cache or hidden files."""
    ignored = (out, site / CACHE_DIR)
    roots = tuple(site / name for name in WATCHED)

    def keep(_change: object, path: str) -> bool:
        changed = Path(path)
        if any(part.startswith(".") for part in changed.relative_to(site).parts):
            return False
        if any(changed == d or d in changed.parents for d in ignored):
            return False
        return any(changed == r or r in changed.parents for r in roots)

    return keep


def rebuild_resident(
    resident: Resident, out: Path, options: tuple[object, ...], run_build: Callable[[], bool]
) -> bool:
    """One rebuild of the preview server: the open page of an edited record first, when it
    can be (see :mod:`ocopsite.output.preview`), then ``run_build``, which reports its problems
    and says whether it succeeded. ``options`` are the build's (base URL, date, strict).

    If the build fails (rather than giving way to a newer change) before publishing
    anything, the page published first is put back: the last good build stays served.
    """
    # Only a head start: whatever goes wrong here (writing the output, say) is met by the
    # build too, which reports it.
    with contextlib.suppress(Exception):
        preview.publish_viewed(resident, out, options)
    built = run_build()
    if not built and not resident.stop.is_set():
        preview.undo(resident, out)
    return built


def serve(
    site: Path,
    out: Path,
    port: int,
    build_date: dt.date | None,
    run_build: Callable[..., bool],
) -> None:
    """Serve ``out`` on 127.0.0.1:``port`` until interrupted, rebuilding ``site`` on change."""
    import watchfiles

    site, out = site.resolve(), out.resolve()
    base_url = f"http://127.0.0.1:{port}/"
    builds = Builds()
    # reload the open pages as soon as they are published, and let them load before the rest
    resident = Resident(builds.succeeded, builds.viewed, pause=RELOAD_PAUSE)

    def rebuild() -> bool:
        return rebuild_resident(
            resident,
            out,
            (base_url, build_date, False),
            partial(
                run_build,
                site,
                out,
                base_url=base_url,
                build_date=build_date,
                strict=False,
                quiet=False,
                resident=resident,
            ),
        )

    handler = type("Handler", (StaticHandler,), {"builds": builds})
    try:
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", port), functools.partial(handler, directory=str(out))
        )
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on 127.0.0.1:{port} ({exc.strerror}); choose another with --port"
        ) from None
    if not rebuild() and not out.is_dir():
        out.mkdir(parents=True)  # an empty site until a build succeeds
        click.echo("fix the errors above; the site appears once a build succeeds", err=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    click.echo(f"Serving {out} at {base_url} (Ctrl+C to stop)")
    # Rebuilds run beside the watcher: a change that comes in while one runs stops it
    # between two chunks of outputs (what it published stays), then a new one starts.
    building: threading.Thread | None = None

    def stop_building() -> None:
        if building is not None:
            resident.stop.set()
            building.join()
            resident.stop.clear()

    try:
        for changes in watchfiles.watch(
            site, watch_filter=_watched(site, out), debounce=50, step=20, rust_timeout=0
        ):
            resident.saw(Path(path) for _change, path in changes)
            stop_building()
            click.echo("change detected, rebuilding…")
            building = threading.Thread(target=rebuild, name="rebuild", daemon=True)
            building.start()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        stop_building()
        server.shutdown()
