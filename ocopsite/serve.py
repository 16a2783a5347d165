"""A preview server for editors: build, serve on 127.0.0.1, rebuild on every change.

It serves the output as a static host would (``/x`` redirects to ``/x/``,
unknown paths get the site's 404 page) and polls the site's files once a
second, which needs no extra dependency and works on every file system.
A failed rebuild prints its errors and keeps serving the last good build.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import os
import posixpath
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import click

from .config import CONFIG_NAME

WATCHED = (CONFIG_NAME, "content", "templates", "themes")


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
    """Serves a built site; answers unknown paths with the site's own 404 page.

    Every request path is normalised (see :func:`request_segments`), and a file is
    served only if its real location is inside the served folder.
    """

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        root = Path(self.directory).resolve()
        target = root.joinpath(*request_segments(path))
        if not _inside(target, root):
            return str(root / ".outside-the-served-folder")  # never exists: a 404
        # The handler tells a folder asked for with a trailing slash by this slash.
        return str(target) + ("/" if _path_part(path).endswith("/") else "")

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
                body = page.read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                return
        super().send_error(code, message, explain)


def _inside(path: Path, root: Path) -> bool:
    """True when ``path``, symbolic links followed, is ``root`` (already resolved) or inside it."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(root)
    except (OSError, ValueError):
        return False


def _snapshot(site: Path, out: Path) -> dict[str, float]:
    stamps: dict[str, float] = {}
    for name in WATCHED:
        top = site / name
        paths = [top] if top.is_file() else (top.rglob("*") if top.is_dir() else [])
        for path in paths:
            if out in path.parents or path.name.startswith("."):
                continue
            try:
                stamps[str(path)] = path.stat().st_mtime
            except OSError:
                continue
    return stamps


def serve(
    site: Path,
    out: Path,
    port: int,
    build_date: dt.date | None,
    run_build: Callable[..., bool],
) -> None:
    """Serve ``out`` on 127.0.0.1:``port`` until interrupted, rebuilding ``site`` on change."""
    site, out = site.resolve(), out.resolve()
    base_url = f"http://127.0.0.1:{port}/"

    def rebuild() -> bool:
        return run_build(
            site, out, base_url=base_url, build_date=build_date, strict=False, quiet=False
        )

    try:
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", port), functools.partial(StaticHandler, directory=str(out))
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
    seen = _snapshot(site, out)
    try:
        while True:
            time.sleep(1)
            now = _snapshot(site, out)
            if now != seen:
                seen = now
                click.echo("change detected, rebuilding…")
                rebuild()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.shutdown()
