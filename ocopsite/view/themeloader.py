"""Jinja2's template lookup, with every template read through the site's one gate.

Kept apart from :mod:`ocopsite.view.theme` so that a build with nothing to do never
imports Jinja2.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from types import CodeType
from typing import Any, ClassVar

import jinja2
from jinja2 import meta, nodes
from jinja2.loaders import split_template_path
from jinja2.visitor import NodeTransformer

from ocopsite import sitefiles


class TemplateRefused(jinja2.TemplateError):
    """A template file that :mod:`ocopsite.sitefiles` refuses to read."""


class ContainedLoader(jinja2.BaseLoader):
    """Looks a template up in ``folders`` in order; reads it only if it lies in ``roots``."""

    def __init__(self, folders: tuple[Path, ...], roots: tuple[Path, ...]) -> None:
        self.folders = folders
        self.roots = roots

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.folders:
            path = folder.joinpath(*pieces)
            if not sitefiles.present(path):
                continue
            try:
                source = sitefiles.read_bytes(path, self.roots).decode("utf-8")
            except sitefiles.Refused as refused:
                raise TemplateRefused(f"{template} {refused.message}") from None
            # Environments do not reload templates (auto_reload is off): always up to date.
            return source, str(path), lambda: True
        raise jinja2.TemplateNotFound(template)


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process, by name and source checksum.

    Compiling the theme costs more than rendering a small catalogue, and the preview
    server (and a test run) builds many times in one process. Jinja's buckets carry a
    checksum of the source, so an edited template is compiled again. Only code compiled
    in this process is reused: code is never loaded from disk, where a hostile site
    folder could plant it. Every environment of :func:`ocopsite.view.theme.environment` has
    the same options, which is what makes the compiled code of one valid for another.
    """

    _compiled: ClassVar[dict[str, tuple[str, CodeType]]] = {}

    def __init__(self, salt: str = "") -> None:
        #: What the compiled code depends on besides the source: the UI string keys.
        self.salt = salt

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha1(
            f"{self.salt}\0{super().get_cache_key(name, filename)}".encode()
        ).hexdigest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = self._compiled.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.code is not None:
            self._compiled[bucket.key] = (bucket.checksum, bucket.code)


#: The name under which templates call for a UI string: ``t('key')`` or ``t('key', n=3)``.
STRING_FUNCTION = "t"


def strings_salt(strings: Mapping[str, str]) -> str:
    """A digest of UI strings: the compiled code of a template holds them (see
    :func:`inline_strings`), so code compiled with other strings is other code."""
    digest = hashlib.sha1()
    for key, text in sorted(strings.items()):
        digest.update(f"{key}\0{text}\0".encode())
    return digest.hexdigest()


def inline_strings(tree: nodes.Template, strings: Mapping[str, str]) -> nodes.Template:
    """``tree`` with each ``t('key')`` call replaced by the text of ``key`` in ``strings``.

    A product page asks for about 60 UI strings, the same on every page of a language.
    As constants, Jinja escapes them once, when it compiles the template, and joins
    them to the markup around them, where a call (or a lookup) is made, escaped and
    yielded on every page. So each language's templates are compiled apart. Only a
    call with one literal key and no values is replaced, only for a key in ``strings``
    (a missing one still fails when rendered, with its message), and never in a
    template that gives the name ``t`` a meaning of its own (a variable, a parameter,
    an import).
    """
    for name in tree.find_all(nodes.Name):
        if name.name == STRING_FUNCTION and name.ctx in ("store", "param"):
            return tree
    for imported in tree.find_all(nodes.Import):
        if imported.target == STRING_FUNCTION:
            return tree
    for from_import in tree.find_all(nodes.FromImport):
        for imported_name in from_import.names:
            alias = imported_name if isinstance(imported_name, str) else imported_name[1]
            if alias == STRING_FUNCTION:
                return tree

    class Constants(NodeTransformer):
        def visit_Call(self, call: nodes.Call) -> nodes.Node:
            self.generic_visit(call)
            callee, args = call.node, call.args
            if (
                isinstance(callee, nodes.Name)
                and callee.name == STRING_FUNCTION
                and len(args) == 1
                and isinstance(args[0], nodes.Const)
                and args[0].value in strings
                and not (call.kwargs or call.dyn_args or call.dyn_kwargs)
            ):
                return nodes.Const(strings[args[0].value], lineno=call.lineno)
            return call

    result: nodes.Template = Constants().visit(tree)
    return result


class StringsEnvironment(jinja2.Environment):
    """An environment whose templates hold one language's UI strings instead of calling ``t``.

    See :func:`inline_strings`. A renderer makes one such environment per language,
    with that language's strings, and gives it ``t`` for the calls that stay calls.
    """

    def __init__(self, strings: Mapping[str, str], **options: Any) -> None:
        super().__init__(**options)
        self.strings = strings
        #: The templates each template compiled here extends, includes or imports by name.
        self.references: dict[str, set[str]] = {}

    def load_referenced(self) -> None:
        """Load every template that a template loaded so far names, and so on, now.

        Jinja loads a template's parent and its includes when the template is first
        rendered: forked workers would each compile them again. A template that cannot be
        loaded is left for rendering to report. Templates whose code came from the
        process's :class:`CompiledTemplates` were not compiled here, and name none: what
        they name was compiled in this process too, and loads without compiling.
        """
        seen: set[str] = set()
        todo = [name for names in self.references.values() for name in names]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            with contextlib.suppress(jinja2.TemplateError):
                self.get_template(name)
            todo.extend(self.references.get(name, ()))

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """The environment's own globals, for a template given none of its own (as here).

        Jinja lays a template's globals over the environment's in a ``ChainMap``, which
        every render and every ``{% import %}`` then walks, in Python: about 20 µs a page.
        The environment's dict keeps what the chain is for, changes to the environment's
        globals showing in every template. A template given globals of its own gets its
        chain, as in Jinja.
        """
        if not d:
            return self.globals
        return super().make_globals(d)

    def compile(
        self,
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if isinstance(source, str):
            source = inline_strings(self.parse(source, name, filename), self.strings)
        if name is not None:
            self.references[name] = {
                found for found in meta.find_referenced_templates(source) if found is not None
            }
        if raw:
            return super().compile(source, name, filename, True, defer_init)
        return super().compile(source, name, filename, False, defer_init)
