"""Plain record texts skip Markdown: the shortcut must give Markdown's own bytes."""

from __future__ import annotations

import random

import pytest

from ocopsite.view import markup


def _markdown(source: str) -> str:
    converter = markup._converter()
    try:
        return markup.sanitise(converter.convert(source))
    finally:
        converter.reset()


@pytest.mark.parametrize(
    "source",
    [
        "Bánh đa cao cấp Phúc Lộc, 3 sao.\n\nBảo quản nơi khô ráo.\n",
        "One line\nand its next line\n\n\n\nAnother paragraph (with “quotes”) – 100% /ok+?",
        "Ends with two spaces  \nthen a break",
        "Starts with a digit\n1. then a list",
        "Text\n- and a list",
        "Text\n\n    code",
        "Heading\n=======",
        "a & b < c",
        "no\xa0break",
        "tab\there",
        "a | b\n--|--\n1 | 2",
        "*em* and _em_ and `code`",
        "[link](http://example.org)",
        "",
        "\n\n",
        "x",
        "Ünïcödé ²",
    ],
)
def test_plain_text_renders_as_markdown_does(source: str) -> None:
    assert markup.render_markdown(source) == _markdown(source)


def test_random_plain_texts_render_as_markdown_does() -> None:
    pieces = [*"aAzđĐếỗ 09.,;:?!()'\"%/+-–—…“”‘’\n", "\n\n", "  ", "1. ", "- ", "²"]
    rnd = random.Random(7)
    shortcut = 0
    for _ in range(3000):
        source = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))
        if markup._plain_paragraphs(source) is not None:
            shortcut += 1
        assert markup.render_markdown(source) == _markdown(source), repr(source)
    assert shortcut > 300  # the shortcut was taken often enough to be tested
