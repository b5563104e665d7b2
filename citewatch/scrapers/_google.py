"""What every Google results-page scraper shares (AI Overviews, AI Mode): the search URL with its locale,
the consent interstitial, the `/sorry/` captcha, and the redirects between them.

- `search_url(target, **params)`: `<origin>/search?q=…&hl=…&gl=…` (+ engine params such as `udm=50`).
- `CONSENT_BUTTONS`: the "Accept all" controls of the consent interstitial and of the in-page dialog.
- `settle(page)`: wait for the page a consent or country redirect is still loading.

The `/sorry/` captcha needs nothing of its own: the pipeline's `steps.check_walls` reports `/sorry/` URLs and
`form#captcha-form` as `captcha`, and `steps.check_response` does not retry the 429 Google serves it with.
Nothing matches visible text (engines.md §7 "Locale"): ids, form fields and data attributes only.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from playwright.sync_api import Page

from citewatch.scrapers.base import Target

__all__ = ["CONSENT_BUTTONS", "search_url", "settle"]

# engines.md §7 "Cookie/consent": "Accept all" is `button#L2AGLb` in every language (the dialog on
# google.com and the consent.google.com interstitial); otherwise the interstitial form whose choice field
# `set_eom` is "false" (accept).
CONSENT_BUTTONS = (
    "button#L2AGLb",
    'form[action*="consent.google."]:has(input[name="set_eom"][value="false"]) button',
)


def search_url(target: Target, **params: str) -> str:
    """The results page for `target.prompt` on the target's origin, in its language (`hl`) and country (`gl`)."""
    parts = urlsplit(target.base_url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else target.base_url.rstrip("/")
    language, _, region = target.locale.partition("-")
    query = {"q": target.prompt, "hl": language or "en", **params}
    country = target.country or region
    if country:
        query["gl"] = country.upper()
    return f"{origin}/search?{urlencode(query)}"


def settle(page: Page) -> None:
    """The question is in the start URL; only wait for the page a consent or country redirect may still load."""
    page.wait_for_load_state("domcontentloaded")
