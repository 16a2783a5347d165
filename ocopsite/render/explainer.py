"""The "OCOP explained" page: what the programme, its stars and the certifications mean.

Its texts are UI strings of the theme (``about.*``, ``stars.meaning.*``,
``scheme_about.*``), so a site may reword them in its own theme. Stars and
certification names elsewhere link to its anchors ``#stars-<n>`` and
``#cert-<scheme>`` (see :meth:`ocopsite.view.views.Views.about`).
"""

from __future__ import annotations

from typing import Any

from ocopsite.model import CERTIFICATION_SCHEMES, STAR_LEVELS
from ocopsite.view.pages import PageSpec, showing
from ocopsite.view.urls import Route
from ocopsite.view.views import Views

ROUTE = Route("about_ocop")


def _data(v: Views) -> dict[str, Any]:
    return {
        "levels": [
            {
                "stars": n,
                "label": v.t("stars.label", n=n),
                "short": v.t("stars.short", n=n),
                "meaning": v.t(f"stars.meaning.{n}"),
                "detail": v.t(f"stars.detail.{n}"),
            }
            for n in STAR_LEVELS
        ],
        "schemes": [
            (scheme, v.t(f"scheme.{scheme}"), v.t(f"scheme_about.{scheme}"))
            for scheme in CERTIFICATION_SCHEMES
        ],
    }


def explainer_page() -> PageSpec:
    return PageSpec(
        ROUTE,
        "about_ocop.html",
        _data,
        lambda v: v.t("about.title"),
        description=lambda v: v.t("about.stars_text"),
        og_type="article",
        depends=showing(),  # UI strings only: the site key covers them
    )
