"""What every Google results-page scraper shares (AI Overviews, AI Mode): the search URL with its locale,
the consent interstitial, the `/sorry/` captcha, the redirects between them, and the answer wait.

- `GoogleScraper`: the base of both scrapers: `start_url` is `search_url`, `submit` only `settle`s, and
  `wait_for_answer` waits for what the page displays (`answer` text stable, no `generating` marker shown,
  `done` shown) or for the page to show it has no answer (`unavailable` shown, no `module` at all).
- `search_url(target, **params)`: `<origin>/search?q=…&hl=…&gl=…` (+ engine params such as `udm=50`), the
  same language and country for every Google engine, so one campaign job asks both from the same place.
- `SEL`: the selectors both Google engines share (citewatch/selectors/_google.toml), among them
  `consent_buttons`, the "Accept all" controls of the consent interstitial and of the in-page dialog.
- `settle(page)`: wait for the page a consent or country redirect is still loading.

The `/sorry/` captcha needs nothing of its own: the pipeline's `steps.check_walls` reports `/sorry/` URLs and
`form#captcha-form` as `captcha`, and `steps.check_response` does not retry the 429 Google serves it with.
Nothing matches visible text (engines.md §7 "Locale"): ids, form fields and data attributes only.
"""

from __future__ import annotations

import time
from typing import ClassVar
from urllib.parse import urlencode, urlsplit

from playwright.sync_api import Page

from citewatch.errors import IncompleteAnswer, TransientCaptureError
from citewatch.scrapers import steps
from citewatch.scrapers.base import ChatScraper, Target
from citewatch.selectors import Selectors

__all__ = ["SEL", "GoogleScraper", "search_url", "settle"]

NO_MODULE_GRACE_S = 1.0  # a results page is final once loaded; a deferred module is in its first HTML

# engines.md §7 "Cookie/consent": the selectors both Google engines share are data, which users can override.
SEL = Selectors("_google")


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


# What the page displays, read in one round trip. An element counts as shown when it has boxes and is not
# hidden by `visibility` (`checkVisibility`): Google keeps its placeholders and previews in the DOM, hidden.
_STATE_JS = """
([module, answer, generating, failure, unavailable, done]) => {
  const displayed = (el) => el.getClientRects().length > 0
    && (el.checkVisibility ? el.checkVisibility({visibilityProperty: true}) : true);
  const shown = (sel) => !!sel && Array.from(document.querySelectorAll(sel)).some(displayed);
  let text = "";
  document.querySelectorAll(answer).forEach((el) => { text += el.textContent; });
  return {module: !module || !!document.querySelector(module), text: text, generating: shown(generating),
          failed: shown(failure), unavailable: shown(unavailable), done: !done || shown(done),
          loaded: document.readyState === "complete"};
}
"""


class GoogleScraper(ChatScraper):
    """A Google results page whose AI answer the question in the URL starts. Subclasses set the selectors."""

    consent_buttons = SEL.attr("consent_buttons", many=True)
    search_params: ClassVar[dict[str, str]] = {}  # the engine's own URL parameters (`udm=50`)
    # The container whose absence, once the page has loaded, means the page has no AI answer (None: the
    # answer always comes, only late), and the placeholder that says so when it is displayed.
    module: ClassVar[str | None] = None
    unavailable: ClassVar[str | None] = None
    failure_message: ClassVar[str] = "the engine answered with an error"

    def start_url(self, target: Target) -> str:
        return search_url(target, **self.search_params)

    def submit(self, page: Page, target: Target) -> None:
        settle(page)

    def wait_for_answer(self, page: Page, target: Target) -> None:
        """Until the answer's text is stable, nothing shows it is still generating and its `done` marker is
        shown; or until the page shows it has no answer. Raises when the page shows a failure."""
        start = time.monotonic()
        text, stable_since = "", start
        selectors = [self.module, self.answer, self.generating, self.failure, self.unavailable, self.done]
        while True:
            now = time.monotonic()
            state = page.evaluate(_STATE_JS, selectors)
            if state["text"] != text:
                text, stable_since = state["text"], now
            if state["failed"]:
                if text.strip():
                    raise IncompleteAnswer("the engine stopped the answer half-way with an error")
                raise TransientCaptureError(self.failure_message)
            if state["unavailable"]:
                return
            if not state["module"]:
                if state["loaded"] and now - start >= NO_MODULE_GRACE_S:
                    return  # no AI answer on this results page
            elif text.strip() and not state["generating"] and state["done"] and now - stable_since >= self.stable_s:
                return
            if not text.strip() and not state["generating"]:
                steps.check_walls(page, self.name, self.login_wall)
                if self.module is None and now - start > steps.START_TIMEOUT_S:
                    raise TransientCaptureError(f"no answer started within {steps.START_TIMEOUT_S:.0f} s")
            if now - start > target.timeout_s:
                if text.strip():
                    raise IncompleteAnswer(f"the answer did not finish within {target.timeout_s:.0f} s")
                raise TransientCaptureError(f"no answer within {target.timeout_s:.0f} s")
            page.wait_for_timeout(steps.ANSWER_POLL_S * 1000)
