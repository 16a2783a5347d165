"""Reading what the user wrote: text files and YAML that remembers its line numbers.

This is the *load* stage. It trusts nothing: a file may be huge, not UTF-8,
broken YAML, or a YAML alias bomb. Each of those becomes a diagnostic, never
an exception that escapes.

YAML mappings load as :class:`LineDict` and sequences as :class:`LineList`, so
that later stages can point at the line of a key or an item.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from ocopsite import sitefiles
from ocopsite.diagnostics import Diagnostics

#: A record file larger than this is refused before it is parsed.
MAX_RECORD_BYTES = 256 * 1024
#: How many values a YAML document may expand to once aliases are followed.
MAX_EXPANDED_NODES = 50_000

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT = "tag:yaml.org,2002:int"


class RecordLoader(_SafeLoader):
    """PyYAML's safe loader (libyaml's parser where there is one) reading whole numbers as
    people write them in records. YAML 1.1 reads digits with a leading zero in octal, or
    not, by whether an 8 or 9 is in them (a lot code 012345 is 5349, a phone number
    0243123456 is 42772270), and digits with colons in base 60 (7:30 is 450): those are
    text here. Every reader of records, the build's and the import's, uses this one.
    An explicit ``!!int`` is read as YAML reads it."""


RecordLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _INT]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
RecordLoader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?(?:0|[1-9][0-9_]*))$"),
    list("-+0123456789"),
)
_BaseLoader: type = RecordLoader


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows the line of itself, of each key and of each value."""

    line: int
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def value_line(self, key: Any) -> int:
        line = self.value_lines.get(key)
        return line if line is not None else self.key_line(key)


