"""schema.org JSON-LD for product pages, embedded safely in ``<script>`` elements."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from ocopsite.model import Certification, Lot, Product
from ocopsite.model import gtin as gtins
from ocopsite.view.views import Views

_ACTIVE = "https://schema.org/CertificationActive"
_INACTIVE = "https://schema.org/CertificationInactive"
#: The encoder of :func:`script_json` (one, not one a call).
_SCRIPT_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def script_json(data: Any) -> Markup:
    """``data`` as JSON that cannot close its ``<script>`` element or open a comment."""
    text = _SCRIPT_JSON.encode(data)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def of_lot(product: Markup, lot: Lot) -> Markup:
    """The JSON-LD of one production lot of a product, from the product's own (made
    by :func:`product` without ``lot``): the same, with the lot's production date.

    Keys are sorted, and ``productionDate`` is the one that sorts just before ``url``,
    always there and so always the last; a ``url`` nested further in (a certificate's)
    comes before it, and one inside a string is escaped, so the last ``,"url":`` of
    the text is the product's own.
    """
    text = str.__str__(product)  # the text: pieces of Markup would escape what is added
    at = text.rfind(',"url":')
    if at < 0 or not text.startswith("{"):
        raise ValueError("not the JSON-LD of a product")
    date = f',"productionDate":"{lot.produced.isoformat()}"'
    return Markup(text[:at] + date + text[at:])


def _certification(views: Views, cert: Certification) -> dict[str, Any]:
    view = views.certification(cert)
    status = view.status
    data: dict[str, Any] = {
        "@type": "Certification",
        "name": str(view.name),
        "certificationIdentification": cert.number,
        "issuedBy": {"@type": "Organization", "name": views.text(cert.issuer).text},
        "validFrom": cert.issued.isoformat(),
        "certificationStatus": _ACTIVE if status.in_force else _INACTIVE,
    }
    if cert.expires:
        data["expires"] = cert.expires.isoformat()
    if cert.url:
        data["url"] = cert.url
    return data


def product(
    views: Views,
    item: Product,
    canonical: str,
    images: list[str],
    digital_link: str | None = None,
    lot: Lot | None = None,
) -> Markup:
    """The ``Product`` of ``item``: GTIN, manufacturer, origin, OCOP award and certifications.

    With ``digital_link`` it names the product's GS1 Digital Link URI; with ``lot``
    it describes that production lot (its production date).
    """
    producer = views.catalogue.producers[item.producer]
    rating = views.rating(item.ocop, producer)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": views.text(item.name).text,
        "url": canonical,
        "category": views.t(f"category.{item.category}"),
        "countryOfOrigin": {"@type": "Country", "name": "VN"},
        "manufacturer": {
            "@type": "Organization",
            "name": views.text(producer.name).text,
            "address": {
                "@type": "PostalAddress",
                "addressCountry": "VN",
                "addressRegion": views.province_name(producer.province),
                "addressLocality": producer.commune,
                **(
                    {"streetAddress": views.text(producer.address).text} if producer.address else {}
                ),
            },
        },
        # Only a rating in force is presented as an award (a revoked one is not).
        **({"award": f"OCOP {rating.short} ({rating.year})"} if rating.status.in_force else {}),
        "hasCertification": [
            {
                "@type": "Certification",
                "name": f"OCOP {rating.short}",
                "certificationIdentification": item.ocop.decision,
                "issuedBy": {
                    "@type": "Organization",
                    "name": rating.authority or rating.granted_by,
                },
                "validFrom": item.ocop.issued.isoformat(),
                "expires": item.ocop.expires.isoformat(),
                "certificationRating": {
                    "@type": "Rating",
                    "ratingValue": item.ocop.stars,
                    "bestRating": 5,
                    "worstRating": 1,
                },
                "certificationStatus": _ACTIVE if rating.status.in_force else _INACTIVE,
            },
            *(_certification(views, cert) for cert in item.certifications),
        ],
    }
    if item.summary:
        data["description"] = views.text(item.summary).text
    if images:
        data["image"] = images
    if digital_link:
        data["hasGS1DigitalLink"] = digital_link
    if lot is not None:
        data["productionDate"] = lot.produced.isoformat()
    if item.gtin:
        data["gtin14"] = item.gtin
        shown = gtins.display(item.gtin)
        if len(shown) == 13:
            data["gtin13"] = shown
    return script_json(data)
