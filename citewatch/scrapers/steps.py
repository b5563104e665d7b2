"""Capture steps shared by every engine: consent, walls, waiting for the answer, optional clicks, marks, network.

Each is a plain function of a Playwright page and selectors (data supplied by the engine's scraper).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Request, Response

from citewatch.errors import (
    BlockedError,
    ConsentRequiredError,
    IncompleteAnswer,
    LoginRequiredError,
    TransientCaptureError,
)
from citewatch.models import CaptureStatus, NetworkRecord
from citewatch.selectors import COMMON, Selectors

POLL_S = 0.1
ANSWER_POLL_S = 0.05  # the stable window is measured from timestamps: a faster poll only sees the end sooner
START_TIMEOUT_S = 20.0  # an answer that has not started by then never will
MAX_MARKED = 2000  # bounds the cost of marking visibility on huge pages

# Cloudflare interstitial / challenge platform and captcha frames (engines.md §7; crawlee's blocked.py): data in
# citewatch/selectors/_common.toml, which users can override.
WALLS = Selectors(COMMON)
_CLOUDFLARE_TITLE = re.compile(r"just a moment|attention required", re.IGNORECASE)
_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
# Chromium's network errors that say the host cannot be reached from here at all (net/base/net_error_list.h):
# a name that does not resolve, no network, no route, nothing listening. Retrying them only adds minutes.
_UNREACHABLE = re.compile(
    r"net::(ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED|ERR_INTERNET_DISCONNECTED|ERR_ADDRESS_UNREACHABLE"
    r"|ERR_CONNECTION_REFUSED)\b"
)


def unreachable_code(message: str) -> str | None:
    """The `net::ERR_…` code of a browser error that means the host cannot be reached, else None."""
    found = _UNREACHABLE.search(message)
    return found.group(0) if found else None


def check_walls(page: Page, engine: str, login_wall: tuple[str, ...] = ()) -> None:
    """Raise when the page is a bot wall, a captcha or a login wall instead of the engine's UI."""
    sorry = "/sorry/" in page.url  # Google's captcha page
    captcha = WALLS.css("captcha")
    walled = sorry or page.locator(f"{captcha}, {WALLS.css('cloudflare')}").count() > 0  # one query: usually neither
    if walled and (sorry or page.locator(captcha).count()):
        raise BlockedError(f"captcha page at {page.url}", status=CaptureStatus.captcha)
    if walled or _CLOUDFLARE_TITLE.search(page.title()):
        raise BlockedError(f"bot wall (Cloudflare challenge) at {page.url}")
    for selector in login_wall:
        if page.locator(selector).first.is_visible():
            raise LoginRequiredError(engine, "the page shows a login wall")


def check_response(response: Response | None) -> None:
    """Navigation answers: 5xx/429 are transient; a 403 is judged by the page it carries (walls)."""
    # Google serves its /sorry/ captcha page with 429 (engines.md §7): check_walls reports it as a captcha.
    if response is not None and response.status in _RETRYABLE_STATUS and "/sorry/" not in response.url:
        raise TransientCaptureError(f"HTTP {response.status} from {response.url}")


def dismiss_consent(page: Page, buttons: tuple[str, ...], timeout_s: float = 3.0) -> bool:
    """Click the first visible consent button; raise when a consent prompt stays in the way."""
    if not buttons:
        return False
    button = page.locator(", ".join(buttons)).first  # one round trip for every known button
    if not button.is_visible():
        return False
    try:
        button.click(timeout=timeout_s * 1000)
        button.wait_for(state="hidden", timeout=timeout_s * 1000)
    except PlaywrightError as exc:
        raise ConsentRequiredError(f"the consent prompt could not be dismissed: {exc}") from exc
    return True


_STATE_JS = """
([generating, answer, done, failure]) => {
  const visible = (sel) => !!sel && Array.from(document.querySelectorAll(sel)).some(
    (el) => el.getClientRects().length > 0);
  const nodes = document.querySelectorAll(answer);
  let text = "";
  nodes.forEach((n) => { text += n.textContent; });
  return {generating: visible(generating), text: text, done: done ? visible(done) : true,
          failed: visible(failure)};
}
"""


@dataclass(slots=True)
class _Progress:
    started: bool = False
    text: str = ""
    stable_since: float = field(default_factory=time.monotonic)


