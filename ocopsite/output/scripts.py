"""The bundled theme's scripts as the site serves them: minified, local names shortened.

The bundled scripts are written to be read (their comments say why), and a phone on a
slow connection should not download that. calmjs.parse parses each script (ECMAScript
5, the syntax they keep to, with the regular expressions of later versions) and prints
it again without comments or spacing, with every name local to a function shortened.
What a page or a test calls from outside (``window.OcopSearch`` and its functions,
properties, the strings of the index) keeps its name. ``search.js`` is some 13 % smaller
gzipped than with comments and spacing removed alone.

Loading the parser and printing the bundled scripts takes some 0.35 s, and they are the
same for every site, so the bundled theme ships them printed (its ``minified`` folder,
written by ``make minified``; :func:`print_ahead`), each under a hash of the script it was
printed from: a build from nothing, as on a fresh CI runner, loads no parser. A bundled
script edited since it was shipped is printed by the build, once per user and version,
and kept in the user's ocopsite cache folder beside the cache key (see
:mod:`ocopsite.cachekey`), sealed as the site's cache files are
(:mod:`ocopsite.keptfiles`), under a hash of the script and of the code that prints it.
Without a kept key, such scripts are printed by every build. A site's own theme is
served as written (see :func:`served`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from importlib import metadata
from pathlib import Path

from ocopsite import cachekey, files, keptfiles, sitefiles

#: The folder, in the user's ocopsite cache folder, where minified scripts are kept.
FOLDER = "scripts"
#: What prints the scripts: a new version may print them otherwise.
MINIFIER = "calmjs.parse"
#: The folder of a bundled theme, beside ``static``, that ships its scripts printed.
AHEAD = "minified"


def served(name: str, data: bytes, bundled: bool = True, theme: Path | None = None) -> bytes:
    """The file ``name`` holding ``data`` as the site serves it: a bundled theme's
    scripts minified; everything else as it is.

    ``theme``, the bundled theme's folder, may ship the script printed from these very
    bytes (see :func:`print_ahead`): that is served, and nothing is parsed.
    A site's own theme is served as written: it may use syntax newer than the parser
    reads, and nothing of it is checked by ocopsite's tests.
    """
    if not (bundled and name.endswith(".js")):
        return data
    if theme is not None:
        try:
            return sitefiles.read_bytes(ahead_path(theme, name, data), theme)
        except (sitefiles.Refused, OSError):
            pass  # edited since the theme shipped it printed: printed here
    folder = kept_folder()
    if folder is None:
        return minified(data)
    digest = hashlib.sha256(data)
    digest.update(_printer())
    entry = folder / f"{name}.{digest.hexdigest()[:24]}"
    found = keptfiles.kept(entry)
    if found is not None and name in found:
        return found[name]
    script = minified(data)
    with contextlib.suppress(OSError):  # a folder that cannot be written: printed again
        keptfiles.keep(entry, {name: script}, f"{name}.*")
    return script


def ahead_path(theme: Path, name: str, data: bytes) -> Path:
    """Where the bundled theme in ``theme`` ships its script ``name`` printed from ``data``."""
    return theme / AHEAD / f"{name}.{hashlib.sha256(data).hexdigest()[:24]}"


def print_ahead(theme: Path) -> list[Path]:
    """Print every script of the bundled theme in ``theme`` into its :data:`AHEAD` folder,
    each under a hash of its bytes, and delete every other file of that folder (it holds
    nothing else): the files :func:`served` then finds. Returns the files written, in
    order of name."""
    static = theme / "static"
    printed = {
        ahead_path(theme, path.name, data): minified(data)
        for path in sorted(static.glob("*.js"))
        for data in [sitefiles.read_bytes(path, theme)]
    }
    folder = theme / AHEAD
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        if old not in printed:
            old.unlink()
    for path, script in printed.items():
        if not files.same_bytes(path, script):  # an unchanged file keeps its time
            files.write_atomic(path, script)
    return list(printed)


def kept_folder() -> Path | None:
    """Where minified scripts are kept: in the user's cache folder, if there is one."""
    folder = cachekey.user_folder()
    return folder / FOLDER if folder is not None else None


@functools.cache
def _printer() -> bytes:
    """What a script's printed form depends on besides the script: the minifier's
    version and this module."""
    version = f"\0{MINIFIER} {metadata.version(MINIFIER)}\0".encode()
    return version + Path(__file__).read_bytes()


def minified(source: bytes) -> bytes:
    """``source`` (UTF-8 JavaScript) without comments or spacing, its local names short."""
    # imported here: a build that finds its scripts kept never loads the parser
    from calmjs.parse import es5
    from calmjs.parse.unparsers.es5 import minify_print

    program = es5(source.decode("utf-8"))
    return str(minify_print(program, obfuscate=True, obfuscate_globals=False)).encode("utf-8")


if __name__ == "__main__":  # make minified
    from ocopsite.paths import bundled_theme

    for written in print_ahead(bundled_theme()):
        print(written)
