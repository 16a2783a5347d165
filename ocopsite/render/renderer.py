"""Each page as HTML in each language: a :class:`~ocopsite.view.pages.PageSpec` rendered
with the context every template shares (language links, canonical and hreflang URLs,
Open Graph, the UI strings), and the HTML many pages repeat rendered once.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Hashable, Iterable
from functools import partial
from typing import Any

import jinja2
from markupsafe import Markup

from ocopsite.assets.images import Rendition
from ocopsite.load.catalogue import Catalogue
from ocopsite.model.status import STATES
from ocopsite.render import offline
from ocopsite.search import index as search
from ocopsite.view import jsonld
from ocopsite.view.i18n import Strings
from ocopsite.view.markup import render_markdown
from ocopsite.view.pages import PageSpec
from ocopsite.view.theme import Theme, environment
from ocopsite.view.urls import SCANNED, Route, Urls
from ocopsite.view.views import Views
from ocopsite.view.viewtypes import CardOf

#: The template whose macros :meth:`Renderer._fragment` renders once.
FRAGMENTS = "_macros.html"
#: The pages every page links to (``links.<name>`` in templates).
LINKED = (
    *("home", "products", "producers", "browse", "news_index", "search"),
    *("opendata", "statistics", "about_ocop", "events", "offline"),
)
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
OG_LOCALES = {"vi": "vi_VN", "en": "en_US"}
#: The theme's static image for pages without a photo (see tools/share_image.py).
SHARE_IMAGE = "share.png"


class Renderer:
    """Renders page specs with the shared context of every page."""

    def __init__(
        self,
        catalogue: Catalogue,
        theme: Theme,
        strings: dict[str, Strings],
        urls: Urls,
        renditions: dict[str, Rendition],
        assets: dict[str, str],
    ) -> None:
        self.catalogue = catalogue
        self.theme = theme
        self.urls = urls
        self.assets = assets
        #: Shown when a page shared on social media has no photo of its own.
        self.share_image = urls.asset(assets[SHARE_IMAGE]) if SHARE_IMAGE in assets else None
        shared: dict[str, dict[Any, Any]] = {}  # what the views of every language share
        self.views = {
            lang: Views(catalogue, urls, strings[lang], renditions, render_markdown, shared)
            for lang in catalogue.config.languages
        }
        # One environment per language, whose templates hold that language's UI strings
        # and whose globals are its site texts and links: macros then need no "with
        # context" import, so Jinja caches them, and what every page shows (header,
        # footer, cards) can be rendered once.
        self.envs = {}
        self.fragments: dict[str, dict[tuple[str, Hashable], Markup]] = {}
        for lang, v in self.views.items():
            env = environment(theme, v.t.table)
            env.plain_globals(t=v.t, asset=self._asset, fragment=partial(self._fragment, lang))
            env.globals.update(
                lang=lang,
                site=self._site(v),
                links={name: v.href(Route(name)) for name in LINKED},
                # a GTIN's page, its GTIN-14 zeros (the code box's script puts one in)
                gtin_href=v.href(Route("gtin", "0" * 14)),
                feed_url=v.href(Route("feed")),
                web_manifest=urls.root_file(offline.WEB_MANIFEST)[0],
                state_labels=json.dumps(
                    {state: v.t(f"status.{state}") for state in STATES},
                    ensure_ascii=False,
                    separators=(",", ":"),
                ),
                search={"index": urls.search_file(search.MANIFEST)[0]},
            )
            self.envs[lang] = env
            self.fragments[lang] = {}
        #: What the head of every page in a language shows besides the page's own.
        self._page_constants = {
            lang: (
                v.text(self.catalogue.config.title).text,
                OG_LOCALES.get(lang, lang),
                [(code, LANGUAGE_NAMES.get(code, code)) for code in self.views if code != lang],
            )
            for lang, v in self.views.items()
        }
        #: og:image of the pages without a photo of their own.
        self._share_image_url = (
            urls.absolute_from_href(self.share_image) if self.share_image else None
        )

    def load_templates(self, names: Iterable[str]) -> None:
        """Load the templates ``names`` and the fragments' in every language, now.

        Worker processes forked afterwards share them, instead of each loading
        (and, in a fresh process, compiling) them again. A template that cannot be
        loaded is left for rendering to report, with the page it belongs to.
        """
        for env in self.envs.values():
            for name in (*sorted(names), FRAGMENTS):
                with contextlib.suppress(jinja2.TemplateError):
                    env.get_template(name)

    def _asset(self, name: str) -> str:
        return self.urls.asset(self.assets[name])

    def _fragment(self, lang: str, macro: str, key: Hashable, *args: Any) -> Markup:
        """``macro`` of :data:`FRAGMENTS` called with ``args``, rendered once per ``key``.

        For HTML that many pages repeat (a product's card, the header, the footer),
        as Hugo's ``partialCached``: ``key`` must name everything the result depends
        on besides the language, whose UI strings are the macro's only other input.
        """
        store = self.fragments[lang]
        found = store.get((macro, key))
        if found is None:
            module = self.envs[lang].get_template(FRAGMENTS).module
            if not hasattr(module, macro):
                raise jinja2.TemplateRuntimeError(f"{FRAGMENTS} has no macro '{macro}'")
            made = (arg.view() if isinstance(arg, CardOf) else arg for arg in args)
            found = store[(macro, key)] = getattr(module, macro)(*made)
        return found

    def _site(self, v: Views) -> dict[str, Any]:
        config = self.catalogue.config
        return {
            "title": v.text(config.title),
            "demo": config.demo,
            "contact": config.contact,
            "as_of": v.date(config.build_date),
        }

    def render(self, spec: PageSpec, lang: str) -> str:
        """The HTML of ``spec`` in ``lang``. Template errors propagate to the caller."""
        v = self.views[lang]
        config = self.catalogue.config
        languages = config.languages
        urls = self.urls
        route = spec.route
        site_title, og_locale, others = self._page_constants[lang]
        # the page's address in each language: canonical, hreflang and x-default
        absolute = {code: urls.absolute(route, code) for code in languages}
        image = spec.image(v) if spec.image else None
        title = spec.title(v)
        context = {
            "lang": lang,
            "t": v.t,
            "site": self.envs[lang].globals["site"],
            "page": {
                "route": route,
                "title": title if route.kind == "home" else f"{title} · {site_title}",
                "heading": title,
                "description": spec.description(v) if spec.description else "",
                "canonical": absolute[lang],
                "alternates": list(absolute.items()),
                "x_default": absolute[languages[0]],
                "switch": [(code, name, urls.href(route, code)) for code, name in others],
                "og_type": spec.og_type,
                "og_locale": og_locale,
                "og_image": urls.absolute_from_href(image) if image else self._share_image_url,
                # Only the default language's address (where a QR code leads) is
                # switched to the reader's language; an explicit /en/... never is.
                "autolang": (
                    jsonld.script_json(
                        {
                            "to": {code: urls.href(route, code) for code in languages},
                            "intl": config.international_language,
                            # the 404 page reads the address it was served for
                            "path": route.kind == "not_found",
                            # switched only when its address asks (see SCANNED)
                            **({"q": SCANNED} if spec.meta["autolang"] == SCANNED else {}),
                        }
                    )
                    if spec.meta.get("autolang") and lang == languages[0]
                    else None
                ),
                "noindex": bool(spec.meta.get("noindex")),
            },
            **spec.data(v),
        }
        return self.envs[lang].get_template(spec.template).render(context)