def wait_until_done(
    page: Page,
    *,
    generating: str,
    answer: str,
    done: str | None,
    failure: str | None,
    engine: str,
    walls: tuple[str, ...],
    stable_s: float,
    budget_s: float,
) -> None:
    """Wait for the answer with several signals: generation started, then stopped, text stable, done marker.

    Waiting for the start first means an instant failure is not read as a finished answer.
    """
    start = time.monotonic()
    progress = _Progress()
    while True:
        now = time.monotonic()
        state = page.evaluate(_STATE_JS, [generating, answer, done, failure or ""])
        if state["text"] != progress.text:
            progress.text, progress.stable_since = state["text"], now
        if state["generating"] or progress.text.strip():
            progress.started = True
        if state["failed"]:
            if progress.text.strip():
                raise IncompleteAnswer("the engine stopped the answer half-way with an error")
            raise TransientCaptureError("the engine answered with an error")
        settled = state["done"] and now - progress.stable_since >= stable_s
        if progress.started and not state["generating"] and progress.text.strip() and settled:
            return
        if not progress.started:
            check_walls(page, engine, walls)
            if now - start > START_TIMEOUT_S:
                raise TransientCaptureError(f"no answer started within {START_TIMEOUT_S:.0f} s")
        if now - start > budget_s:
            if progress.text.strip():
                raise IncompleteAnswer(f"the answer did not finish within {budget_s:.0f} s")
            raise TransientCaptureError(f"no answer within {budget_s:.0f} s")
        page.wait_for_timeout(ANSWER_POLL_S * 1000)


_MARK_JS = """
([selector, cap]) => {
  const els = Array.from(document.querySelectorAll(selector)).slice(0, cap);
  for (const el of els) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const shown = r.width > 0 && r.height > 0 && style.visibility !== "hidden" && style.display !== "none"
      && (el.checkVisibility ? el.checkVisibility({opacityProperty: true}) : true);
    el.setAttribute("data-cw-visible", shown ? "1" : "0");
    el.setAttribute("data-cw-box",
      [r.x + scrollX, r.y + scrollY, r.width, r.height].map((v) => Math.round(v)).join(","));
  }
  return els.length;
}
"""


def click(control: Locator, timeout_ms: float) -> bool:
    """Click `control` if it can take a click within `timeout_ms`; False when it cannot (hidden, gone, or
    covered by something else, as a collapsed overview's fade covers what it hides). For the optional clicks
    that open sources: one that fails leaves the sources unopened, which the extractor reports, never the
    capture failed after its answer (the session's default timeout is 30 s per click)."""
    try:
        control.click(timeout=timeout_ms)
    except PlaywrightError:
        return False
    return True


def mark_visibility(page: Page, selector: str) -> int:
    """Record on each citation/source element whether it was rendered and where (bounded cost)."""
    if not selector:
        return 0
    return int(page.evaluate(_MARK_JS, [selector, MAX_MARKED]))


class NetworkRecorder:
    """Keeps the responses an engine's answer arrives in, with the bodies of those that have finished.

    A body is read only once its request has finished: Playwright's `response.text()` waits, with no bound, for
    a stream that is still open (an answer that stalled) or for a body the page never read (ChatGPT's 403 with
    `Cache-Control: no-store`), and the capture would never return. Such a response keeps its url and status.
    """

    def __init__(self, page: Page, patterns: tuple[re.Pattern[str], ...]) -> None:
        self._responses: list[Response] = []
        self._finished: set[Request] = set()
        self._patterns = patterns
        if patterns:
            page.on("response", self._on_response)
            page.on("requestfinished", self._on_finished)

    def _wanted(self, url: str) -> bool:
        return any(p.search(url) for p in self._patterns)

    def _on_response(self, response: Response) -> None:
        if self._wanted(response.url):
            self._responses.append(response)

    def _on_finished(self, request: Request) -> None:
        if self._wanted(request.url):
            self._finished.add(request)

    def records(self) -> list[NetworkRecord]:
        return [
            NetworkRecord(
                url=response.url,
                status=response.status,
                method=response.request.method,
                content_type=response.headers.get("content-type"),
                body=_body(response) if response.request in self._finished else "",
            )
            for response in self._responses
        ]


def _body(response: Response) -> str:
    try:
        return response.text()
    except PlaywrightError:  # a stream cut off mid-way has no readable body; url and status still tell
        return ""