class LineList(list[Any]):
    """A sequence from YAML that knows the line of itself and of each item."""

    line: int
    item_lines: list[int]

    def item_line(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class InvalidDate(str):
    """A scalar that looks like a date but is not one (``2024-02-30``); validation reports it."""


_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_MAP = _TAG + "map"
_SEQ = _TAG + "seq"
_TIMESTAMP = _TAG + "timestamp"
_MERGE = _TAG + "merge"
#: Scalar tags a record may carry, explicitly or implicitly, with the name shown in messages.
_SCALAR_TAGS = {
    _TAG + "int": "a whole number",
    _TAG + "float": "a number",
    _TAG + "bool": "a yes/no value",
    _TAG + "null": "empty",
}
#: How deep mappings and lists may nest.
MAX_DEPTH = 100
#: A document with fewer characters that can open a collection than this cannot nest deep
#: enough to endanger libyaml's recursive composer (which overflows the C stack somewhere
#: past 10,000 levels), so it skips the scan of its events for depth.
_SHALLOW_ENOUGH = 2_000
#: Whole numbers have at most this many digits: prices, quantities and GTINs need fewer.
MAX_DIGITS = 18
#: Characters no text may contain: C0 controls except tab and line breaks, DEL, C1 controls.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _TooLarge(Exception):
    """The document expands past the limit, or nests past MAX_DEPTH."""


class _Refused(Exception):
    """A value the loader refuses, at a line of the file, with a hint for the user."""

    def __init__(self, line: int, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def control_character_problem(text: str) -> tuple[int, int, str] | None:
    """The (line, column, description) of the first control character in ``text``, if any."""
    found = CONTROL_RE.search(text)
    if found is None:
        return None
    before = text[: found.start()]
    line = before.count("\n") + 1
    column = found.start() - (before.rfind("\n") + 1) + 1
    return line, column, f"U+{ord(found.group()):04X}"


class _Builder:
    """Turns a composed YAML node tree into LineDict/LineList/scalars.

    libyaml composes the tree in C; this walk replaces PyYAML's generic Python
    constructor (three times slower here) and counts every value it builds,
    merged keys (``<<``) included, so a document whose aliases or merges expand
    past ``limit`` values is stopped while being built instead of in a separate
    pass. It refuses what PyYAML would accept silently or crash on: duplicate
    keys, tags it does not know or that do not fit their value, numbers too
    long to be real, and control characters written as escapes in quoted text.
    """

    def __init__(self, loader: Any, limit: int, check_escapes: bool) -> None:
        self.loader = loader
        self.limit = limit
        self.count = 0
        self.scalars = loader.yaml_constructors
        self.check_escapes = check_escapes

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > self.limit or depth > MAX_DEPTH:
            raise _TooLarge
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag in (_STR, _MERGE):
                control = self.check_escapes and CONTROL_RE.search(node.value)
                if control:
                    raise _Refused(
                        _line(node),
                        f"text contains the control character U+{ord(control.group()):04X}",
                        "remove the escape (such as \\0 or \\x07) from the quoted text",
                    )
                return node.value
            if tag == _TIMESTAMP:
                return self._timestamp(node)
            return self._scalar(node, tag)
        if isinstance(node, yaml.SequenceNode):
            if tag != _SEQ:
                raise self._unsupported_tag(node, "list")
            return self._sequence(node, depth)
        if tag != _MAP or not isinstance(node, yaml.MappingNode):
            raise self._unsupported_tag(node, "mapping")
        return self._mapping(node, depth)

    def _timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.loader.construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return InvalidDate(node.value)  # shaped like a date: validation says what is wrong
        except (AttributeError, TypeError):
            raise _Refused(
                _line(node),
                f"'{_short(node.value)}' is tagged !!timestamp but is not a date",
                "write a date as YYYY-MM-DD, without a tag",
            ) from None

    def _scalar(self, node: yaml.ScalarNode, tag: str) -> Any:
        name = _SCALAR_TAGS.get(tag)
        if name is None:
            raise self._unsupported_tag(node, "value")
        value = node.value
        if tag == _TAG + "int" and len(value.lstrip("+-").replace("_", "")) > MAX_DIGITS:
            raise _Refused(
                _line(node),
                f"a number {len(value):,} characters long is too large "
                f"(at most {MAX_DIGITS} digits)",
                "check for a pasted value; codes such as GTINs can be written as quoted text",
            )
        try:
            built = self.scalars[tag](self.loader, node)
        except (ValueError, KeyError, IndexError, AttributeError, TypeError, OverflowError):
            raise _Refused(
                _line(node),
                f"'{_short(value)}' is tagged {_shown(tag)} but is not {name}",
                "remove the tag (!!...) and write the value plainly",
            ) from None
        if isinstance(built, int) and not isinstance(built, bool) and abs(built) >= 10**MAX_DIGITS:
            raise _Refused(_line(node), f"the number {_short(value)} is too large")
        return built

    def _unsupported_tag(self, node: yaml.Node, kind: str) -> _Refused:
        return _Refused(
            _line(node),
            f"the tag {_shown(str(node.tag))} on a {kind} is not supported",
            "records use plain text, numbers, dates, lists and mappings: remove the tag",
        )

    def _sequence(self, node: yaml.SequenceNode, depth: int) -> LineList:
        items = LineList()
        inner = depth + 1
        plain = not self.check_escapes and inner <= MAX_DEPTH  # as in _mapping
        for child in node.value:
            if plain and child.tag == _STR and isinstance(child, yaml.ScalarNode):
                self.count += 1
                if self.count > self.limit:
                    raise _TooLarge
                items.append(child.value)
            else:
                items.append(self.build(child, inner))
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items

    def _mapping(self, node: yaml.MappingNode, depth: int) -> LineDict:
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        key_lines: dict[Any, int] = {}
        value_lines: dict[Any, int] = {}
        mapping.key_lines = key_lines
        mapping.value_lines = value_lines
        merges: list[tuple[yaml.Node, Any]] = []
        inner = depth + 1
        # Most keys and values are plain text: they are taken here as :meth:`build` would
        # take them (counted, and refused past the limits), without a call for each, which
        # was a third of building a record. Text with escapes takes the full way.
        plain = not self.check_escapes and inner <= MAX_DEPTH
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    _line(key_node),
                    "a key must be a plain value, not a list or mapping",
                    "write key: value, with a word or number as the key",
                )
            tag = key_node.tag
            if tag == _MERGE:
                merges.append((value_node, self.build(value_node, inner)))
                continue
            if plain and tag == _STR:
                self.count += 1
                if self.count > self.limit:
                    raise _TooLarge
                key = key_node.value
            else:
                key = self.build(key_node, inner)
            if key in key_lines:
                raise _Refused(
                    _line(key_node),
                    f"duplicate key '{_short(str(key))}' (first on line {key_lines[key]})",
                    "a key may appear once in a mapping: keep one of them",
                )
            if plain and value_node.tag == _STR and isinstance(value_node, yaml.ScalarNode):
                self.count += 1
                if self.count > self.limit:
                    raise _TooLarge
                mapping[key] = value_node.value
            else:
                mapping[key] = self.build(value_node, inner)
            key_lines[key] = key_node.start_mark.line + 1
            value_lines[key] = value_node.start_mark.line + 1
        for value_node, merged in merges:
            self._merge(mapping, value_node, merged)
        return mapping

    def _merge(self, mapping: LineDict, value_node: yaml.Node, merged: Any) -> None:
        """Add the keys of ``merged`` (a mapping or a list of them) that ``mapping`` lacks."""
        sources = merged if isinstance(merged, LineList) else [merged]
        for source in sources:
            if not isinstance(source, LineDict):
                raise _Refused(
                    _line(value_node),
                    "a merge (<<) takes a mapping or a list of mappings",
                    "write <<: *anchor, where &anchor names a mapping",
                )
            for key, value in source.items():
                self.count += 1
                if self.count > self.limit:
                    raise _TooLarge
                if key not in mapping:
                    mapping[key] = value
                    mapping.key_lines[key] = source.key_line(key)
                    mapping.value_lines[key] = source.value_line(key)


def _shown(tag: str) -> str:
    """A tag as it is written in YAML: ``!!int`` for the standard ones."""
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _too_deep(loader: Any) -> int | None:
    """The line where the document's nesting first passes MAX_DEPTH, from its events.

    Parsing events is iterative in libyaml, unlike composing, so this is safe on
    any input; a syntax error is left for the composer to report.
    """
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return int(event.start_mark.line) + 1 if event.start_mark else 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def read_text(
    path: Path | str,
    diagnostics: Diagnostics,
    max_bytes: int = MAX_RECORD_BYTES,
    *,
    root: Path | None = None,
    parent: Path | None = None,
    folder: int | None = None,
) -> str | None:
    """Read ``path`` as UTF-8 text, or report why not and return ``None``.

    The file must lie inside ``root`` (by default its own folder), symbolic links
    followed: see :mod:`ocopsite.sitefiles`; ``parent`` is the real location of
    its folder when the caller has checked it already. Refuses files over
    ``max_bytes`` without reading them, files that are not valid UTF-8 (pointing
    at the line of the first bad byte) and files holding control characters.

    With ``folder``, an :func:`~ocopsite.sitefiles.open_folder` of ``parent``, the file
    is opened by its name there (see :func:`~ocopsite.sitefiles.read_in`), and a file
    that does not exist raises ``FileNotFoundError``, unreported: the caller says what
    its absence means, without asking first whether it is there.
    """
    # where(path) is worked out only for a problem: a load reads three files per record
    data = b""
    try:
        if folder is not None:
            assert parent is not None, "a folder is read with its real location"
            data, size = sitefiles.read_in(folder, path, root or parent, parent, max_bytes)
        else:
            with sitefiles.open_binary(Path(path), root or Path(path).parent, parent) as file:
                size = os.fstat(file.fileno()).st_size
                if size <= max_bytes:
                    data = file.read(max_bytes + 1)
    except sitefiles.Refused as refused:
        diagnostics.error(diagnostics.where(path), refused.message, refused.hint)
        return None
    except OSError as exc:
        if folder is not None and isinstance(exc, FileNotFoundError):
            raise
        diagnostics.error(diagnostics.where(path), f"cannot read file: {exc.strerror or exc}")
        return None
    if size > max_bytes:
        diagnostics.error(
            diagnostics.where(path),
            f"file is {size:,} bytes, larger than the {max_bytes:,} bytes a record may have",
            "keep long texts in vi.md/en.md and large data out of the content folder",
        )
        return None
    if len(data) > max_bytes:  # it grew while being read
        diagnostics.error(
            diagnostics.where(path),
            f"file is larger than the {max_bytes:,} bytes a record may have",
            "keep long texts in vi.md/en.md and large data out of the content folder",
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diagnostics.error(
            diagnostics.where(path).at(line),
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8; most editors offer it under 'Save with encoding'",
        )
        return None
    text = text.removeprefix("\ufeff")
    control = control_character_problem(text)
    if control is not None:
        line, column, character = control
        diagnostics.error(
            diagnostics.where(path).at(line, column),
            f"file contains the control character {character}, which no text may hold",
            "delete it (it is invisible in most editors; retype the text around it if needed)",
        )
        return None
    return text


def load_yaml(
    path: Path | str,
    diagnostics: Diagnostics,
    *,
    root: Path | None = None,
    parent: Path | None = None,
    folder: int | None = None,
) -> Any | None:
    """Load one YAML document from ``path`` with line numbers, or report why not.

    Returns ``None`` after reporting when the file cannot be used. An empty file
    loads as an empty :class:`LineDict`. ``root``, ``parent`` and ``folder`` are as
    for :func:`read_text`.
    """
    text = read_text(path, diagnostics, root=root, parent=parent, folder=folder)
    if text is None:
        return None
    if sum(text.count(c) for c in "[{-?:") >= _SHALLOW_ENOUGH:
        scanner = _BaseLoader(text)
        try:
            deep_line = _too_deep(scanner)
        finally:
            scanner.dispose()
        if deep_line is not None:
            diagnostics.error(
                diagnostics.where(path).at(deep_line),
                f"YAML nested deeper than {MAX_DEPTH} levels",
                "a record never nests this deep; look for '[' or '{' that are never closed",
            )
            return None
    loader = _BaseLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            empty = LineDict()
            empty.line, empty.key_lines, empty.value_lines = 1, {}, {}
            return empty
        try:
            return _Builder(loader, MAX_EXPANDED_NODES, "\\" in text).build(node)
        except _TooLarge:
            diagnostics.error(
                diagnostics.where(path).at(node.start_mark.line + 1),
                f"YAML aliases or nesting expand this file past {MAX_EXPANDED_NODES:,} values "
                f"or {MAX_DEPTH} levels",
                "no record needs this many; remove the anchors (&), aliases (*) and merges (<<)",
            )
            return None
        except _Refused as refused:
            diagnostics.error(
                diagnostics.where(path).at(refused.line), refused.message, refused.hint
            )
            return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        where = diagnostics.where(path)
        at = where.at(mark.line + 1, mark.column + 1) if mark else where
        found = _character_at(text, mark.line, mark.column) if mark else ""
        diagnostics.error(at, f"invalid YAML: {problem}", _yaml_hint(problem, found))
        return None
    except yaml.YAMLError as exc:
        diagnostics.error(diagnostics.where(path), f"invalid YAML: {exc}")
        return None
    except RecursionError:
        diagnostics.error(diagnostics.where(path), "invalid YAML: nested too deeply")
        return None
    finally:
        loader.dispose()


def _character_at(text: str, line: int, column: int) -> str:
    """The character at 0-based ``line`` and ``column`` of ``text``; empty past its end."""
    lines = text.split("\n", line + 1)
    return lines[line][column : column + 1] if line < len(lines) else ""


def _yaml_hint(problem: str, found: str = "") -> str | None:
    """What to do about a YAML error, from the parser's ``problem`` and the character
    ``found`` where it stopped (libyaml does not name a tab that indents a line)."""
    if found == "\t" or "found character '\\t'" in problem:
        return "YAML indents with spaces, not tabs: replace the tab with spaces"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted, and nested keys need consistent indenting"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "check the indentation of this line against the line above"
    if "did not find expected key" in problem:
        return (
            "a key lines up with the other keys of its block, and a list item ('- ') with "
            "the other items of its list: check this line's indentation"
        )
    if "did not find expected '-' indicator" in problem:
        return "the items of a list ('- ') line up with each other: check this line's indentation"
    if "expected ',' or '}'" in problem or "expected ',' or ']'" in problem:
        return "a '{' or '[' opened above is not closed, or a text with ',' or ':' needs quotes"
    if "found undefined alias" in problem:
        return "an alias (*name) must refer to an anchor (&name) defined earlier in the file"
    return None
