"""ChatGPT (chatgpt.com): selectors from engines.md §2.2, page contract in the replica.

Logged in and logged out are two different pages (engines.md §2.2): a ProseMirror `div#prompt-textarea` with
`send-button` / `stop-button`, or `textarea#mobile-composer-prompt` with obfuscated classes and almost no
`data-testid`; the selectors below cover both. ChatGPT's answer is done only when every signal agrees
(engines.md §2.2 "done"): no stop button, no `.streaming-animation`, a real message id (not
`request-placeholder-*`), the copy button of the turn, and text that stopped changing. The conversation call
is watched too: a Cloudflare 403 on it (engines.md §2.3) means blocked, a 401 means the feature needs a login.
"""

from __future__ import annotations

import json
import re
import time
import weakref
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response

from citewatch.config import get_settings
from citewatch.errors import BlockedError, IncompleteAnswer, LoginRequiredError, TransientCaptureError
from citewatch.extract.chatgpt import CONVERSATION_URL, WEB_SEARCH_MARK, read_stream
from citewatch.extract.chatgpt import SEL as XSEL
from citewatch.models import NetworkRecord
from citewatch.scrapers import steps
from citewatch.scrapers.auth import save_session
from citewatch.scrapers.base import ChatScraper, Target
from citewatch.selectors import Selectors

STABLE_S = 2.0  # engines.md §2.2: text stable ~2 s ...
STABLE_WITH_COPY_S = 0.5  # ... shortened once the turn's copy button says the answer is complete
CARD_WAIT_MS = 3000
SEARCH_WAIT_MS = 1500
# The page can show its error line before Playwright reports the refused response behind it (the event waits
# for the response's extra header info): this long, at most, for that response before calling it a failure.
RESPONSE_GRACE_S = 1.0
# engines.md §2, §7: every selector is data in citewatch/selectors/chatgpt.toml, which users can override.
SEL = Selectors("chatgpt")
# engines.md §2.2 "grouped citations": the pill shows one source and "+N"; its hover card pages "1/N".
_COUNTER = re.compile(r"\b(\d+)\s*/\s*(\d+)\b")
_GROUPED = re.compile(r"\+\d+\s*$")
_CARD_JS = """
(card) => {
  const link = card.querySelector("a[href]");
  const lines = link ? link.innerText.split("\\n").map((l) => l.trim()).filter(Boolean) : [];
  const counter = (card.innerText.match(/\\b(\\d+)\\s*\\/\\s*(\\d+)\\b/) || []).slice(1).map(Number);
  return {url: link ? link.href : null, title: lines[1] || lines[0] || null, counter};
}
"""
# What the answer wait reads of the last assistant message, in one round trip (selectors: `_STATE_KEYS`).
_STATE_JS = """
(s) => {
  const visible = (el) => !!el && el.getClientRects().length > 0;
  const messages = document.querySelectorAll(s.assistant_messages);
  const last = messages[messages.length - 1];
  const turn = last && (last.closest(s.turn) || last.parentElement);
  const body = last && last.querySelector(s.message_body);
  const stop = Array.from(document.querySelectorAll(s.generating)).some(visible);
  return {
    messages: messages.length,
    stop,
    placeholder: !!last && (last.getAttribute("data-message-id") || "").startsWith(s.placeholder_prefix),
    streaming: !!last && !!last.querySelector(s.streaming),
    thinking: !!last && !!last.querySelector(s.thinking),
    copy: !!turn && !!turn.querySelector(s.copy_button),
    failed: !!turn && !!turn.querySelector(s.turn_error),
    text: body ? body.textContent : "",
  };
}
"""
_STATE_KEYS = (
    "assistant_messages",
    "turn",
    "message_body",
    "generating",
    "streaming",
    "thinking",
    "copy_button",
    "turn_error",
)


