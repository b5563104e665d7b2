"""Google AI Overviews (`google.com/search?q=…&hl=…&gl=…`): selectors from engines.md §4.2, page contract in the
replica (`citewatch/replicas/google_aio/markup.py`).

The query rides in the URL. An overview often arrives deferred: its module is on the page at once, empty
with a "generating" preview, and its text comes from `/async/folsrch` a few seconds later. The scraper waits
for that, opens "Show more AI Overview" so every sentence is rendered, opens each citation cluster's "View
related links" panel and writes what it listed onto the cluster (`data-cw-group-urls`), then opens "Show
all" so the whole source list is in the saved DOM. A page without an overview is saved as it is: the
extractor reads it as `no_answer`, with its organic results. Nothing here matches visible text.
"""

from __future__ import annotations

import json
import re
import time
from typing import ClassVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from citewatch.errors import IncompleteAnswer, TransientCaptureError
from citewatch.scrapers import _google, steps
from citewatch.scrapers.base import ChatScraper, Target

NO_MODULE_GRACE_S = 1.0  # a results page is final once loaded; a deferred module is in its first HTML
PANEL_WAIT_MS = 3000
_STATE_JS = """
([module, sentences, generating, failed, unavailable]) => {
  const shown = (sel) => Array.from(document.querySelectorAll(sel)).some((el) => el.getClientRects().length > 0);
  let text = "";
  document.querySelectorAll(sentences).forEach((el) => { text += el.textContent; });
  return {module: !!document.querySelector(module), text: text, generating: shown(generating),
          failed: shown(failed), unavailable: shown(unavailable), loaded: document.readyState === "complete"};
}
"""
_PANEL_JS = """
(links) => links.map((a) => ({url: a.href, title: (a.getAttribute("aria-label") || a.textContent || "").trim()}))
"""
_MARK_JS = "(el, value) => el.setAttribute('data-cw-group-urls', value)"


class GoogleAioScraper(ChatScraper):
    name = "google_aio"
    input = 'textarea[name="q"]'  # the search box; the query is in the URL, nothing is typed
    module = "div[data-mcpr]"  # engines.md §4.2 AIO module
    answer = "#m-x-content span[data-huuid]"  # engines.md §4.2 text: one span per sentence
    # engines.md §4.2 "Async/deferred AIO": ad-blockers wait on the "Generating" preview `.hoqQCc.MyTwIe`.
    generating = "div[data-mcpr] .hoqQCc.MyTwIe"
    failure = 'div[data-mcpr] span[jsname="L1sC6e"]'  # engines.md §4.2 "Can't generate an AI overview"
    unavailable = 'div[data-mcpr] span[jsname="lGsj1"]'  # engines.md §4.2 "not available for this search"
    stable_s = 0.5
    consent_buttons = _google.CONSENT_BUTTONS
    network: ClassVar[tuple[re.Pattern[str], ...]] = (re.compile(r"/async/folsrch"),)  # engines.md §4.1, §4.2
    citation_marks = "div.NPrrbc[data-cid]"  # engines.md §4.2 citation cluster
    source_marks = "li.LLtSOc a.KEVENd"  # engines.md §4.2 source list
    # engines.md §4.2: "Show more AI Overview" (jsname rPRdsc, trigger.OiPALb) and the list's "Show all".
    show_more = 'div[data-mcpr] [jsaction="trigger.OiPALb"][aria-expanded="false"]'
    show_all = 'div[data-mcpr] [role="button"][jsaction="trigger.Wyhgxe"]'
    cluster_buttons = 'div[data-mcpr] div.NPrrbc[data-cid] [role="button"]'
    # The "Links" side panel a cluster opens (capture-verified: div[jscontroller=qzpJXc] holding the
    # `ul[jsname=Z3saHd]` list and a close button `jsname=nJC9Vc`).
    panel = 'div[data-mcpr] div[jscontroller="qzpJXc"]'
    panel_links = 'div[data-mcpr] div[jscontroller="qzpJXc"] ul[jsname="Z3saHd"] li.LLtSOc a.KEVENd'
    panel_close = 'div[data-mcpr] div[jscontroller="qzpJXc"] [jsname="nJC9Vc"][role="button"]'
    full_list = 'div[data-mcpr] [jsname="v1Xhtd"] li.LLtSOc'

    def start_url(self, target: Target) -> str:
        return _google.search_url(target)

    def submit(self, page: Page, target: Target) -> None:
        _google.settle(page)

    def wait_for_answer(self, page: Page, target: Target) -> None:
        """Until the overview's text is complete and stable, or the page shows it has none."""
        start = time.monotonic()
        text, stable_since = "", start
        while True:
            now = time.monotonic()
            state = page.evaluate(
                _STATE_JS, [self.module, self.answer, self.generating, self.failure, self.unavailable]
            )
            if state["failed"]:
                raise TransientCaptureError("the engine could not generate an AI Overview")
            if state["unavailable"]:
                return
            if not state["module"]:
                if state["loaded"] and now - start >= NO_MODULE_GRACE_S:
                    return  # no overview on this results page
            elif state["text"] != text:
                text, stable_since = state["text"], now
            elif text.strip() and not state["generating"] and now - stable_since >= self.stable_s:
                self._show_more(page)
                return
            if now - start > target.timeout_s:
                if text.strip():
                    raise IncompleteAnswer(f"the AI Overview did not finish within {target.timeout_s:.0f} s")
                raise TransientCaptureError(f"no AI Overview within {target.timeout_s:.0f} s")
            page.wait_for_timeout(steps.POLL_S * 1000)

    def _show_more(self, page: Page) -> None:
        button = page.locator(self.show_more).first
        if not button.count():
            return
        button.click()
        try:
            page.locator(self.show_more).first.wait_for(state="detached", timeout=PANEL_WAIT_MS)
        except PlaywrightError:
            return  # the extractor warns that the overview stayed collapsed

    def expand_sources(self, page: Page) -> None:
        self._open_clusters(page)
        show_all = page.locator(self.show_all).first
        if show_all.count():
            show_all.click()
            try:
                page.locator(self.full_list).first.wait_for(state="attached", timeout=PANEL_WAIT_MS)
            except PlaywrightError:
                return  # the extractor reads the sources the page did show

    def _open_clusters(self, page: Page) -> None:
        """Open each cluster's related-links panel and write the links it listed onto the cluster."""
        buttons = page.locator(self.cluster_buttons)
        for index in range(buttons.count()):
            button = buttons.nth(index)
            button.click()
            links = page.locator(self.panel_links)
            try:
                links.first.wait_for(state="visible", timeout=PANEL_WAIT_MS)
            except PlaywrightError:
                continue  # the extractor reports the cluster without URLs, and warns
            group = links.evaluate_all(_PANEL_JS)
            button.locator("xpath=ancestor::div[@data-cid][1]").evaluate(_MARK_JS, json.dumps(group))
            page.locator(self.panel_close).first.click()
            page.locator(self.panel).first.wait_for(state="hidden", timeout=PANEL_WAIT_MS)


SCRAPER = GoogleAioScraper()
