"""Fuzzing ``check``: whatever a record holds, it exits 0 or 1 and never prints a traceback.

Three kinds of input go into a product's ``product.yaml`` (and its ``vi.md``):
YAML-ish text built from the tokens records are made of, random bytes, and
mutations of the sample catalogue's richest record. Runs are short and bounded
(``OCOPSITE_FUZZ_EXAMPLES`` raises the count for a longer local run); in CI
(``CI`` set) they are derandomised, so a failure there is reproducible.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitekit import ROOT, SITES, copy_site

from ocopsite import parallel
from ocopsite.commands.cli import main

FUZZ = settings(
    max_examples=int(os.environ.get("OCOPSITE_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SAMPLE = (ROOT / "content/products/mien-dong-tai-hoan/product.yaml").read_text(encoding="utf-8")


def test_the_unmutated_sample_record_passes(site: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--site", str(site), "--date", "2026-01-15"])
    assert result.exit_code == 0, result.output


TOKENS = [
    "name: ", "ocop:", "stars: ", "issued: ", "expires: ", "gtin: ", "photos:", "lots:",
    "producer: ", "category: ", "vi: ", "en: ", "code: ", "\n", "\n  ", "\n    ", "- ", ": ",
    "[", "]", "{", "}", ",", "&a ", "*a", "<<: ", "!!int ", "!!str ", "!!timestamp ",
    "!!binary ", "!custom ", "? ", "|", ">", "#", "'", '"', "\\x00", "\\u202e", "~", "null",
    "yes", "4", "99999999999999999999", "9520000000011", "2024-02-30", "9999-12-31",
    "htx-ong", "food", "../../etc/passwd", "javascript:alert(1)", "Mật ong", "\t", "%",
    "@", "`", "\x00", "\x1b", "\ufeff", "\u0085",
]  # fmt: skip


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The minimal site, its product replaced by the sample's richest (photos, lots, documents)."""
    # One process: a worker pool per example would cost more than the check itself.
    monkeypatch.setattr(parallel, "default_jobs", lambda: 1)
    site = copy_site(SITES / "minimal", tmp_path / "site")
    shutil.copyfile(ROOT / "site_config.yaml", site / "site_config.yaml")
    shutil.copytree(
        ROOT / "content/producers/htx-tai-hoan", site / "content/producers/htx-tai-hoan"
    )
    bundle = site / "content/products/mat-ong"
    shutil.rmtree(bundle)
    shutil.copytree(ROOT / "content/products/mien-dong-tai-hoan", bundle)
    yield site


def _check(site: Path, record: str | bytes, text: str | bytes | None = None) -> None:
    bundle = site / "content/products/mat-ong"
    for name, data in (("product.yaml", record), ("vi.md", text)):
        if data is not None:
            path = bundle / name
            path.write_bytes(
                data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
            )
    result = CliRunner().invoke(main, ["check", "--site", str(site), "--date", "2026-01-15"])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


@FUZZ
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=60))
def test_fuzz_yaml_ish_text_through_check(site: Path, tokens: list[str]) -> None:
    _check(site, "".join(tokens))


@FUZZ
@given(record=st.binary(max_size=400), text=st.binary(max_size=200))
def test_fuzz_random_bytes_through_check(site: Path, record: bytes, text: bytes) -> None:
    _check(site, record, text)


@st.composite
def mutated_sample(draw: st.DrawFn) -> str:
    """The sample record with a few lines dropped, repeated, swapped, cut or spliced with tokens."""
    lines = SAMPLE.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "repeat", "swap", "cut", "splice", "indent"]))
        if action == "drop":
            del lines[at]
        elif action == "repeat":
            lines.insert(at, lines[at])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif action == "cut":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        elif action == "splice":
            column = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:column] + draw(st.sampled_from(TOKENS)) + lines[at][column:]
        else:
            lines[at] = "  " + lines[at]
    return "".join(lines)


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples * 2 // 5))  # a valid record renders
@given(record=mutated_sample())
def test_fuzz_mutated_sample_records_through_check(site: Path, record: str) -> None:
    _check(site, record)
