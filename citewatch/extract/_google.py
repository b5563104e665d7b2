"""Reading a Google results page around its AI answer: walls, organic results, "People also ask".

Shared by the `google_aio` and `google_ai_mode` extractors. The API is four functions:

- `google_wall(tree, url, html)`: `captcha`, `blocked` or `consent_required` when the page is a Google wall
  (the `/sorry/` captcha, the consent interstitial) instead of results; None otherwise.
- `organic_results(tree, url)`: the classic results of the page, in rank order, deduplicated by URL.
- `related_questions(tree)`: the "People also ask" questions.
- `shown(el)`: whether an element was displayed (Google keeps placeholders and previews in the DOM, hidden).

Nothing matches visible text: the UI is localised (engines.md §7 "Locale"); hooks are ids and data attributes.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from citewatch.extract._html import Element, detect_wall, first, text_of, visible_of, with_class
from citewatch.extract._urls import url_fields
from citewatch.models import ExtractionStatus, OrganicResult

__all__ = ["google_wall", "organic_results", "related_questions", "shown"]

DEFAULT_ORIGIN = "https://www.google.com"

# engines.md §7 "Google": the captcha lives at /sorry/index; the consent interstitial at consent.google.*
# (huge-ai-search `is_consent_page`). Its forms post to consent.google.*/save with the choice in `set_eom`
# ("Reject all" true, "Accept all" false), a field name that is the same in every language.
SORRY_PATH = "/sorry/"
# Attributes are tested through attribute steps (`//@id[. = 'x']/parent::*`), as `with_class` explains.
CONSENT_FORM = etree.XPath(
    "/descendant::form[contains(@action, 'consent.google.') or descendant::*/@name[. = 'set_eom']]"
)

# Organic results (capture-verified on both shared/captures/google_aio pages): each is `a[href] > h3` in the
# results column `#rso`. "People also ask" answers hold the same `a > h3` shape inside the question pairs
# (`div[data-initq]` > `div[data-q]`), so those are left out. The snippet box is `div[data-snf=nke7rc]`
# (the same grid area on every result), with the long-lived `div.VwiC3b` as second hook.
ORGANIC_LINKS = etree.XPath(
    "//@id[. = 'rso']/parent::*/descendant::a[@href][h3][not(ancestor::*[@data-initq or @data-q])]"
)
RESULT_BOX = etree.XPath("ancestor::*[@data-hveid][@lang][1] | ancestor::*[@data-rpos][1]")
RESULT_SNIPPET = etree.XPath(
    f"descendant::*/@data-snf[. = 'nke7rc']/parent::* | {with_class('VwiC3b', 'descendant::div')}"
)
# engines.md §4.3: what hides an element on a stored page without the scraper's marks.
_HIDING_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.IGNORECASE)
# "People also ask": the question is the pair's `data-q` attribute (its text is the localised question too).
RELATED_QUESTIONS = etree.XPath("//@data-initq/parent::*/descendant::*/@data-q")


def origin_of(url: str | None) -> str:
    """`scheme://host` of the page, for its relative links; google.com when the page's address is unknown."""
    if url:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return DEFAULT_ORIGIN


def google_wall(tree: Element, url: str | None, html: str | bytes | None = None) -> ExtractionStatus | None:
    """The wall the page shows instead of results, if any."""
    path = urlsplit(url).path if url else ""
    host = (urlsplit(url).hostname or "") if url else ""
    if path.startswith(SORRY_PATH):
        return ExtractionStatus.captcha
    wall = detect_wall(tree, html)
    if wall is not None:
        return wall
    if host.startswith("consent.google.") or CONSENT_FORM(tree):
        return ExtractionStatus.consent_required
    return None


def organic_results(tree: Element, url: str | None = None) -> list[OrganicResult]:
    base = origin_of(url)
    results: list[OrganicResult] = []
    seen: set[str] = set()
    for link in ORGANIC_LINKS(tree):
        raw, canonical, domain = url_fields(link.get("href"), base)
        if raw is None or canonical is None or canonical in seen or _is_google(domain):
            continue
        seen.add(canonical)
        box = first(reversed(RESULT_BOX(link)))  # the nearer of the two hooks
        snippet = text_of(first(RESULT_SNIPPET(box))) if box is not None else ""
        results.append(
            OrganicResult(
                position=len(results) + 1,
                url=raw,
                canonical_url=canonical,
                domain=domain,
                title=text_of(first(link.iterchildren("h3"))) or None,
                snippet=snippet or None,
            )
        )
    return results


def related_questions(tree: Element) -> list[str]:
    questions: list[str] = []
    for question in RELATED_QUESTIONS(tree):
        text = " ".join(str(question).split())
        if text and text not in questions:
            questions.append(text)
    return questions


def _is_google(domain: str | None) -> bool:
    """Links back into Google (other verticals, "More results") are not organic results."""
    return domain is not None and domain.split(".", 1)[0] == "google"


def shown(el: Element) -> bool:
    """Whether `el` was displayed: the scraper's visibility mark when it recorded one, else no hiding style,
    `hidden` attribute or `aria-hidden="true"` on the element or an ancestor (engines.md §4.3: a finished
    overview keeps its "not available" and "can't generate" placeholders in the DOM, hidden)."""
    mark = visible_of(el)
    if mark is not None:
        return mark
    return not any(hides(node) for node in (el, *el.iterancestors()))


def hides(el: Element) -> bool:
    """`el` itself hides what it holds (style, `hidden`, `aria-hidden`)."""
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style) and _HIDING_STYLE.search(style or "") is not None
