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
from citewatch.selectors import Selectors

GATE_WAIT_S = 10.0  # a gate's next page (consent -> "Try Gemini" -> app) has this long to show the input
MAX_GATES = 3
DIALOG_WAIT_MS = 3000
# engines.md §3, §7: every selector is data in citewatch/selectors/gemini.toml (users can override it).
SEL = Selectors("gemini")
_DIALOG_JS = """
(dialog, [links, title]) => Array.from(dialog.querySelectorAll(links)).map((a) => ({
  url: a.href,
  title: ((a.querySelector(title) || a).textContent || "").trim(),
}))
"""
_MARK_JS = "(el, value) => el.setAttribute('data-cw-group-urls', value)"


class GeminiScraper(ChatScraper):
    name = "gemini"
    input = SEL.attr("input")
    submit_button = SEL.attr("submit_button")
    generating = SEL.attr("generating")
    answer = SEL.attr("answer")
    failure = SEL.attr("failure")
    stable_s = 0.5
    consent_buttons = SEL.attr("consent_buttons", many=True)
    login_wall = SEL.attr("login_wall", many=True)
    logged_in = SEL.attr("logged_in")
    network: ClassVar[tuple[re.Pattern[str], ...]] = (
        re.compile(r"/assistant\.lamda\.BardFrontendService/StreamGenerate"),
    )
    citation_marks = SEL.attr("citation_marks")
    source_marks = SEL.attr("source_marks")

    def submit(self, page: Page, target: Target) -> None:
        self._pass_gates(page)
        super().submit(page, target)

    def expand_sources(self, page: Page) -> None:
        chips, button = page.locator(SEL.css("chips")), SEL.css("chip_button")
        for index in range(chips.count()):
            chip = chips.nth(index)
            self._record_dialog(page, chip, chip.locator(button).first)
        sources_list = page.locator(SEL.css("sources_list")).last
        if sources_list.count():
            self._record_dialog(page, sources_list, sources_list.locator(button).first)
        collapsed = page.locator(SEL.css("collapsed_list"))
        for _ in range(collapsed.count()):
            if not steps.click(collapsed.first, DIALOG_WAIT_MS):
                return  # the extractor reads the sources the collapsed list holds

    def _pass_gates(self, page: Page) -> None:
        """Consent, then the "Try Gemini" landing page, may each stand before the app: click through them."""
        editor = page.locator(self.input).first
        gates = (self.consent_buttons, SEL.css_list("try_gemini"))
        clicked = 0
        deadline = time.monotonic() + GATE_WAIT_S
        while not editor.is_visible() and time.monotonic() < deadline:
            passed = clicked < MAX_GATES and any(steps.dismiss_consent(page, gate) for gate in gates)
            if passed:
                clicked += 1
                deadline = time.monotonic() + GATE_WAIT_S
                continue
            page.wait_for_timeout(steps.POLL_S * 1000)

    def _record_dialog(self, page: Page, owner: Locator, opener: Locator) -> None:
        """Open the dialog behind `opener` and write the sources it lists onto `owner`."""
        dialog = page.locator(SEL.css("dialog")).last
        try:
            opener.click(timeout=DIALOG_WAIT_MS)
            dialog.wait_for(state="visible", timeout=DIALOG_WAIT_MS)
        except PlaywrightError:
            return  # the extractor reports the chip by its label, unopened, and warns
        listed = dialog.evaluate(_DIALOG_JS, [SEL.css("dialog_links"), SEL.css("dialog_title")])
        owner.evaluate(_MARK_JS, json.dumps(listed))
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
