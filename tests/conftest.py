"""Fixture ladder: a site folder → its validated catalogue → its built output.

Sites are copied into a temporary folder first, so that tests never write into
the repository and can modify a site freely.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitekit import CHROMIUM_ARGS, ROOT, SAMPLE_DATE, SITES, copy_site

from ocopsite import cachekey
from ocopsite.build import BuildResult, build
from ocopsite.diagnostics import Diagnostics
from ocopsite.load.catalogue import Catalogue, load_catalogue
from ocopsite.load.config import SiteConfig, load_config

BUILD_DATE = dt.date.fromisoformat(SAMPLE_DATE)


@pytest.fixture(scope="session", autouse=True)
def _own_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests' user keeps their cache key (see :mod:`ocopsite.cachekey`) in a folder of
    the test run, not in the home of whoever runs them; commands run by the tests too."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache-home"))
    cachekey.forget()
    yield
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before
    cachekey.forget()


class BuiltSite:
    """A site built into ``out``; ``page(rel)`` reads an output file as text."""

    def __init__(self, site: Path, out: Path, result: BuildResult) -> None:
        self.site = site
        self.out = out
        self.result = result

    def page(self, rel: str) -> str:
        path = self.out / rel
        if rel == "" or rel.endswith("/"):
            path = path / "index.html"
        return path.read_text(encoding="utf-8")


def _build(source: Path, tmp: Path, **options: object) -> BuiltSite:
    site = copy_site(source, tmp / "site")
    out = tmp / "public"
    result = build(site, out, **{"build_date": BUILD_DATE, **options})  # type: ignore[arg-type]
    return BuiltSite(site, out, result)


@pytest.fixture(scope="session")
def sample_config() -> SiteConfig:
    diagnostics = Diagnostics(relative_to=ROOT)
    config = load_config(ROOT / "site_config.yaml", diagnostics, build_date=BUILD_DATE)
    assert config is not None, diagnostics.report()
    return config


@pytest.fixture(scope="session")
def sample_catalogue(sample_config: SiteConfig) -> Catalogue:
    diagnostics = Diagnostics(relative_to=ROOT)
    catalogue = load_catalogue(sample_config, diagnostics)
    assert catalogue is not None, diagnostics.report()
    return catalogue


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return _build(ROOT, tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def bilingual_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return _build(SITES / "bilingual", tmp_path_factory.mktemp("bilingual"))


@pytest.fixture(scope="session")
def minimal_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return _build(SITES / "minimal", tmp_path_factory.mktemp("minimal"))


@pytest.fixture
def fresh_bilingual(tmp_path: Path) -> Path:
    """A private copy of the bilingual site that a test may edit."""
    return copy_site(SITES / "bilingual", tmp_path / "site")


CHROMIUM = Path(os.environ.get("OCOPSITE_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()
