"""Jinja2's template lookup, with every template read through the site's one gate.

Kept apart from :mod:`ocopsite.view.theme` so that a build with nothing to do never
imports Jinja2.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from pathlib import Path
from types import CodeType
from typing import Any, ClassVar

import jinja2
import markupsafe
from jinja2 import meta, nodes
from jinja2.loaders import split_template_path
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, Macro, missing
from jinja2.utils import internalcode, pass_eval_context
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from ocopsite import cachekey, keptfiles, sitefiles


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
    """Compiled templates kept by name and source checksum: for the life of the process,
    and from one build to the next in the user's ocopsite cache folder.

    Compiling the theme costs more than rendering a small catalogue, and the preview
    server (and a test run) builds many times in one process. Jinja's buckets carry a
    checksum of the source, so an edited template is compiled again. Every environment
    of :func:`ocopsite.view.theme.environment` has the same options, which is what makes
    the compiled code of one valid for another.

    Between processes, the code is kept in one file beside the user's cache key (see
    :mod:`ocopsite.cachekey`), never in a site, where a hostile site could plant code: it
    is sealed with the user's key for the Python, libraries and ocopsite that compiled it
    (:func:`~ocopsite.load.recordcache.code_fingerprint`), and read back only if the seal
    is right. :meth:`save` writes it when this process compiled anything. With each
    template's code, the templates it names are kept (see
    :meth:`StringsEnvironment.load_referenced`).
    """

    _compiled: ClassVar[dict[str, tuple[str, CodeType]]] = {}
    #: The templates each template names, by cache key, for those compiled or kept.
    _named: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: The keys of the code compiled by this process and not saved yet.
    _added: ClassVar[set[str]] = set()
    #: The keys of the code this process used: all that is saved when the file is full.
    _used: ClassVar[set[str]] = set()
    #: Whether the kept file was read (once per process).
    _read: ClassVar[bool] = False

    def __init__(self, salt: str = "") -> None:
        #: What the compiled code depends on besides the source: the UI string keys.
        self.salt = salt
        #: The template name of each cache key asked for.
        self.names: dict[str, str] = {}

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        key = hashlib.sha1(
            f"{self.salt}\0{super().get_cache_key(name, filename)}".encode()
        ).hexdigest()
        self.names[key] = name
        return key

    @classmethod
    def read(cls) -> None:
        """Read the kept code, once per process."""
        if not cls._read:
            cls._read = True
            _read_kept(cls._compiled, cls._named)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.read()
        found = self._compiled.get(bucket.key)
        if found is None or found[0] != bucket.checksum:
            return
        bucket.code = found[1]
        self._used.add(bucket.key)
        env, name = bucket.environment, self.names.get(bucket.key)
        named = self._named.get(bucket.key)
        if isinstance(env, StringsEnvironment) and name is not None and named is not None:
            env.references.setdefault(name, set(named))

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.code is None:
            return
        self._compiled[bucket.key] = (bucket.checksum, bucket.code)
        self._added.add(bucket.key)
        self._used.add(bucket.key)
        env, name = bucket.environment, self.names.get(bucket.key)
        if isinstance(env, StringsEnvironment) and name in env.references:
            self._named[bucket.key] = tuple(sorted(env.references[name]))

    @classmethod
    def save(cls) -> None:
        """Keep the code compiled so far for the next process, if any was compiled since
        the last save; when the file holds too many templates, only those this process used
        (other sites' and other versions of their UI strings are compiled again)."""
        if not cls._added:
            return
        keys = set(cls._compiled) if len(cls._compiled) <= KEPT_TEMPLATES else cls._used
        store = {key: (*cls._compiled[key], cls._named.get(key, ())) for key in sorted(keys)}
        entry = _kept_entry()
        if entry is not None:
            with contextlib.suppress(OSError, ValueError):
                keptfiles.keep(entry, {"code": marshal.dumps(store)}, f"{_KEPT_FAMILY}*")
        cls._added.clear()


#: How many compiled templates the kept file holds at most (a theme has some 30 a language).
KEPT_TEMPLATES = 400
_KEPT_FAMILY = "templates."
#: Python's bytecode and marshal formats: the code fingerprint covers Python's version,
#: and these, said outright, cost nothing.
_FORMATS = importlib.util.MAGIC_NUMBER + marshal.version.to_bytes(4, "big")


def _kept_entry() -> Path | None:
    """The file that keeps compiled templates for this Python, its libraries and ocopsite;
    ``None`` without a kept cache key."""
    from ocopsite.load.recordcache import code_fingerprint

    folder = cachekey.user_folder()
    if folder is None:
        return None
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(_FORMATS)
    return folder / f"{_KEPT_FAMILY}{digest.hexdigest()[:24]}"


def _read_kept(
    compiled: dict[str, tuple[str, CodeType]], named: dict[str, tuple[str, ...]]
) -> None:
    """Add the code kept by :meth:`CompiledTemplates.save` to ``compiled`` and ``named``."""
    entry = _kept_entry()
    found = keptfiles.kept(entry) if entry is not None else None
    if not found or "code" not in found:
        return
    try:
        store = marshal.loads(found["code"])
        for key, (checksum, code, names) in store.items():
            if isinstance(code, CodeType):
                compiled.setdefault(key, (checksum, code))
                named.setdefault(key, tuple(names))
    except (EOFError, ValueError, TypeError, AttributeError):
        return


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


# markupsafe's escaping of a plain string, without the Markup around it (its C function).
_escape_text: Callable[[str], str] = getattr(
    markupsafe, "_escape_inner", lambda text: str(markupsafe.escape(text))
)
#: What attribute access finds on a plain dict before its items (see StringsEnvironment.getattr).
_DICT_ATTRIBUTES = frozenset(dir(dict))


def escape_output(value: Any) -> str:
    """What ``{{ value }}`` writes: the text of ``markupsafe.escape(value)``, as a ``str``.

    Jinja's compiled code escapes every value it writes with markupsafe's ``escape``, which
    wraps each result in a ``Markup`` (built in Python) only for it to be joined into the
    page: a product page writes about 50 values. Written output needs the text only.
    """
    if type(value) is str:  # type(), not __class__, which a proxy may fake (as markupsafe does)
        return _escape_text(value)
    if type(value) is Markup:
        return value
    html = getattr(value, "__html__", None)
    if html is not None:
        text = html()
        return text if text.__class__ is str or text.__class__ is Markup else Markup(text)
    return _escape_text(str(value))


class FastMacro(Macro):
    """A macro called with positional arguments, or with keyword arguments that name its
    parameters, is called straight away; any other call goes through Jinja's own
    argument handling, with its errors. Jinja's takes about as long as a small macro's body."""

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self._plain = not (
            self.caller
            or self.catch_kwargs
            or self.catch_varargs
            or self.explicit_caller
            or self._environment.is_async
        )

    @internalcode
    @pass_eval_context
    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if not self._plain:
            return super().__call__(*args, **kwargs)
        given = args
        if args and args[0].__class__ is EvalContext:
            autoescape = args[0].autoescape
            args = args[1:]
        else:
            autoescape = self._default_autoescape
        wanted = self._argument_count
        count = len(args)
        if count < wanted:
            rest = [kwargs.get(name, missing) for name in self.arguments[count:]]
            if len(kwargs) != sum(value is not missing for value in rest):
                return super().__call__(*given, **kwargs)  # an unknown keyword: its error
            args = (*args, *rest)
        elif count > wanted or kwargs:
            return super().__call__(*given, **kwargs)  # too many arguments: its error
        text = self._func(*args)
        return str.__new__(Markup, text) if autoescape else text


class FastContext(Context):
    """Calls a :class:`FastMacro` without asking it, as any callable, whether it wants the
    context passed (it wants the evaluation context, always); and calls the functions the
    environment knows want none (see :meth:`StringsEnvironment.plain_globals`) at once."""

    @internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if __obj.__class__ is not FastMacro:
            if id(__obj) not in __self.environment.plain_calls:  # type: ignore[attr-defined]
                return super().call(__obj, *args, **kwargs)
            if kwargs:
                kwargs.pop("_loop_vars", None)
                kwargs.pop("_block_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )
        if kwargs:
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
        try:
            return __obj(__self.eval_ctx, *args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


class FastTemplate(jinja2.Template):
    """A template whose compiled code writes values with :func:`escape_output` and makes
    its macros :class:`FastMacro`: the same output, with less work per value and call."""

    @classmethod
    def _from_namespace(
        cls,
        environment: jinja2.Environment,
        namespace: MutableMapping[str, Any],
        globals: MutableMapping[str, Any],
    ) -> Any:
        # The code's functions look these names up in the namespace when they run.
        namespace["escape"] = escape_output
        namespace["Macro"] = FastMacro
        return super()._from_namespace(environment, namespace, globals)


class StringsEnvironment(jinja2.Environment):
    """An environment whose templates hold one language's UI strings instead of calling ``t``.

    See :func:`inline_strings`. A renderer makes one such environment per language,
    with that language's strings, and gives it ``t`` for the calls that stay calls.
    Its templates are :class:`FastTemplate` s, rendered in :class:`FastContext` s.
    """

    template_class = FastTemplate
    context_class = FastContext

    def __init__(self, strings: Mapping[str, str], **options: Any) -> None:
        super().__init__(**options)
        self.strings = strings
        #: The templates each template compiled here extends, includes or imports by name.
        self.references: dict[str, set[str]] = {}
        #: The id() of each global function that takes no context (see plain_globals).
        self.plain_calls: set[int] = set()
        #: Every template loaded, by name (see _load_template).
        self.loaded: dict[str, jinja2.Template] = {}

    @internalcode
    def _load_template(
        self, name: str, globals: MutableMapping[str, Any] | None
    ) -> jinja2.Template:
        """Jinja's, with the templates loaded kept in a plain dict when they are never
        reloaded: Jinja looks each one up in its LRU cache, in Python and under a lock,
        every time a page is rendered, extends a template or imports one, some four times
        a page."""
        if globals or self.auto_reload:
            return super()._load_template(name, globals)
        found = self.loaded.get(name)
        if found is None:
            found = self.loaded[name] = super()._load_template(name, globals)
        return found

    def plain_globals(self, **functions: Callable[..., Any]) -> None:
        """Add ``functions`` to the globals, as functions that want no context passed.

        Jinja asks every callable it calls, on every call, whether it wants the
        template's context, its evaluation context or the environment passed: these
        are called as they are. (They are globals: kept alive, their ids stay theirs.)
        """
        for name, function in functions.items():
            wants = getattr(function, "jinja_pass_arg", None) or getattr(
                type(function).__call__, "jinja_pass_arg", None
            )
            if wants is not None:
                raise ValueError(f"{name} wants a context passed: not a plain function")
            self.globals[name] = function
            self.plain_calls.add(id(function))

    def load_referenced(self) -> None:
        """Load every template that a template loaded so far names, and so on, now.

        Jinja loads a template's parent and its includes when the template is first
        rendered: forked workers would each compile them again. A template that cannot be
        loaded is left for rendering to report. Templates whose code came from
        :class:`CompiledTemplates` name what they named when compiled (kept with their
        code), or nothing if compiled by another environment of this process: what they
        name was compiled in this process too, and loads without compiling.
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

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` in a template: Jinja's lookup, which tries the attribute first
        and then the item, but a plain dict's item is looked up first when the dict type has
        no such attribute (Jinja would raise and catch an AttributeError for it)."""
        if obj.__class__ is dict and attribute not in _DICT_ATTRIBUTES:
            found = obj.get(attribute, missing)
            return self.undefined(obj=obj, name=attribute) if found is missing else found
        try:  # Jinja's own, in this frame
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

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


def load_apart(envs: Sequence[StringsEnvironment], names: Iterable[str]) -> None:
    """Load the templates ``names``, and those they name, in every one of ``envs``, now.

    Each language's environment compiles its templates apart (see :func:`inline_strings`),
    and compiling is most of the time a build spends before its workers fork, with one
    core idle. So the later half of ``envs`` compiles in a forked process at the same time
    as the first half here, and sends back its code (by :mod:`marshal`, through a pipe: no
    file is involved), which this process's :class:`CompiledTemplates` then holds, with
    the templates each one names; those environments then load their templates from it,
    without compiling. The code is the same wherever it was compiled. If the other process
    fails, this one compiles what it was to compile. A template that cannot be loaded is
    left for rendering to report.
    """
    wanted = sorted(set(names))

    def load(env: StringsEnvironment) -> None:
        for name in wanted:
            with contextlib.suppress(jinja2.TemplateError):
                env.get_template(name)
        env.load_referenced()

    middle = (len(envs) + 1) // 2
    here, apart = envs[:middle], envs[middle:]
    CompiledTemplates.read()  # before the fork: what is kept is read once
    if not apart or not hasattr(os, "fork"):
        for env in envs:
            load(env)
        CompiledTemplates.save()
        return
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the other process: compile, send the code back, and end at once
        code = 1
        try:
            os.close(readable)
            for env in apart:
                load(env)
            added = CompiledTemplates._added
            compiled = {key: CompiledTemplates._compiled[key] for key in added}
            names_of = {key: CompiledTemplates._named.get(key, ()) for key in added}
            data = marshal.dumps((compiled, names_of, [env.references for env in apart]))
            with open(writable, "wb") as sink:
                sink.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(writable)
    try:
        for env in here:
            load(env)
    finally:
        with open(readable, "rb") as source:
            data = source.read()
        _, status = os.waitpid(pid, 0)
    sent: Any = None
    if os.waitstatus_to_exitcode(status) == 0:
        with contextlib.suppress(EOFError, ValueError, TypeError):
            sent = marshal.loads(data)
    if sent is not None:
        compiled, names_of, references = sent
        for key, found in compiled.items():
            # new code, or code of a template edited since the kept code was compiled
            have = CompiledTemplates._compiled.get(key)
            if have is None or have[0] != found[0]:
                CompiledTemplates._compiled[key] = found
                CompiledTemplates._named[key] = tuple(names_of[key])
                CompiledTemplates._added.add(key)
            CompiledTemplates._used.add(key)
        for env, named in zip(apart, references, strict=True):
            for name, found in named.items():
                env.references.setdefault(name, found)
    for env in apart:
        load(env)
    CompiledTemplates.save()
