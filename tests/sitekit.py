"""Helpers shared by the tests: copying fixture sites, overlaying invalid cases, serving output."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "tests" / "sites"
INVALID = SITES / "invalid"
#: How Debian's Chromium is started, by the tests and by the benchmark.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The date the fixture sites and the sample site are built at in tests.
SAMPLE_DATE = "2026-11-22"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (tests run in parallel workers)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def copy_site(source: Path, target: Path) -> Path:
    """Copy a site (config, content, templates, themes) without outputs or caches."""
    shutil.copytree(
        source,
        target,
        ignore=shutil.ignore_patterns(
            "public", ".ocopsite-cache", "tests", "bench", ".git", "*.pyc", "node_modules"
        ),
        dirs_exist_ok=True,
    )
    return target


def invalid_site(case: str, target: Path) -> Path:
    """The minimal site with the files of ``tests/sites/invalid/<case>/`` laid over it."""
    copy_site(SITES / "minimal", target)
    overlay = INVALID / case
    for path in overlay.rglob("*"):
        destination = target / path.relative_to(overlay)
        if path.is_symlink():  # symbolic links are laid over as links, never followed
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.unlink(missing_ok=True)
            destination.symlink_to(os.readlink(path))
        elif path.is_file() and path.name != "expected.txt":
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    return target


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` like ``python -m http.server`` on 127.0.0.1; yields the root URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # a short poll lets shutdown() return at once instead of after the default half second
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def strings_environment(lang: str, strings: dict[str, str], templates: dict[str, str]) -> Any:
    """A theme environment of ``templates`` with the UI strings ``strings`` of ``lang``, as
    the renderer makes one (compiled templates cached, autoescape, StrictUndefined)."""
    import jinja2

    from ocopsite.view.i18n import Strings
    from ocopsite.view.themeloader import CompiledTemplates, StringsEnvironment, strings_salt

    env = StringsEnvironment(
        strings,
        loader=jinja2.DictLoader(templates),
        bytecode_cache=CompiledTemplates(strings_salt(strings)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["t"] = Strings(lang, strings)
    return env
