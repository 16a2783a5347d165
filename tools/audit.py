"""Lighthouse audit of the built sample site: mobile accessibility and SEO must score 100.

Run by ``make audit`` after ``make site`` (or ``python tools/audit.py [OUTPUT]``): serves
``public/`` (or ``OUTPUT``) on 127.0.0.1 and runs
Lighthouse (the npm package ``make test-deps`` installs) with Debian's chromium on
the home page, a product page and a lot's scan page, in both languages. Prints each
score and every failed audit; exits non-zero when any score is below 100.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from sitekit import CHROMIUM_ARGS, serve_folder  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
PAGES = {
    "home": "",
    "product": "products/mien-dong-tai-hoan/",
    "lot": "01/09520000001018/10/TH2510A/",
}
CATEGORIES = ("accessibility", "seo")


def audit(url: str, report: Path) -> dict[str, object]:
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--chrome-path={CHROMIUM}",
            "--chrome-flags=" + " ".join(CHROMIUM_ARGS),
            "--only-categories=" + ",".join(CATEGORIES),
            "--form-factor=mobile",
            "--output=json",
            f"--output-path={report}",
            "--quiet",
        ],
        check=True,
    )
    result: dict[str, object] = json.loads(report.read_text(encoding="utf-8"))
    return result


def main() -> int:
    public = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "public"
    if not LIGHTHOUSE.is_file() or not (public / "index.html").is_file():
        print("run make test-deps and make site first", file=sys.stderr)
        return 2
    failed = False
    with serve_folder(public) as base, tempfile.TemporaryDirectory() as tmp:
        for lang_prefix in ("", "en/"):
            for name, path in PAGES.items():
                result = audit(base + lang_prefix + path, Path(tmp) / "report.json")
                categories = result["categories"]  # type: ignore[index]
                audits = result["audits"]  # type: ignore[index]
                scores = {c: round(categories[c]["score"] * 100) for c in CATEGORIES}
                print(
                    f"{lang_prefix + name:12} " + "  ".join(f"{c} {s}" for c, s in scores.items())
                )
                for category in CATEGORIES:
                    for ref in categories[category]["auditRefs"]:
                        found = audits[ref["id"]]
                        if ref["weight"] and found["score"] is not None and found["score"] < 1:
                            print(f"    {category}: {ref['id']}: {found['title']}")
                failed |= any(score < 100 for score in scores.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
