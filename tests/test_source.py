"""Loading untrusted files: line numbers kept, and no input ever escapes as an exception."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocopsite import schema as s
from ocopsite.diagnostics import Diagnostics
from ocopsite.records import LOT, RATING, product_fields
from ocopsite.source import InvalidDate, LineDict, LineList, load_yaml, read_text


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
