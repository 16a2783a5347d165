"""Every invalid fixture fails with exactly its expected messages, and never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitekit import INVALID, ROOT, invalid_site

from ocopsite.commands.cli import main

CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())


def test_every_case_has_expected_messages() -> None:
    assert len(CASES) >= 25
    for case in CASES:
        assert (INVALID / case / "expected.txt").is_file(), case


@pytest.mark.parametrize("case", CASES)
def test_check_reports_exact_messages(case: str, tmp_path: Path) -> None:
    site = invalid_site(case, tmp_path / "site")
    result = CliRunner().invoke(main, ["check", "--site", str(site)])
    expected = (INVALID / case / "expected.txt").read_text(encoding="utf-8")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.rstrip().splitlines()[-1].startswith("check failed:")


@pytest.mark.parametrize(
    "case",
    [
        "alias-bomb",
        "non-utf8",
        "image-outside-bundle",
        "yaml-deep-nesting",
        "yaml-merge-bomb",
        "symlink-loop-bundle",
    ],
)
def test_real_process_prints_no_traceback(case: str, tmp_path: Path) -> None:
    site = invalid_site(case, tmp_path / "site")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "build", "--site", str(site)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith((INVALID / case / "expected.txt").read_text(encoding="utf-8"))
    assert not (site / "public").exists()


def test_failed_build_leaves_previous_output_untouched(tmp_path: Path) -> None:
    site = invalid_site("bad-gtin", tmp_path / "site")
    product = site / "content/products/mat-ong/product.yaml"
    broken = product.read_text(encoding="utf-8")
    product.write_text(broken.replace("9520000000017", "9520000000011"), encoding="utf-8")
    out = tmp_path / "public"
    assert (
        CliRunner().invoke(main, ["build", "--site", str(site), "--out", str(out)]).exit_code == 0
    )
    before = {
        p.relative_to(out): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in out.rglob("*")
        if p.is_file()
    }

    product.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--site", str(site), "--out", str(out)])
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr
    after = {
        p.relative_to(out): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in out.rglob("*")
        if p.is_file()
    }
    assert after == before
    assert not list(tmp_path.glob(".public.*")), "staging folders must be cleaned up"


def test_strict_turns_warnings_into_errors(fresh_bilingual: Path) -> None:
    loose = CliRunner().invoke(main, ["check", "--site", str(fresh_bilingual)])
    assert loose.exit_code == 0
    assert "content/products/dao-canh/en.md: warning: no en.md" in loose.stderr
    strict = CliRunner().invoke(main, ["check", "--strict", "--site", str(fresh_bilingual)])
    assert strict.exit_code == 1
    assert "warnings count as errors with --strict" in strict.stderr


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    site = invalid_site("bad-gtin", tmp_path / "site")
    producer = site / "content/producers/htx-ong/producer.yaml"
    producer.write_text(
        producer.read_text(encoding="utf-8").replace("cooperative", "coop"), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["check", "--site", str(site)])
    assert "product.yaml:4: error: gtin:" in result.stderr
    assert "producer.yaml:2: error: kind: unknown producer kind 'coop'" in result.stderr
    assert "check failed: 2 error(s)" in result.stderr
