"""Gemini (gemini.google.com): selectors from engines.md §3, page contract in the replica.

Gemini hides most of its sources behind buttons: each inline chip opens a dialog, the "Sources" button under
an answer opens another, and a Deep Research report keeps its unused sources collapsed. The scraper opens
them all, as a curious reader would, and writes what each dialog listed onto the element that opened it
(`data-cw-group-urls`), so the saved DOM says which chip stood for which sources.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import ClassVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from citewatch.config import get_settings
from citewatch.scrapers import steps
from citewatch.scrapers.auth import save_session
from citewatch.scrapers.base import ChatScraper, Target

GATE_WAIT_S = 10.0  # a gate's next page (consent -> "Try Gemini" -> app) has this long to show the input
MAX_GATES = 3
DIALOG_WAIT_MS = 3000
# engines.md §3 "inline citations (chat)": chips are buttons opening a source dialog (Angular Material).
_CHIPS = "model-response source-inline-chip, model-response source-footnote:not(:has(sup[data-turn-source-index]))"
_SOURCES_LIST = "model-response sources-list"
_DIALOG = 'mat-dialog-container, [role="dialog"]'
_DIALOG_JS = """
(dialog) => Array.from(dialog.querySelectorAll("a[href^='http']")).map((a) => ({
  url: a.href,
  title: ((a.querySelector("[class*='title']") || a).textContent || "").trim(),
}))
"""
# engines.md §3 "sources list (Deep Research)": the used/unused toggles; a collapsed list is expanded.
_COLLAPSED_LIST = 'deep-research-source-lists collapsible-button button[aria-expanded="false"]'
_MARK_JS = "(el, value) => el.setAttribute('data-cw-group-urls', value)"
# engines.md §3 "consent": the landing page a new visitor may get before the app.
_TRY_GEMINI = ('a:has-text("Try Gemini")', 'button:has-text("Try Gemini")')


class GeminiScraper(ChatScraper):
    name = "gemini"
    # engines.md §3 input: Quill; its hidden div.ql-clipboard is contenteditable too, hence the .ql-editor scope.
    input = "rich-textarea .ql-editor"
    submit_button = '[data-test-id="send-button-container"] .send-button.submit button'
    # engines.md §3 generating: the send/stop container is present while the input is blank (any UI language).
    # Never aria-busy or processing-state-visible: both stay set after the answer is complete.
    generating = 'input-area-v2:has(rich-textarea .ql-editor.ql-blank) [data-test-id="send-button-container"]'
    # engines.md §3 response: message-content .markdown of the model-response; a report's panel body.
    answer = "model-response message-content .markdown, #extended-response-markdown-content"
    failure = "mat-snack-bar-container"  # the app reports a failed answer in a snack bar
    stable_s = 0.5
    # engines.md §7 consent: "Accept all", and its localised labels.
    consent_buttons = (
        'button[aria-label="Accept all"]',
        'button:has-text("Accept all")',
        'button:has-text("全部接受")',
        'button:has-text("すべて同意")',
        'button:has-text("모두 수락")',
    )
    # engines.md §3 "logged out": where Gemini needs an account, the signed-out page says so (input still there).
    login_wall = ('[data-test-id="signed-out-highly-regulated-zero-state-disclaimer"]',)
    logged_in = '[data-test-id="new-chat-button"], a[href*="accounts.google.com/SignOutOptions"]'  # engines.md §3
    network: ClassVar[tuple[re.Pattern[str], ...]] = (
        re.compile(r"/assistant\.lamda\.BardFrontendService/StreamGenerate"),
    )
    citation_marks = "source-inline-chip, source-footnote, message-content a[href]"
    source_marks = 'a[data-test-id="browse-web-item-link"]'

    def submit(self, page: Page, target: Target) -> None:
        self._pass_gates(page)
        super().submit(page, target)

    def expand_sources(self, page: Page) -> None:
        for index in range(page.locator(_CHIPS).count()):
            chip = page.locator(_CHIPS).nth(index)
            self._record_dialog(page, chip, chip.locator("button").first)
        sources_list = page.locator(_SOURCES_LIST).last
        if sources_list.count():
            self._record_dialog(page, sources_list, sources_list.locator("button").first)
        for _ in range(page.locator(_COLLAPSED_LIST).count()):
            if not steps.click(page.locator(_COLLAPSED_LIST).first, DIALOG_WAIT_MS):
                return  # the extractor reads the sources the collapsed list holds

    def _pass_gates(self, page: Page) -> None:
        """Consent, then the "Try Gemini" landing page, may each stand before the app: click through them."""
        editor = page.locator(self.input).first
        clicked = 0
        deadline = time.monotonic() + GATE_WAIT_S
        while not editor.is_visible() and time.monotonic() < deadline:
            passed = clicked < MAX_GATES and (
                steps.dismiss_consent(page, self.consent_buttons) or steps.dismiss_consent(page, _TRY_GEMINI)
            )
            if passed:
                clicked += 1
                deadline = time.monotonic() + GATE_WAIT_S
                continue
            page.wait_for_timeout(steps.POLL_S * 1000)

    def _record_dialog(self, page: Page, owner: Locator, opener: Locator) -> None:
        """Open the dialog behind `opener` and write the sources it lists onto `owner`."""
        dialog = page.locator(_DIALOG).last
        try:
            opener.click(timeout=DIALOG_WAIT_MS)
            dialog.wait_for(state="visible", timeout=DIALOG_WAIT_MS)
        except PlaywrightError:
            return  # the extractor reports the chip by its label, unopened, and warns
        owner.evaluate(_MARK_JS, json.dumps(dialog.evaluate(_DIALOG_JS)))
        page.keyboard.press("Escape")
        with suppress(PlaywrightError):  # a dialog left open only covers the page; the next click replaces it
            dialog.wait_for(state="hidden", timeout=DIALOG_WAIT_MS)


SCRAPER = GeminiScraper()


def save_auth(*, base_url: str | None = None, wait: Callable[[], object] = input, headless: bool = False) -> Path:
    """Log in to Gemini once in a visible browser; the session is saved to `auth_dir/gemini.json`, mode 0600.

    The file holds session cookies: it is written private from the start and never printed.
    """
    path = get_settings().auth_dir / f"{SCRAPER.name}.json"
    return save_session(SCRAPER.name, path, base_url=base_url, wait=wait, headless=headless)
