"""The "OCOP explained" page, the links to it, and the small things every page shares."""

from __future__ import annotations

from conftest import BuiltSite


def test_explainer_in_both_languages_with_every_level_and_scheme(bilingual_site: BuiltSite) -> None:
    vi = bilingual_site.page("ocop/")
    en = bilingual_site.page("en/ocop/")
    assert "<h1>Tìm hiểu về OCOP</h1>" in vi and "<h1>OCOP explained</h1>" in en
    for n in (3, 4, 5):
        assert f'id="stars-{n}"' in en
        assert f'aria-label="{n} out of 5 stars"' in en
    for scheme in ("vietgap", "globalgap", "haccp", "iso22000", "organic", "gacp", "gmp"):
        assert f'id="cert-{scheme}"' in en
    assert 'id="qr"' in en and "QR code" in en


def test_explainer_is_linked_from_header_footer_rating_box_and_certificates(
    bilingual_site: BuiltSite,
) -> None:
    html = bilingual_site.page("en/products/mien-dong/")
    header = html.split("</header>", 1)[0]
    footer = html.split("<footer>", 1)[1]
    assert 'href="/ocop/en/ocop/"' in header
    assert 'href="/ocop/en/ocop/"' in footer
    head = html.split('<article class="product">', 1)[1].split('id="rating-h"', 1)[0]
    assert '<a class="stars-link" href="/ocop/en/ocop/#stars-5">' in head
    assert "90–100 points: a national OCOP product" in head
    scanned = bilingual_site.page("en/01/09520000001018/10/TH2510A/")
    assert '<a class="stars-link" href="/ocop/en/ocop/#stars-5">' in scanned
    assert '<a href="/ocop/en/ocop/#cert-vietgap">VietGAP</a>' in html


def test_footer_contact_items_are_apart_and_demo_note_is_in_the_header(
    sample_site: BuiltSite,
) -> None:
    html = sample_site.page("en/")
    footer = html.split("<footer>", 1)[1]
    assert '<li><a href="mailto:ocop@example.org">ocop@example.org</a></li>' in footer
    assert '<li><a href="tel:02083850000">0208 3850 000</a></li>' in footer
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    assert 'class="demo"' in header


def test_explainer_promises_only_the_states_a_shopper_is_shown(bilingual_site: BuiltSite) -> None:
    """A rating near its end reads "valid until" (ocopsite.model.status): the explainer does
    not promise an "expiring soon" warning that no page gives."""
    assert "sắp hết hạn" not in bilingual_site.page("ocop/")
    assert "expiring soon" not in bilingual_site.page("en/ocop/")
