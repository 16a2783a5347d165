"""A build with nothing to do answers from the fingerprint alone, without loading the build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sitekit import SAMPLE_DATE, SITES, copy_site

PROBE = """
import sys
from ocopsite.commands.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    print("exit", exit.code)
print("loaded", sorted(m for m in ("ocopsite.build", "jinja2", "yaml", "PIL") if m in sys.modules))
"""


def _build(site: Path, out: Path) -> str:
    command = [sys.executable, "-c", PROBE, "build", "--site", str(site), "--out", str(out)]
    command += ["--date", SAMPLE_DATE, "-j", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    return done.stdout


def test_nothing_changed_needs_neither_the_build_nor_its_libraries(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    first = _build(site, out)
    assert "exit 0" in first and "Built " in first and "'ocopsite.build'" in first
    again = _build(site, out)
    assert "Nothing changed since the last build" in again and "exit 0" in again
    assert "loaded []" in again
    (site / "content/products/dao-canh/product.yaml").touch()  # any change: a real build
    third = _build(site, out)
    assert "Built " in third and "Nothing changed" not in third
