"""Perplexity (www.perplexity.ai): selectors from engines.md §1.2, page contract in the replica."""

from __future__ import annotations

import json
import re
from typing import ClassVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from citewatch.scrapers import steps
from citewatch.scrapers.base import ChatScraper
from citewatch.selectors import Selectors

PANEL_WAIT_MS = 3000  # how long a chip's popover or the Sources panel may take to open (or close)
# engines.md §1.2: grouped chips read "wikipedia+2"; the popover lists every source behind the chip.
_GROUP_LABEL = re.compile(r"\+\d+\s*$")
# engines.md §1.2, §1.3, §7: every selector is data in citewatch/selectors/perplexity.toml (users can override it).
SEL = Selectors("perplexity")
# The page's own selector engine: Playwright's would first be compiled into the page (~50 ms), for nothing when
# no chip is grouped. The chips are in the light DOM, so both list them alike, in document order.
_LABELS_JS = "(selector) => Array.from(document.querySelectorAll(selector), (chip) => chip.textContent)"
_POPOVER_JS = """
(popover, [links, title]) => Array.from(popover.querySelectorAll(links)).map((a) => ({
  url: a.href,
  title: (a.querySelector(title) || a).textContent.trim(),
}))
"""


class PerplexityScraper(ChatScraper):
    name = "perplexity"
    input = SEL.attr("input")
    submit_button = SEL.attr("submit_button")
    generating = SEL.attr("generating")
    answer = SEL.attr("answer")
    done = SEL.attr("done")
    failure = SEL.attr("failure")
    consent_buttons = SEL.attr("consent_buttons", many=True)
    login_wall = SEL.attr("login_wall", many=True)
    network: ClassVar[tuple[re.Pattern[str], ...]] = (re.compile(r"/rest/sse/perplexity_ask"),)  # §1.3
    citation_marks = SEL.attr("citation_marks")
    source_marks = SEL.attr("source_marks")

    def expand_sources(self, page: Page) -> None:
        self._expand_groups(page)
        tab = page.locator(SEL.css("sources_tab")).first
        if tab.count() and steps.click(tab, PANEL_WAIT_MS):
            try:
                page.locator(SEL.css("sources_links")).first.wait_for(state="attached", timeout=PANEL_WAIT_MS)
            except PlaywrightError:
                return  # an answer without sources has an empty panel

    def _expand_groups(self, page: Page) -> None:
        """Hover each "+N" chip and write the sources its popover lists onto the chip for the extractor. A chip
        left unopened is reported by the extractor with its label and first URL, and a warning."""
        chip_selector = SEL.css("chip")
        chips = page.locator(chip_selector)
        labels: list[str] = page.evaluate(_LABELS_JS, chip_selector)
        for index, label in enumerate(labels):
            if not _GROUP_LABEL.search(label.strip()):
                continue
            chip = chips.nth(index)
            popover = page.locator(SEL.css("popover")).last
            try:
                chip.hover(timeout=PANEL_WAIT_MS)
                popover.wait_for(state="visible", timeout=PANEL_WAIT_MS)
            except PlaywrightError:
                continue  # the extractor reports the chip with its label and first URL, and warns
            sources = popover.evaluate(_POPOVER_JS, [SEL.css("popover_links"), SEL.css("popover_title")])
            chip.locator(SEL.css("chip_citation")).first.evaluate(
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
