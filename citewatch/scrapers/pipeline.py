"""One capture attempt, in a fixed order of steps; whatever happens, what the page showed is kept.

open page -> dismiss consent -> detect walls -> submit -> wait for the answer -> mark citations ->
screenshot -> expand sources -> mark sources -> save DOM and network payloads.

The screenshot is the evidence an analyst pastes, so it shows the answer as the reader saw it: it is taken
before sources are opened (a tab, a dialog or a panel that covers the answer, such as Perplexity's Links tab).
An attempt that fails before the answer gets its screenshot at the end, of whatever the page shows then.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from citewatch.errors import CaptureError, TransientCaptureError
from citewatch.models import CaptureResult, CaptureStatus
from citewatch.scrapers import steps
from citewatch.scrapers.base import ChatScraper, Target
from citewatch.scrapers.browser import BrowserSession


@dataclass(frozen=True, slots=True)
class Outcome:
    result: CaptureResult
    error: CaptureError | None  # what went wrong; the runner retries transient ones


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 3)


def capture_once(session: BrowserSession, scraper: ChatScraper, target: Target) -> Outcome:
    """Drive one fresh page through every step; never raises a capture error, returns it."""
    with session.page(identity=target.identity) as page:
        started = datetime.now(UTC)
        clock = _Clock()
        recorder = steps.NetworkRecorder(page, scraper.network)
        error: CaptureError | None = None
        status = CaptureStatus.answered
        shots: list[bytes | None] = []
        try:
            _drive(page, scraper, target, clock, shots)
        except CaptureError as exc:
            error, status = exc, exc.status
        except PlaywrightTimeoutError as exc:
            error = TransientCaptureError(f"timed out: {_first_line(exc)}")
            status = error.status
        except PlaywrightError as exc:
            error = TransientCaptureError(f"browser error: {_first_line(exc)}")
            status = error.status
        with clock.step("artifacts"):
            html = _dom(page)
            screenshot = shots[0] if shots and shots[0] is not None else _screenshot(page)
        network = recorder.records()
        answer_s = clock.timings.get("answer")
        return Outcome(
            CaptureResult(
                engine=scraper.name,
                status=status,
                started_at=started,
                finished_at=datetime.now(UTC),
                url=page.url,
                html=html,
                screenshot=screenshot,
                network=network,
                error=str(error) if error else None,
                answer_seconds=answer_s if error is None else None,
                timings=clock.timings,
                browser_version=session.version,
                locale=target.locale,
                account="logged_in" if session.logged_in(target.identity) else "anonymous",
            ),
            error,
        )


def _drive(page: Page, scraper: ChatScraper, target: Target, clock: _Clock, shots: list[bytes | None]) -> None:
    with clock.step("open"):
        response = page.goto(scraper.start_url(target), wait_until="domcontentloaded")
        steps.check_response(response)
    with clock.step("consent"):
        steps.dismiss_consent(page, scraper.consent_buttons)
    with clock.step("walls"):
        steps.check_walls(page, scraper.name, scraper.login_wall)
    with clock.step("submit"):
        scraper.submit(page, target)
    with clock.step("answer"):
        scraper.wait_for_answer(page, target)
    steps.mark_visibility(page, scraper.citation_marks)
    with clock.step("screenshot"):
        shots.append(_screenshot(page))
    with clock.step("sources"):
        scraper.expand_sources(page)
        steps.mark_visibility(page, scraper.source_marks)


def _dom(page: Page) -> str | None:
    """The DOM, taken on its own so a failed screenshot still leaves it (and the other way round)."""
    try:
        return page.content()
    except PlaywrightError:
        return None


def _screenshot(page: Page) -> bytes | None:
    try:
        return page.screenshot(full_page=True, timeout=15_000)
    except PlaywrightError:
        return None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
