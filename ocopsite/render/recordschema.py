"""JSON Schemas of the record formats, made from the declarative schemas of :mod:`records`.

An editor that speaks the YAML language server protocol reads the
``# yaml-language-server: $schema=<url>`` line at the top of a record and then
checks and completes the record while it is typed. The schemas say what the
shapes of values are (keys, types, choices, required keys); what only the
build can know (does the photo exist, is the check digit right, does the
producer exist) is still checked by the build, with its own messages.
"""

from __future__ import annotations

import json
from typing import Any

from ocopsite.load import schema as s
from ocopsite.load.config import SiteConfig
from ocopsite.load.records import NEWS_FIELDS, PRODUCER_FIELDS, product_fields
from ocopsite.view.urls import Urls

#: The record kinds, each with the file name of its YAML in a bundle.
KINDS: tuple[str, ...] = ("product", "producer", "news")
DIALECT = "https://json-schema.org/draft/2020-12/schema"

_TITLES = {
    "product": "OCOP product record (product.yaml)",
    "producer": "OCOP producer record (producer.yaml)",
    "news": "News item (news.yaml)",
}


def _fields(kind: str, config: SiteConfig) -> dict[str, s.Field[Any]]:
    if kind == "product":
        return product_fields(config.retailers)
    return PRODUCER_FIELDS if kind == "producer" else NEWS_FIELDS


def text_schema(languages: tuple[str, ...]) -> dict[str, Any]:
    """A translatable text: plain text, or one entry per language with the first required."""
    return {
        "anyOf": [
            {"type": ["string", "number"]},
            {
                "type": "object",
                "properties": {lang: {"type": ["string", "number"]} for lang in languages},
                "required": [languages[0]],
                "additionalProperties": False,
            },
        ]
    }


def record_schema(kind: str, config: SiteConfig, schema_id: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one record kind for the site of ``config``."""
    body = s.Record(_fields(kind, config), what=kind).json_schema()
    return {
        "$schema": DIALECT,
        "$id": schema_id,
        "title": _TITLES[kind],
        **body,
        "$defs": {"text": text_schema(config.languages)},
    }


def schema_files(config: SiteConfig, urls: Urls) -> dict[str, bytes]:
    """Every record kind's JSON Schema as an output file, by output path."""
    files = {}
    for kind in KINDS:
        href, rel = urls.schema_file(kind)
        schema = record_schema(kind, config, urls.absolute_from_href(href))
        files[rel] = (json.dumps(schema, ensure_ascii=False, indent=1) + "\n").encode()
    return files


def modeline(config: SiteConfig, kind: str) -> str:
    """The first line of a new record: where an editor finds the schema to check it with."""
    urls = Urls(config.base_url, config.languages)
    return f"# yaml-language-server: $schema={urls.absolute_from_href(urls.schema_file(kind)[0])}\n"
