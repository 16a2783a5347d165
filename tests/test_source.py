"""Loading untrusted files: line numbers kept, and no input ever escapes as an exception."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocopsite.diagnostics import Diagnostics
from ocopsite.load import schema as s
from ocopsite.load import source
from ocopsite.load.lots import LOT
from ocopsite.load.ratings import RATING
from ocopsite.load.records import product_fields
from ocopsite.load.source import InvalidDate, LineDict, LineList, load_yaml, read_text


def _load(tmp_path: Path, text: str | bytes) -> tuple[object, Diagnostics]:
    path = tmp_path / "record.yaml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    diagnostics = Diagnostics(relative_to=tmp_path)
    return load_yaml(path, diagnostics), diagnostics


def test_mappings_and_lists_remember_lines(tmp_path: Path) -> None:
    data, diagnostics = _load(tmp_path, "a: 1\nb:\n  - x\n  - {c: 2}\nd: 2024-01-01\n")
    assert isinstance(data, LineDict) and not diagnostics.items
    assert data.key_line("d") == 5 and data.value_line("b") == 3
    assert isinstance(data["b"], LineList) and data["b"].item_lines == [3, 4]
    assert data["d"] == dt.date(2024, 1, 1)


def test_impossible_dates_survive_loading_for_validation_to_report(tmp_path: Path) -> None:
    data, _ = _load(tmp_path, "issued: 2024-02-30\n")
    assert isinstance(data, LineDict) and isinstance(data["issued"], InvalidDate)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeffMiến".encode())
    assert read_text(path, Diagnostics()) == "Miến"


def test_benign_aliases_are_allowed(tmp_path: Path) -> None:
    data, diagnostics = _load(tmp_path, "a: &x {vi: Mật ong}\nb: *x\n")
    assert not diagnostics.items and data["b"] == {"vi": "Mật ong"}  # type: ignore[index]


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    data, diagnostics = _load(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert data is None and diagnostics.errors


def test_nesting_past_what_libyaml_can_compose_is_refused_before_composing(
    tmp_path: Path,
) -> None:
    # libyaml's composer recurses once per level and overflows the C stack
    # (a segfault, not an exception) somewhere past 10,000 levels.
    for text in ("a: " + "[" * 30_000, "a: " + "{a: " * 30_000, "- " * 30_000 + "x"):
        data, diagnostics = _load(tmp_path, text)
        assert data is None and len(diagnostics.errors) == 1, text[:20]


def test_merge_keys_fill_in_missing_keys_and_explicit_keys_win(tmp_path: Path) -> None:
    text = "base: &b {x: 1, y: 2}\nmore: &m {y: 5, z: 3}\nc:\n  x: 9\n  <<: [*b, *m]\n"
    data, diagnostics = _load(tmp_path, text)
    assert not diagnostics.items
    assert data["c"] == {"x": 9, "y": 2, "z": 3}  # type: ignore[index]
    assert data["c"].key_line("x") == 4 and data["c"].key_line("z") == 2  # type: ignore[index]


def test_merge_bomb_is_counted_and_refused(tmp_path: Path) -> None:
    lines = ["x0: &x0 {k0: 1, k1: 2, k2: 3, k3: 4}"]
    lines += [
        f"x{i}: &x{i} {{<<: [{', '.join([f'*x{i - 1}'] * 6)}], m{i}: 1}}" for i in range(1, 12)
    ]
    text = "\n".join(lines) + "\n"
    assert len(text) < 1000
    data, diagnostics = _load(tmp_path, text)
    assert data is None
    assert [d.message for d in diagnostics.errors] == [
        "YAML aliases or nesting expand this file past 50,000 values or 100 levels"
    ]


def test_duplicate_keys_are_errors_naming_both_lines(tmp_path: Path) -> None:
    data, diagnostics = _load(tmp_path, "a:\n  b: 1\n  c: 2\n  b: 3\n")
    assert data is None
    assert diagnostics.report().splitlines()[0] == (
        "record.yaml:4: error: duplicate key 'b' (first on line 2)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nb: !!int fifty\n", "'fifty' is tagged !!int but is not a whole number"),
        ("b: !!float many\n", "'many' is tagged !!float but is not a number"),
        ("b: !!int \n", "'' is tagged !!int but is not a whole number"),
        ("b: !!bool maybe\n", "'maybe' is tagged !!bool but is not a yes/no value"),
        ("b: !!timestamp soon\n", "'soon' is tagged !!timestamp but is not a date"),
        ("b: !!binary aGk=\n", "the tag !!binary on a value is not supported"),
        ("b: !!set {x}\n", "the tag !!set on a mapping is not supported"),
        ("b: !!omap [x: 1]\n", "the tag !!omap on a list is not supported"),
        ("b: !mine text\n", "the tag !mine on a value is not supported"),
        ("b: " + "1" * 19 + "\n", "a number 19 characters long is too large (at most 18 digits)"),
        ("b: 0x" + "f" * 16 + "\n", "the number 0xffffffffffffffff is too large"),
        ('b: "a\\0b"\n', "text contains the control character U+0000"),
    ],
)
def test_values_yaml_would_mistype_are_errors_with_their_line(
    tmp_path: Path, text: str, message: str
) -> None:
    data, diagnostics = _load(tmp_path, text)
    assert data is None
    assert [(d.where.line, d.message) for d in diagnostics.errors] == [(text.count("\n"), message)]


def test_codes_with_a_leading_zero_and_times_are_kept_as_written(tmp_path: Path) -> None:
    """YAML 1.1 reads 012345 in octal (5349), 012389 as text and 7:30 in base 60 (450):
    a lot code, phone number, GTIN-8 or time written plainly stays what the label says."""
    text = "lot: 012345\nother: 012389\nphone: 0243123456\ngtin: 01234565\nopen: 7:30\nn: 42\n"
    data, diagnostics = _load(tmp_path, text)
    assert not diagnostics.items
    assert data == {
        "lot": "012345",
        "other": "012389",
        "phone": "0243123456",
        "gtin": "01234565",
        "open": "7:30",
        "n": 42,
    }


def test_explicit_tags_that_fit_their_value_are_accepted(tmp_path: Path) -> None:
    data, diagnostics = _load(tmp_path, "a: !!str 0123\nb: !!int '42'\nc: !!seq [1]\n")
    assert not diagnostics.items
    assert data == {"a": "0123", "b": 42, "c": [1]}


def test_control_characters_are_refused_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "vi.md"
    path.write_text("Mật ong.\n\nrừng\x1b[31m đỏ\n", encoding="utf-8")
    diagnostics = Diagnostics(relative_to=tmp_path)
    assert read_text(path, diagnostics) is None
    assert str(diagnostics.errors[0].where) == "vi.md:3:5"
    assert "U+001B" in diagnostics.errors[0].message


YAML_ALPHABET = st.sampled_from(list("abcđ: -[]{}&*!|>'\"#,?\n\t\\0123456789.ệ%@`~"))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(YAML_ALPHABET, max_size=200))
def test_loader_never_raises_on_malformed_text(tmp_path: Path, text: str) -> None:
    _load(tmp_path, text)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_loader_never_raises_on_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    _load(tmp_path, data)


yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.dates().map(lambda d: d.isoformat()),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["stars", "start", "issued", "vi", "en", "code", "x", "events"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=yaml_values)
def test_schemas_never_raise_on_any_yaml_value(value: object) -> None:
    """Contract of every check: it returns INVALID exactly when it reported an error."""
    for check in (RATING, LOT, s.Record(product_fields({}), what="product")):
        diagnostics = Diagnostics()
        ctx = s.Ctx(
            diagnostics, diagnostics.where("x.yaml", 1), "", ("vi", "en"), Path("/nonexistent")
        )
        result = check(value, ctx)
        assert (result is s.INVALID) == bool(diagnostics.errors), diagnostics.report()


def test_plain_text_is_built_and_counted_as_the_full_way_does() -> None:
    """Keys and values that are plain text are taken without a call each, unless the text
    has escapes: both ways give the same values, lines and count of values."""
    text = (
        "a: x\nb: [y, 2, 'z', {c: d}]\nbase: &base {e: f, g: [h]}\n"
        "m:\n  <<: *base\n  e: k\nl:\n  - - p\n    - q\n  - r: s\n"
    )
    built = []
    for check_escapes in (False, True):
        loader = source._BaseLoader(text)
        try:
            node = loader.get_single_node()
            builder = source._Builder(loader, 1_000, check_escapes)
            value = builder.build(node)
        finally:
            loader.dispose()
        lines = (value.key_lines, value.value_lines, value["b"].item_lines)
        built.append((value, lines, value["m"].key_lines, builder.count))
    assert built[0] == built[1]
    assert built[0][0] == yaml.safe_load(text)
    for limit in range(built[0][3]):  # one value fewer than the document has: refused
        loader = source._BaseLoader(text)
        try:
            node = loader.get_single_node()
            try:
                source._Builder(loader, limit, False).build(node)
            except source._TooLarge:
                continue
            raise AssertionError(f"built past a limit of {limit}")
        finally:
            loader.dispose()


def test_a_number_written_with_a_leading_zero_is_told_to_drop_it() -> None:
    """Read as text (as a code is), "stars: 04" says what to write."""
    from ocopsite.diagnostics import Where
    from ocopsite.load import checks
    from ocopsite.load import schema as s

    diagnostics = Diagnostics()
    checks.integer()("04", s.Ctx(diagnostics, Where("product.yaml"), "stars", ("vi",)))
    assert [(d.message, d.hint) for d in diagnostics.errors] == [
        ("stars: expected a whole number, got text '04'", "write it without the leading zero: 4")
    ]
