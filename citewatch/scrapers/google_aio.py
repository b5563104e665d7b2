"""Google AI Overviews (`google.com/search?q=…&hl=…&gl=…`): selectors from engines.md §4.2 (July 2025 layout)
and §4.3 (the current layout, the AI Mode answer component inside the module), page contract in the replica
(`citewatch/replicas/google_aio/`).

The query rides in the URL. An overview often arrives deferred: its module is on the page at once, empty
with a "generating" preview, and its text comes from `/async/folsrch` a few seconds later. The scraper waits
for that (`_google.GoogleScraper`: from what is displayed, never from a placeholder's presence), opens "Show
more AI Overview" so every part is rendered, then opens what holds the sources: each July 2025 citation
cluster's "View related links" panel (what it listed is written onto the cluster as `data-cw-group-urls`),
every list's "Show all", and the cards' "Show all related links" dialog. Each of these clicks is optional and
short: what stays unopened, the extractor reports. The placeholders and previews are marked (`state_marks`,
`data-cw-visible`) however the wait ended, so the extractor knows which were displayed. A page without an
overview is saved as it is: the extractor reads it as `no_answer`, with its organic results. Nothing here
matches visible text.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import suppress
from typing import ClassVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from citewatch.scrapers import _google, steps
from citewatch.scrapers.base import Target
from citewatch.selectors import Selectors

PANEL_WAIT_MS = 3000
# The clicks that open what holds the sources are optional: a control something covers (a collapsed overview's
# fade over the clusters it hides) is skipped after this, and the extractor reports what stayed unopened.
CLICK_TIMEOUT_MS = 1000
CLUSTERS_BUDGET_S = 10.0  # opening July 2025 clusters one by one stops here; the rest are reported unopened
_PANEL_JS = """
(links) => links.map((a) => ({url: a.href, title: (a.getAttribute("aria-label") || a.textContent || "").trim()}))
"""
_MARK_JS = "(el, value) => el.setAttribute('data-cw-group-urls', value)"

# engines.md §4.2, §4.3: every selector is data in citewatch/selectors/google_aio.toml, which users can override.
SEL = Selectors("google_aio")


class GoogleAioScraper(_google.GoogleScraper):
    name = "google_aio"
    input = SEL.attr("input")
    module = SEL.attr("module")
    answer = SEL.attr("answer")
    generating = SEL.attr("generating")
    failure = SEL.attr("failure")
    unavailable = SEL.attr("unavailable")
    failure_message = "the engine could not generate an AI Overview"
    stable_s = 0.5
    network: ClassVar[tuple[re.Pattern[str], ...]] = (re.compile(r"/async/folsrch"),)  # engines.md §4.1, §4.2
    state_marks = SEL.attr("state_marks")
    citation_marks = SEL.attr("citation_marks")
    source_marks = SEL.attr("source_marks")
    show_more = SEL.attr("show_more")
    show_all = SEL.attr("show_all")
    cluster_buttons = SEL.attr("cluster_buttons")
    panel = SEL.attr("panel")
    panel_links = SEL.attr("panel_links")
    panel_close = SEL.attr("panel_close")
    full_list = SEL.attr("full_list")
    cards_dialog_opener = SEL.attr("cards_dialog_opener")
    dialog_cards = SEL.attr("dialog_cards")

    def wait_for_answer(self, page: Page, target: Target) -> None:
        """Until the overview's text is complete and stable (or the page shows it has none), then "Show more"."""
        super().wait_for_answer(page, target)
        self._show_more(page)

    def _show_more(self, page: Page) -> None:
        button = page.locator(f"{self.show_more} >> visible=true").first
        if not button.count() or not steps.click(button, CLICK_TIMEOUT_MS):
            return  # the extractor warns that the overview stayed collapsed
        with suppress(PlaywrightError):
            page.locator(self.show_more).first.wait_for(state="detached", timeout=PANEL_WAIT_MS)

    def expand_sources(self, page: Page) -> None:
        self._open_clusters(page)
        self._show_all_lists(page)
        self._open_cards_dialog(page)

    def _show_all_lists(self, page: Page) -> None:
        """Every list's "Show all": the July 2025 full list, or the second `<ul>` of a split list."""
        buttons = page.locator(self.show_all)
        clicked = False
        for index in reversed(range(buttons.count())):  # a clicked button may leave the page
            button = buttons.nth(index)
            if button.is_visible() and steps.click(button, CLICK_TIMEOUT_MS):
                clicked = True
        if clicked and page.locator(self.cluster_buttons).count():
            try:
                page.locator(self.full_list).first.wait_for(state="attached", timeout=PANEL_WAIT_MS)
            except PlaywrightError:
                return  # the extractor reads the sources the page did show

    def _open_cards_dialog(self, page: Page) -> None:
        opener = page.locator(f"{self.cards_dialog_opener} >> visible=true").first
        if not opener.count() or not steps.click(opener, CLICK_TIMEOUT_MS):
            return  # the extractor compares the cards read with the count the preview shows, and warns
        try:
            page.locator(self.dialog_cards).first.wait_for(state="visible", timeout=PANEL_WAIT_MS)
        except PlaywrightError:
            return  # the dialog's cards are in the DOM already on the pages seen; the preview is read anyway

    def _open_clusters(self, page: Page) -> None:
        """Open each cluster's related-links panel and write the links it listed onto the cluster. A cluster
        that cannot be clicked (the overview stayed collapsed and its fade covers it) is left unopened: the
        extractor reports it without URLs, and warns."""
        buttons = page.locator(self.cluster_buttons)
        deadline = time.monotonic() + CLUSTERS_BUDGET_S
        for index in range(buttons.count()):
            if time.monotonic() > deadline:
                return
            button = buttons.nth(index)
            if not steps.click(button, CLICK_TIMEOUT_MS):
                continue
            links = page.locator(self.panel_links)
            try:
                links.first.wait_for(state="visible", timeout=PANEL_WAIT_MS)
            except PlaywrightError:
                continue  # no panel opened
            group = links.evaluate_all(_PANEL_JS)
            button.locator("xpath=ancestor::div[@data-cid][1]").evaluate(_MARK_JS, json.dumps(group))
            self._close_panel(page)

    def _close_panel(self, page: Page) -> None:
        """Close the open panel, so it covers no later cluster: its close button, else Escape."""
        if not steps.click(page.locator(self.panel_close).first, CLICK_TIMEOUT_MS):
            with suppress(PlaywrightError):
                page.keyboard.press("Escape")
        with suppress(PlaywrightError):  # a panel left open is replaced by the next cluster's
            page.locator(self.panel).first.wait_for(state="hidden", timeout=PANEL_WAIT_MS)


SCRAPER = GoogleAioScraper()