@dataclass  # no slots: Playwright keeps its wrapper of a listener on the listener's object
class _Watch:
    """What one capture's page saw of its conversation calls (kept per page, the scraper is shared)."""

    web_search: bool = False
    responses: list[Response] = field(default_factory=list)

    def on_response(self, response: Response) -> None:
        if CONVERSATION_URL.search(response.url):
            self.responses.append(response)

    def refused(self) -> Response | None:
        return next((r for r in self.responses if r.status in (401, 403)), None)


class ChatGPTScraper(ChatScraper):
    name = "chatgpt"
    input = SEL.attr("input")
    submit_button = SEL.attr("submit_button")
    generating = SEL.attr("generating")
    answer = SEL.attr("answer")
    consent_buttons = SEL.attr("consent_buttons", many=True)
    login_wall = SEL.attr("login_wall", many=True)
    logged_in = SEL.attr("logged_in")
    network: ClassVar[tuple[re.Pattern[str], ...]] = (CONVERSATION_URL, re.compile(r"/backend-(?:api|anon)/sentinel/"))
    citation_marks = SEL.attr("citation_marks")
    source_marks = SEL.attr("source_marks")

    def __init__(self) -> None:
        self._watches: weakref.WeakKeyDictionary[Page, _Watch] = weakref.WeakKeyDictionary()

    def submit(self, page: Page, target: Target) -> None:
        watch = _Watch(web_search=target.web_search)
        self._watches[page] = watch
        page.on("response", watch.on_response)
        if target.web_search:
            self._turn_search_on(page)
        super().submit(page, target)

    def wait_for_answer(self, page: Page, target: Target) -> None:
        """Wait for generation to start (so an instant failure is not read as done), then for every signal."""
        watch = self._watches.get(page) or _Watch()
        start = time.monotonic()
        started = False
        text, stable_since = "", start
        wanted = {key: SEL.css(key) for key in _STATE_KEYS} | {"placeholder_prefix": XSEL.name("placeholder_prefix")}
        while True:
            now = time.monotonic()
            self._check_refused(watch)
            state: dict[str, Any] = page.evaluate(_STATE_JS, wanted)
            if state["text"] != text:
                text, stable_since = state["text"], now
            started = started or state["messages"] > 0 or state["stop"]
            if state["failed"]:
                self._await_response(page, watch)
                self._check_refused(watch)
                if text.strip():
                    raise IncompleteAnswer("ChatGPT stopped the answer half-way with an error")
                raise TransientCaptureError("ChatGPT answered with an error")
            busy = state["stop"] or state["placeholder"] or state["streaming"]
            window = STABLE_WITH_COPY_S if state["copy"] else STABLE_S
            if started and not busy and text.strip() and now - stable_since >= window:
                return
            if not started:
                steps.check_walls(page, self.name, self.login_wall)
                if now - start > steps.START_TIMEOUT_S:
                    raise TransientCaptureError(f"no answer started within {steps.START_TIMEOUT_S:.0f} s")
            if now - start > target.timeout_s:
                if text.strip():
                    raise IncompleteAnswer(f"the answer did not finish within {target.timeout_s:.0f} s")
                if state["thinking"]:
                    raise IncompleteAnswer(
                        f"the answer stalled while thinking: no text within {target.timeout_s:.0f} s"
                    )
                raise TransientCaptureError(f"no answer within {target.timeout_s:.0f} s")
            page.wait_for_timeout(steps.POLL_S * 1000)

    def expand_sources(self, page: Page) -> None:
        pills = page.locator(SEL.css("pill"))
        labels: list[str] = pills.evaluate_all("(pills) => pills.map((pill) => pill.textContent || '')")
        for index, label in enumerate(labels):
            if _GROUPED.search(label.strip()):
                self._page_through(page, pills.nth(index))
        watch = self._watches.get(page)
        if watch is not None and watch.web_search:
            ran = _search_ran(watch.responses)
            page.evaluate(
                "([name, value]) => document.documentElement.setAttribute(name, value)", [WEB_SEARCH_MARK, ran]
            )

    def _page_through(self, page: Page, pill: Any) -> None:
        """Hover a grouped pill, page its card from 1/N to N/N, and write every source onto the pill."""
        card = page.locator(SEL.css("hover_card")).last
        try:
            pill.hover(timeout=CARD_WAIT_MS)
            card.wait_for(state="visible", timeout=CARD_WAIT_MS)
        except PlaywrightError:
            return  # the extractor reports the pill with its first URL, and says it was not expanded
        seen: list[dict[str, str | None]] = []
        shown: dict[str, Any] = card.evaluate(_CARD_JS)
        total = shown["counter"][1] if shown["counter"] else 1
        for step in range(total):
            if shown["url"] and all(entry["url"] != shown["url"] for entry in seen):
                seen.append({"url": shown["url"], "title": shown["title"]})
            if step + 1 < total:
                # CloakGPT: the card's second button pages forward; the pages seen so far are kept if it cannot
                if not steps.click(card.locator("button").nth(1), CARD_WAIT_MS):
                    break
                expected = f"{step + 2}/{total}"
                with suppress(PlaywrightError):
                    card.get_by_text(expected).wait_for(timeout=CARD_WAIT_MS)
                shown = card.evaluate(_CARD_JS)
        pill.evaluate("(el, value) => el.setAttribute('data-cw-group-urls', value)", json.dumps(seen))
        page.mouse.move(0, 0)
        with suppress(PlaywrightError):
            card.wait_for(state="hidden", timeout=CARD_WAIT_MS)

    def _turn_search_on(self, page: Page) -> None:
        """engines.md §2.2 "web-search pill": the Search button where there is one, else `/search` and a space."""
        if page.locator(SEL.css("search_on")).count():
            return
        button = page.locator(SEL.css("search_button")).first
        if button.count() and button.is_visible():
            button.click()
            return
        box = page.locator(self.input).first
        box.click()
        page.keyboard.type("/search ")
        try:
            page.locator(SEL.css("search_on")).first.wait_for(state="visible", timeout=SEARCH_WAIT_MS)
        except PlaywrightError:  # no search here (logged out): take the command back out of the prompt
            box.fill("")

    @staticmethod
    def _await_response(page: Page, watch: _Watch) -> None:
        deadline = time.monotonic() + RESPONSE_GRACE_S
        while not watch.responses and time.monotonic() < deadline:
            page.wait_for_timeout(steps.POLL_S * 1000)

    def _check_refused(self, watch: _Watch) -> None:
        refused = watch.refused()
        if refused is None:
            return
        if refused.status == 401:
            raise LoginRequiredError(self.name, "the conversation call needs a logged-in session (HTTP 401)")
        raise BlockedError(f"the conversation call was refused by a bot wall (HTTP 403 at {refused.url})")


def _search_ran(responses: list[Response]) -> str:
    """ "1" when a conversation stream carried search queries or results, "0" otherwise."""
    records = []
    for response in responses:
        with suppress(PlaywrightError):
            records.append(NetworkRecord(url=response.url, status=response.status, body=response.text()))
    stream = read_stream(records)
    return "1" if stream.queries or stream.results else "0"


SCRAPER = ChatGPTScraper()


def save_auth(*, base_url: str | None = None, wait: Callable[[], object] = input, headless: bool = False) -> Path:
    """Log in to ChatGPT once in a visible browser; the session is saved to `auth_dir/chatgpt.json`, mode 0600.

    Login is detected by the profile button (engines.md §2.2 "logged in") or confirmed by `wait()` (Enter).
    The file holds session cookies: it is written private from the start and never printed.
    """
    path = get_settings().auth_dir / f"{SCRAPER.name}.json"
    return save_session(SCRAPER.name, path, base_url=base_url, wait=wait, headless=headless)
