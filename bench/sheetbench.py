"""Spreadsheet budgets: export of a catalogue, and import of that sheet, in child processes.

    python bench/sheetbench.py --size 16000     # or through bench/run.py, per size

Budgets: importing a 16,000-row sheet in at most 30 s, exporting in at most 15 s.
The import is timed twice: into an empty site (every record created) and into the
catalogue it came from (every row matched, nothing changed).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import gen_catalog  # noqa: E402

IMPORT_BUDGET_S = 30.0
EXPORT_BUDGET_S = 15.0


def _verdict(seconds: float, budget: float) -> str:
    return f"{'✓' if seconds <= budget else '✗'} ≤ {budget:.0f} s"


def measure(site: Path, label: str) -> dict[str, str]:
    """Time export, import into an empty site, and re-import into ``site``."""
    from run import CACHE, timed  # run.py imports this module

    build = [sys.executable, str(ROOT / "build.py")]
    sheet = CACHE / f"sheet-{label}.xlsx"
    export = timed([*build, "export", "--site", str(site), str(sheet)])
    empty = CACHE / f"imported-{label}"
    shutil.rmtree(empty, ignore_errors=True)
    empty.mkdir(parents=True)
    shutil.copy(site / "site_config.yaml", empty / "site_config.yaml")
    fresh = timed([*build, "import", "--site", str(empty), str(sheet)])
    again = timed([*build, "import", "--site", str(site), str(sheet), "--dry-run"])
    rows = sum(1 for _ in (site / "content" / "products").iterdir())
    return {
        "export to .xlsx: wall / CPU": f"{export['wall']:.1f} s / {export['cpu']:.1f} s "
        f"({_verdict(export['wall'], EXPORT_BUDGET_S)}), {sheet.stat().st_size / 1e6:.1f} MB",
        f"import {rows:,} rows into an empty site: wall / CPU": f"{fresh['wall']:.1f} s / "
        f"{fresh['cpu']:.1f} s ({_verdict(fresh['wall'], IMPORT_BUDGET_S)})",
        "re-import the export (nothing changes): wall / CPU": f"{again['wall']:.1f} s / "
        f"{again['cpu']:.1f} s ({_verdict(again['wall'], IMPORT_BUDGET_S)})",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=16000)
    args = parser.parse_args()
    from run import CACHE

    site = CACHE / f"catalog-{args.size}"
    if not (site / "site_config.yaml").is_file():
        gen_catalog.generate(args.size, site)
    for name, value in measure(site, str(args.size)).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
