"""What an engine scraper is: selectors as data plus the few steps that differ between engines.

The pipeline (`citewatch.scrapers.pipeline`) calls these in a fixed order: open the start URL, dismiss
consent, detect walls, `submit`, `wait_for_answer`, mark citations, `expand_sources`, mark sources, save
artifacts.
Defaults here cover a chat-style UI; an engine overrides only what differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from citewatch.scrapers import steps
from citewatch.scrapers.browser import Identity

SUBMIT_WAIT_S = 3.0  # how long a send button may take to enable itself after the text is in


@dataclass(frozen=True, slots=True)
class Target:
    """One prompt to ask one engine."""

    prompt: str
    base_url: str
    locale: str = "en-US"
    country: str | None = None  # Google's `gl`
    timeout_s: float = 120.0  # budget for the answer, from submit to complete
    web_search: bool = False  # engines with an optional web-search mode (ChatGPT)
    identity: Identity | None = None  # per-capture locale/timezone/account/proxy (campaign jobs)


class ChatScraper:
    """A chat UI: type the prompt, submit, wait for the stream to end. Subclasses set the selectors."""

    name: ClassVar[str]
    input: ClassVar[str]  # where the prompt is typed
    submit_button: ClassVar[str | None] = None  # clicked when enabled; Enter otherwise
    generating: ClassVar[str]  # present while the answer streams (stop button)
    answer: ClassVar[str]  # the answer container(s)
    done: ClassVar[str | None] = None  # appears when the answer is complete (copy button)
    failure: ClassVar[str | None] = None  # the engine's own "something went wrong" line
    stable_s: ClassVar[float] = 0.3  # answer text must stay the same this long once generation stopped
    consent_buttons: ClassVar[tuple[str, ...]] = ()
    login_wall: ClassVar[tuple[str, ...]] = ()
    logged_in: ClassVar[str | None] = None  # present only for a logged-in user (profile button)
    network: ClassVar[tuple[re.Pattern[str], ...]] = ()  # responses worth keeping (the answer stream)
    # Elements whose visibility and on-screen box are recorded: citations before sources are expanded
    # (opening a sources tab may hide the answer), sources after; and the engine's placeholders whose display
    # decides the page's status ("generating", "not available"), kept in the DOM hidden, as the wait ends.
    citation_marks: ClassVar[str] = ""
    source_marks: ClassVar[str] = ""
    state_marks: ClassVar[str] = ""

    def start_url(self, target: Target) -> str:
        return target.base_url

    def submit(self, page: Page, target: Target) -> None:
        box = page.locator(self.input).first
        box.click()
        # The text arrives as one input event, the last character as real key presses: editors that listen
        # to keys (Lexical, ProseMirror, Quill) enable their send button, without typing 20 ms per character.
        page.keyboard.insert_text(target.prompt[:-1])
        page.keyboard.type(target.prompt[-1:])
        if self.submit_button:
            try:
                page.locator(self.submit_button).first.click(timeout=SUBMIT_WAIT_S * 1000)
                return
            except PlaywrightError:
                pass  # no usable send button: Enter is what a person would press next
        page.keyboard.press("Enter")

    def wait_for_answer(self, page: Page, target: Target) -> None:
        steps.wait_until_done(
            page,
            generating=self.generating,
            answer=self.answer,
            done=self.done,
            failure=self.failure,
            engine=self.name,
            walls=self.login_wall,
            stable_s=self.stable_s,
            budget_s=target.timeout_s,
        )

    def expand_sources(self, page: Page) -> None:
        """Open what hides sources (tabs, popovers, dialogs) so they are in the saved DOM."""
