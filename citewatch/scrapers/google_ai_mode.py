"""Google AI Mode (`google.com/search?udm=50&q=…&hl=…&gl=…`): selectors from engines.md §5, page contract in
the replica.

The question rides in the URL (`_google.GoogleScraper`, the base it shares with AI Overviews), so there is
nothing to type: the page starts answering as it loads. Nothing here matches visible text (the UI is
localised, engines.md §7 "Locale"): data attributes, ids and roles.
"""

from __future__ import annotations

from typing import ClassVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from citewatch.scrapers import _google, steps
from citewatch.scrapers.base import Target
from citewatch.selectors import Selectors

SOURCES_WAIT_S = 5.0  # cards may render a moment after the answer text has settled
DIALOG_WAIT_S = 3.0
CLICK_TIMEOUT_MS = 1000  # opening the dialog is optional: a button something covers is left after this

# engines.md §5: every selector is data in citewatch/selectors/google_ai_mode.toml, which users can override.
SEL = Selectors("google_ai_mode")


class GoogleAiModeScraper(_google.GoogleScraper):
    name = "google_ai_mode"
    search_params: ClassVar[dict[str, str]] = {"udm": "50"}
    input = SEL.attr("input")
    done = SEL.attr("done")
    generating = SEL.attr("generating")
    answer = SEL.attr("answer")
    failure = SEL.attr("failure")
    citation_marks = SEL.attr("citation_marks")
    source_marks = SEL.attr("source_marks")
    sites_button = SEL.attr("sites_button")
    dialog_cards = SEL.attr("dialog_cards")

    def wait_for_answer(self, page: Page, target: Target) -> None:
        super().wait_for_answer(page, target)
        if page.locator(self.citation_marks).count():  # cited answers list their sources beside them
            try:
                page.locator(self.source_marks).first.wait_for(state="attached", timeout=SOURCES_WAIT_S * 1000)
            except PlaywrightError:
                return  # the extractor reports the citations without cards, and warns

    def expand_sources(self, page: Page) -> None:
        """Open the "N sites" dialog. The page may hold more than one such button, only one of them shown: that
        one is clicked. A click it cannot take leaves the dialog closed, which the extractor reports."""
        button = page.locator(f"{self.sites_button} >> visible=true").first
        if not button.count():
            return  # an answer without sources has no "N sites" button
        show_all = button.get_attribute("aria-describedby")  # read first: the click may take the button away
        if steps.click(button, CLICK_TIMEOUT_MS) and self._dialog_opened(page):
            return
        if show_all and steps.click(page.locator(f'[id="{show_all}"] >> visible=true').first, CLICK_TIMEOUT_MS):
            self._dialog_opened(page)

    def _dialog_opened(self, page: Page) -> bool:
        try:
            page.locator(self.dialog_cards).first.wait_for(state="attached", timeout=DIALOG_WAIT_S * 1000)
        except PlaywrightError:
            return False
        return True


SCRAPER = GoogleAiModeScraper()
