"""Perplexity (www.perplexity.ai): selectors from engines.md §1.2, page contract in the replica."""

from __future__ import annotations

import json
import re
from typing import ClassVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from citewatch.extract.perplexity import CARD_PANELS
from citewatch.scrapers import steps
from citewatch.scrapers.base import ChatScraper

PANEL_WAIT_MS = 3000  # how long a chip's popover or the Sources panel may take to open (or close)
# engines.md §1.2: grouped chips read "wikipedia+2"; the popover lists every source behind the chip.
_GROUP_LABEL = re.compile(r"\+\d+\s*$")
_CHIP = "span.inline-flex:has(> span.citation)"
_POPOVER = "div[data-radix-popper-content-wrapper]"
# The page's own selector engine: Playwright's would first be compiled into the page (~50 ms), for nothing when
# no chip is grouped. The chips are in the light DOM, so both list them alike, in document order.
_LABELS_JS = "(selector) => Array.from(document.querySelectorAll(selector), (chip) => chip.textContent)"
_POPOVER_JS = """
(popover) => Array.from(popover.querySelectorAll("a[href]")).map((a) => ({
  url: a.href,
  title: (a.querySelector(".font-medium") || a).textContent.trim(),
}))
"""


class PerplexityScraper(ChatScraper):
    name = "perplexity"
    input = "#ask-input"  # engines.md §1.2 prompt input (contenteditable, lexical)
    submit_button = 'button[aria-label="Submit"]:not(.pointer-events-none)'  # disabled until text is typed
    generating = 'button[aria-label^="Stop response"]'  # engines.md §1.2 generating
    answer = 'div[id^="markdown-content-"]'  # engines.md §1.2 answer container (Feb-2026 DOM)
    done = 'button[aria-label="Copy"]'
    failure = 'div[role="alert"]'
    consent_buttons = ('#cookie-consent button:has-text("Accept")',)  # engines.md §7 cookie banner
    login_wall = ('div[role="dialog"][aria-modal="true"]:has-text("Sign in")',)
    network: ClassVar[tuple[re.Pattern[str], ...]] = (re.compile(r"/rest/sse/perplexity_ask"),)  # §1.3
    citation_marks = 'span.citation, div[id^="markdown-content-"] a[href]'
    # The Links panel, and the result tabs whose cards the extractor reads as sources of their kind.
    source_marks = ", ".join(f'[role="tabpanel"][id$="-content-{tab}"] a[href]' for tab in ("sources", *CARD_PANELS))
    sources_tab = 'button[role="tab"][id$="-trigger-sources"] >> visible=true'  # §1.2: a hidden twin exists
    sources_links = '[role="tabpanel"][id$="-content-sources"] a[href^="http"]'

    def expand_sources(self, page: Page) -> None:
        self._expand_groups(page)
        tab = page.locator(self.sources_tab).first
        if tab.count() and steps.click(tab, PANEL_WAIT_MS):
            try:
                page.locator(self.sources_links).first.wait_for(state="attached", timeout=PANEL_WAIT_MS)
            except PlaywrightError:
                return  # an answer without sources has an empty panel

    def _expand_groups(self, page: Page) -> None:
        """Hover each "+N" chip and write the sources its popover lists onto the chip for the extractor. A chip
        left unopened is reported by the extractor with its label and first URL, and a warning."""
        chips = page.locator(_CHIP)
        labels: list[str] = page.evaluate(_LABELS_JS, _CHIP)
        for index, label in enumerate(labels):
            if not _GROUP_LABEL.search(label.strip()):
                continue
            chip = chips.nth(index)
            popover = page.locator(_POPOVER).last
            try:
                chip.hover(timeout=PANEL_WAIT_MS)
                popover.wait_for(state="visible", timeout=PANEL_WAIT_MS)
            except PlaywrightError:
                continue
            sources = popover.evaluate(_POPOVER_JS)
            chip.locator("span.citation").first.evaluate(
                "(el, value) => el.setAttribute('data-cw-group-urls', value)", json.dumps(sources)
            )
            if not _close(page, popover):
                return  # the next chip's popover could not be told from this one: its sources would be wrong


def _close(page: Page, popover: Locator) -> bool:
    """Close a chip's popover: move the pointer away (hover cards), else press Escape (popovers). False when
    it stays open."""
    page.mouse.move(0, 0)
    if _detached(popover):
        return True
    page.keyboard.press("Escape")
    return _detached(popover)


def _detached(popover: Locator) -> bool:
    try:
        popover.wait_for(state="detached", timeout=PANEL_WAIT_MS)
    except PlaywrightError:
        return False
    return True


SCRAPER = PerplexityScraper()
