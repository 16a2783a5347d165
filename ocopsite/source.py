"""Reading what the user wrote: text files and YAML that remembers its line numbers.

This is the *load* stage. It trusts nothing: a file may be huge, not UTF-8,
broken YAML, or a YAML alias bomb. Each of those becomes a diagnostic, never
an exception that escapes.

YAML mappings load as :class:`LineDict` and sequences as :class:`LineList`, so
that later stages can point at the line of a key or an item.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostics

#: A record file larger than this is refused before it is parsed.
MAX_RECORD_BYTES = 256 * 1024
#: How many values a YAML document may expand to once aliases are followed.
MAX_EXPANDED_NODES = 50_000

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows the line of itself, of each key and of each value."""

    line: int
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def value_line(self, key: Any) -> int:
        return self.value_lines.get(key, self.key_line(key))


class LineList(list[Any]):
    """A sequence from YAML that knows the line of itself and of each item."""

    line: int
    item_lines: list[int]

    def item_line(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class InvalidDate(str):
    """A scalar that looks like a date but is not one (``2024-02-30``); validation reports it."""


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
MAX_DEPTH = 100


class _TooLarge(Exception):
    """The document expands past the limit, or nests past MAX_DEPTH."""


class _Builder:
    """Turns a composed YAML node tree into LineDict/LineList/scalars.

    libyaml composes the tree in C; this walk replaces PyYAML's generic Python
    constructor (three times slower here) and counts every value it builds, so
    a document whose aliases expand past ``limit`` values is stopped while
    being built instead of in a separate pass.
    """

    def __init__(self, loader: Any, limit: int) -> None:
        self.loader = loader
        self.limit = limit
        self.count = 0
        self.scalars = loader.yaml_constructors

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > self.limit or depth > MAX_DEPTH:
            raise _TooLarge
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == _STR:
                return node.value
            if tag == _TIMESTAMP:
                try:
                    return self.loader.construct_yaml_timestamp(node)
                except ValueError:
                    return InvalidDate(node.value)
            constructor = self.scalars.get(tag)
            if constructor is None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"unknown tag {tag}", node.start_mark
                )
            return constructor(self.loader, node)
        if isinstance(node, yaml.SequenceNode):
            items = LineList(self.build(child, depth + 1) for child in node.value)
            items.line = node.start_mark.line + 1
            items.item_lines = [child.start_mark.line + 1 for child in node.value]
            return items
        if tag != _MAP:
            raise yaml.constructor.ConstructorError(
                None, None, f"unsupported tag {tag}", node.start_mark
            )
        self.loader.flatten_mapping(node)
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        mapping.value_lines = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value", key_node.start_mark
                )
            key = self.build(key_node, depth + 1)
            mapping[key] = self.build(value_node, depth + 1)
            mapping.key_lines[key] = key_node.start_mark.line + 1
            mapping.value_lines[key] = value_node.start_mark.line + 1
        return mapping


def read_text(
    path: Path, diagnostics: Diagnostics, max_bytes: int = MAX_RECORD_BYTES
) -> str | None:
    """Read ``path`` as UTF-8 text, or report why not and return ``None``.

    Refuses files over ``max_bytes`` without reading them, and files that are not
    valid UTF-8, pointing at the line of the first bad byte.
    """
    where = diagnostics.where(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        diagnostics.error(where, f"cannot read file: {exc.strerror or exc}")
        return None
    if size > max_bytes:
        diagnostics.error(
            where,
            f"file is {size:,} bytes, larger than the {max_bytes:,} bytes a record may have",
            "keep long texts in vi.md/en.md and large data out of the content folder",
        )
        return None
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diagnostics.error(
            where.at(line),
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8; most editors offer it under 'Save with encoding'",
        )
        return None
    return text.removeprefix("\ufeff")


def load_yaml(path: Path, diagnostics: Diagnostics) -> Any | None:
    """Load one YAML document from ``path`` with line numbers, or report why not.

    Returns ``None`` after reporting when the file cannot be used. An empty file
    loads as an empty :class:`LineDict`.
    """
    text = read_text(path, diagnostics)
    if text is None:
        return None
    where = diagnostics.where(path)
    loader = _BaseLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            empty = LineDict()
            empty.line, empty.key_lines, empty.value_lines = 1, {}, {}
            return empty
        try:
            return _Builder(loader, MAX_EXPANDED_NODES).build(node)
        except _TooLarge:
            diagnostics.error(
                where.at(node.start_mark.line + 1),
                f"YAML aliases or nesting expand this file past {MAX_EXPANDED_NODES:,} values "
                f"or {MAX_DEPTH} levels",
                "a record never needs this many; remove the anchors (&) and aliases (*)",
            )
            return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        at = where.at(mark.line + 1, mark.column + 1) if mark else where
        diagnostics.error(at, f"invalid YAML: {problem}", _yaml_hint(problem))
        return None
    except yaml.YAMLError as exc:
        diagnostics.error(where, f"invalid YAML: {exc}")
        return None
    except RecursionError:
        diagnostics.error(where, "invalid YAML: nested too deeply")
        return None
    finally:
        loader.dispose()


def _yaml_hint(problem: str) -> str | None:
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted, and nested keys need consistent indenting"
    if "found character '\\t'" in problem:
        return "YAML indents with spaces, not tabs"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "check the indentation of this line against the line above"
    if "expected ',' or '}'" in problem or "expected ',' or ']'" in problem:
        return "a '{' or '[' opened above is not closed, or a text with ',' or ':' needs quotes"
    if "found undefined alias" in problem:
        return "an alias (*name) must refer to an anchor (&name) defined earlier in the file"
    return None
