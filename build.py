#!/usr/bin/env python3
"""Build the OCOP catalogue: ``python build.py [build|check|serve|new] ...``.

A thin entry point over :mod:`ocopsite.commands.cli`; ``python build.py`` with no
command builds ./site_config.yaml into ./public.
"""

from ocopsite.commands.cli import run

if __name__ == "__main__":
    run()
