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

from citewatch.extract._html import Element, detect_wall, first, text_of, visible_of
from citewatch.extract._urls import url_fields
from citewatch.models import ExtractionStatus, OrganicResult
from citewatch.selectors import Selectors

__all__ = ["google_wall", "organic_results", "related_questions", "shown"]

DEFAULT_ORIGIN = "https://www.google.com"

# engines.md §7 "Google": the captcha lives at /sorry/index; the consent interstitial at consent.google.*
# (huge-ai-search `is_consent_page`). Its forms post to consent.google.*/save with the choice in `set_eom`
# ("Reject all" true, "Accept all" false), a field name that is the same in every language.
SORRY_PATH = "/sorry/"
# Every selector is data in citewatch/selectors/_google.toml, shared by both Google engines.
SEL = Selectors("_google")

# engines.md §4.3: what hides an element on a stored page without the scraper's marks.
_HIDING_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.IGNORECASE)


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
    if host.startswith("consent.google.") or SEL.xpath("consent_form")(tree):
        return ExtractionStatus.consent_required
    return None


def organic_results(tree: Element, url: str | None = None) -> list[OrganicResult]:
    base = origin_of(url)
    results: list[OrganicResult] = []
    seen: set[str] = set()
    result_box, result_snippet = SEL.xpath("result_box"), SEL.xpath("result_snippet")
    for link in SEL.xpath("organic_links")(tree):
        raw, canonical, domain = url_fields(link.get("href"), base)
        if raw is None or canonical is None or canonical in seen or _is_google(domain):
            continue
        seen.add(canonical)
        box = first(reversed(result_box(link)))  # the nearer of the two hooks
        snippet = text_of(first(result_snippet(box))) if box is not None else ""
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
    for question in SEL.xpath("related_questions")(tree):
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
