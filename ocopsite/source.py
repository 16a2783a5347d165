"""Reading what the user wrote: text files and YAML that remembers its line numbers.

This is the *load* stage. It trusts nothing: a file may be huge, not UTF-8,
broken YAML, or a YAML alias bomb. Each of those becomes a diagnostic, never
an exception that escapes.

YAML mappings load as :class:`LineDict` and sequences as :class:`LineList`, so
that later stages can point at the line of a key or an item.
"""

from __future__ import annotations

import datetime as dt
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


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    def construct_line_dict(self, node: yaml.MappingNode) -> LineDict:
        self.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        result.value_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool | dt.date) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
            result.value_lines[key] = value_node.start_mark.line + 1
        return result

    def construct_line_list(self, node: yaml.SequenceNode) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result

    def construct_lenient_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return InvalidDate(node.value)


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_line_dict)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_line_list)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_lenient_timestamp)


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Count the values ``root`` stands for once every alias is expanded, stopping past ``limit``.

    Aliases share node objects, so memoising by identity keeps this linear in the
    size of the *file* even when the expansion is exponential.
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if depth > 200:
            return limit + 1
        total = 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += size(key, depth + 1) + size(value, depth + 1)
                if total > limit:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child, depth + 1)
                if total > limit:
                    break
        sizes[id(node)] = total
        return total

    return size(root, 0)


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
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            empty = LineDict()
            empty.line, empty.key_lines, empty.value_lines = 1, {}, {}
            return empty
        if _expanded_size(node, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
            diagnostics.error(
                where.at(node.start_mark.line + 1),
                f"YAML aliases expand this file to more than {MAX_EXPANDED_NODES:,} values",
                "a record never needs this many; remove the anchors (&) and aliases (*)",
            )
            return None
        return loader.construct_document(node)
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
