"""The bundled theme's scripts as the site serves them: minified, local names shortened.

The bundled scripts are written to be read (their comments say why), and a phone on a
slow connection should not download that. calmjs.parse parses each script (ECMAScript
5, the syntax they keep to, with the regular expressions of later versions) and prints
it again without comments or spacing, with every name local to a function shortened.
What a page or a test calls from outside (``window.OcopSearch`` and its functions,
properties, the strings of the index) keeps its name. ``search.js`` is some 13 % smaller
gzipped than with comments and spacing removed alone.

Printing a parsed script takes some 0.2 s, and the bundled scripts are the same for
every site: each is printed once per user and version, and kept in the user's ocopsite
cache folder beside the cache key (see :mod:`ocopsite.cachekey`), sealed as the site's
cache files are (:mod:`ocopsite.keptfiles`), under a hash of the script and of the code
that prints it. Without a kept key, scripts are printed by every build. A site's own
theme is served as written (see :func:`served`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from importlib import metadata
from pathlib import Path

from ocopsite import cachekey, keptfiles

#: The folder, in the user's ocopsite cache folder, where minified scripts are kept.
FOLDER = "scripts"
#: What prints the scripts: a new version may print them otherwise.
MINIFIER = "calmjs.parse"


def served(name: str, data: bytes, bundled: bool = True) -> bytes:
    """The file ``name`` holding ``data`` as the site serves it: a bundled theme's
    scripts minified; everything else as it is.

    A site's own theme is served as written: it may use syntax newer than the parser
    reads, and nothing of it is checked by ocopsite's tests.
    """
    if not (bundled and name.endswith(".js")):
        return data
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
