"""Templates compiled before the workers fork: half the languages in another process."""

from __future__ import annotations

import marshal
import types
from typing import Any

import jinja2
import pytest
from sitekit import strings_environment

from ocopsite.view import themeloader
from ocopsite.view.themeloader import (
    StringsEnvironment,
    load_apart,
)

TEMPLATES = {
    "base.html": "<main>{% block main %}{% endblock %}</main>",
    "page.html": '{% extends "base.html" %}{% block main %}{{ t("a") }} {{ x }}{% endblock %}',
    "broken.html": "{% if %}",
}


def _env(lang: str, text: str, templates: dict[str, str]) -> StringsEnvironment:
    env: StringsEnvironment = strings_environment(lang, {"a": text}, templates)
    return env


def _compiled_in(env: StringsEnvironment, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The templates ``env`` compiles from now on (none if all its code is at hand)."""
    compiled: list[str] = []
    compile_source = env.compile

    def counting(source: Any, name: str | None = None, *args: Any, **options: Any) -> Any:
        if isinstance(source, str):
            compiled.append(str(name))
        return compile_source(source, name, *args, **options)

    monkeypatch.setattr(env, "compile", counting)
    return compiled


@pytest.mark.parametrize("fails", [False, True])
def test_languages_compiled_apart_render_as_compiled_here(
    monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    # each run its own sources, so that no code compiled by an earlier test is at hand
    templates = {name: f"{source}{{# {fails} #}}" for name, source in TEMPLATES.items()}
    vi, en = _env("vi", "<Sản phẩm>", templates), _env("en", "Products", templates)
    if fails:  # the other process cannot send its code back: this one compiles it
        broken = types.SimpleNamespace(dumps=_fail, loads=marshal.loads)
        monkeypatch.setattr(themeloader, "marshal", broken)
    here, apart = _compiled_in(vi, monkeypatch), _compiled_in(en, monkeypatch)
    load_apart([vi, en], ["page.html", "broken.html"])
    # a template that cannot be compiled is tried again, and left for rendering to report
    assert here == ["broken.html", "page.html", "base.html"]
    assert apart == (["broken.html"] if not fails else here)
    # the template each one names is loaded too, without compiling it again
    assert en.references["page.html"] == {"base.html"}
    for env in (vi, en):
        assert env.cache is not None and {key[1] for key in env.cache} == {
            "page.html",
            "base.html",
        }
    fresh_vi, fresh_en = _env("vi", "<Sản phẩm>", TEMPLATES), _env("en", "Products", TEMPLATES)
    for loaded, fresh in ((vi, fresh_vi), (en, fresh_en)):
        assert loaded.get_template("page.html").render(x="&") == fresh.get_template(
            "page.html"
        ).render(x="&")
    assert en.get_template("page.html").render(x=1) == "<main>Products 1</main>"
    with pytest.raises(jinja2.TemplateSyntaxError):
        en.get_template("broken.html")


def _fail(value: object) -> bytes:
    raise ValueError("no marshalling here")


def test_compiled_templates_are_kept_for_the_next_process_sealed_by_the_user(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from ocopsite import cachekey
    from ocopsite.view.themeloader import CompiledTemplates

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cachekey.forget()
    for state in ("_compiled", "_named", "_added", "_used"):
        monkeypatch.setattr(CompiledTemplates, state, type(getattr(CompiledTemplates, state))())
    monkeypatch.setattr(CompiledTemplates, "_read", False)

    def next_process() -> None:  # what a new process holds: nothing read yet
        for state in ("_compiled", "_named", "_added", "_used"):
            getattr(CompiledTemplates, state).clear()
        CompiledTemplates._read = False

    templates = {name: f"{source}{{# kept #}}" for name, source in TEMPLATES.items()}
    vi = _env("vi", "<Sản phẩm>", templates)
    first = _compiled_in(vi, monkeypatch)
    load_apart([vi], ["page.html"])
    assert first == ["page.html", "base.html"]
    (kept,) = (tmp_path / "ocopsite").glob("templates.*")

    next_process()
    again = _env("vi", "<Sản phẩm>", templates)
    compiled = _compiled_in(again, monkeypatch)
    load_apart([again], ["page.html"])
    assert compiled == []  # read back, with the template it names
    assert again.references["page.html"] == {"base.html"}
    assert {key[1] for key in again.cache or {}} == {"page.html", "base.html"}
    assert again.get_template("page.html").render(x="&") == "<main>&lt;Sản phẩm&gt; &amp;</main>"
    # an edited template is compiled again; the others are still read back
    edited = _env("vi", "<Sản phẩm>", {**templates, "page.html": templates["page.html"] + "!"})
    recompiled = _compiled_in(edited, monkeypatch)
    load_apart([edited], ["page.html"])
    assert recompiled == ["page.html"]

    # edited since kept, with a language compiled apart: its new code is taken from the
    # other process, not compiled again here
    next_process()
    load_apart(
        [_env("vi", "<Sản phẩm>", templates), _env("en", "Products", templates)], ["page.html"]
    )
    next_process()
    changed = {**templates, "page.html": templates["page.html"].replace("{{ x }}", "{{ x }}?")}
    vi, en = _env("vi", "<Sản phẩm>", changed), _env("en", "Products", changed)
    here, apart = _compiled_in(vi, monkeypatch), _compiled_in(en, monkeypatch)
    load_apart([vi, en], ["page.html"])
    assert here == ["page.html"] and apart == []
    assert en.get_template("page.html").render(x="") == "<main>Products ?</main>"

    # a file not sealed with this user's key is not read: everything is compiled again
    next_process()
    kept.write_bytes(bytes(len(kept.read_bytes())))
    planted = _env("vi", "<Sản phẩm>", templates)
    compiled = _compiled_in(planted, monkeypatch)
    load_apart([planted], ["page.html"])
    assert compiled == ["page.html", "base.html"]
