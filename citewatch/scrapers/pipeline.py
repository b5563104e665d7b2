"""One capture attempt, in a fixed order of steps; whatever happens, what the page showed is kept.

open page -> dismiss consent -> detect walls -> submit -> wait for the answer -> mark placeholders and citations ->
screenshot -> expand sources -> mark sources -> save DOM, page archive (MHTML) and network payloads.

The screenshot is the evidence an analyst pastes, so it shows the answer as the reader saw it: it is taken
before sources are opened (a tab, a dialog or a panel that covers the answer, such as Perplexity's Links tab).
An attempt that fails before the answer gets its screenshot at the end, of whatever the page shows then.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from citewatch.errors import CaptureError, TransientCaptureError, UnreachableError
from citewatch.models import CaptureResult, CaptureStatus
from citewatch.scrapers import steps
from citewatch.scrapers.base import ChatScraper, Target
from citewatch.scrapers.browser import BrowserSession
from citewatch.scrapers.tracing import Tracer

MAX_ARCHIVE_BYTES = 25 * 1024 * 1024  # a trace's cap; answer pages measured 24 kB (replicas) to 1.4 MB (real SERPs)


@dataclass(frozen=True, slots=True)
class Outcome:
    result: CaptureResult
    error: CaptureError | None  # what went wrong; the runner retries transient ones


class StepObserver(Protocol):
    """Looks at the page around each step (`citewatch doctor`); must not change it."""

    def opened(self, page: Page) -> None:
        """The fresh page, before it navigates."""

    def after(self, step: str, page: Page, error: Exception | None) -> None:
        """A step ended, with the error it raised if any."""


class StepClock:
    """How long each step took, by name (kept in the capture's timings), told to an observer as each ends."""

    def __init__(self, observed: tuple[Page, StepObserver] | None = None) -> None:
        self.timings: dict[str, float] = {}
        self._observed = observed

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        error: Exception | None = None
        try:
            yield
        except Exception as exc:
            error = exc
            raise
        finally:
            self.timings[name] = round(time.perf_counter() - start, 3)
            if self._observed is not None:
                page, observer = self._observed
                observer.after(name, page, error)


def capture_once(
    session: BrowserSession, scraper: ChatScraper, target: Target, *, observer: StepObserver | None = None
) -> Outcome:
    """Drive one fresh page through every step; never raises a capture error, returns it."""
    with session.page(identity=target.identity) as page:
        started = datetime.now(UTC)
        if observer is not None:
            observer.opened(page)
        tracer = Tracer(page.context, session.trace)
        clock = StepClock((page, observer) if observer is not None else None)
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
            code = steps.unreachable_code(str(exc))
            if code is not None:
                error = UnreachableError(scraper.name, scraper.start_url(target), code)
            else:
                error = TransientCaptureError(f"browser error: {_first_line(exc)}")
            status = error.status
        with clock.step("artifacts"):
            html, screenshot = artifacts(page, shots[0] if shots else None)
            archive, archive_notes = bounded_archive(page_archive(page))
        network = recorder.records()
        trace, trace_notes = tracer.finish(failed=error is not None)
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
                trace=trace,
                page_archive=archive,
                error=str(error) if error else None,
                warnings=trace_notes + archive_notes,
                answer_seconds=answer_s if error is None else None,
                timings=clock.timings,
                browser_version=session.version,
                locale=target.locale,
                account="logged_in" if session.logged_in(target.identity) else "anonymous",
            ),
            error,
        )


def _drive(page: Page, scraper: ChatScraper, target: Target, clock: StepClock, shots: list[bytes | None]) -> None:
    with clock.step("open"):
        response = page.goto(scraper.start_url(target), wait_until="domcontentloaded")
        steps.check_response(response)
    with clock.step("consent"):
        steps.dismiss_consent(page, scraper.consent_buttons)
    with clock.step("walls"):
        steps.check_walls(page, scraper.name, scraper.login_wall)
    with clock.step("submit"):
        scraper.submit(page, target)
    read_answer(page, scraper, target, clock, shots)


def read_answer(
    page: Page, scraper: ChatScraper, target: Target, clock: StepClock, shots: list[bytes | None] | None = None
) -> None:
    """The steps after the prompt is in: wait for the answer, mark the placeholders and citations, take the
    answer's screenshot into `shots` (when given), open sources, mark them.

    Public so the real-DOM tests (tests/scrapers/test_real_dom.py) run these very steps on saved pages.
    """
    try:
        with clock.step("answer"):
            scraper.wait_for_answer(page, target)
    finally:
        # However the wait ended (done, no answer, still generating, failed): the saved page says which of
        # the engine's placeholders were displayed. A page too broken to mark keeps the wait's own error.
        with suppress(PlaywrightError):
            steps.mark_visibility(page, scraper.state_marks)
    steps.mark_visibility(page, scraper.citation_marks)
    if shots is not None:
        with clock.step("screenshot"):
            shots.append(_screenshot(page))
    with clock.step("sources"):
        scraper.expand_sources(page)
        steps.mark_visibility(page, scraper.source_marks)


def artifacts(page: Page, screenshot: bytes | None = None) -> tuple[str | None, bytes | None]:
    """The DOM, and a screenshot unless the answer's was taken already; each on its own, so a failed screenshot
    still leaves the DOM (and the other way round)."""
    try:
        html: str | None = page.content()
    except PlaywrightError:
        html = None
    return html, screenshot if screenshot is not None else _screenshot(page)


def page_archive(page: Page) -> bytes | None:
    """The page as Chromium saves it to one file (MHTML: the DOM with the stylesheets, fonts and images it
    loaded), taken with the DOM so that `replay --render` can draw the stored DOM as it was seen, offline.
    None when the browser cannot give it (not Chromium, page gone)."""
    try:
        cdp = page.context.new_cdp_session(page)
        try:
            mhtml: str = cdp.send("Page.captureSnapshot", {"format": "mhtml"})["data"]
        finally:
            cdp.detach()
    except PlaywrightError:
        return None
    return mhtml.encode("utf-8", "replace")  # 7-bit already: Chromium encodes every part (quoted-printable, base64)


def bounded_archive(archive: bytes | None, max_bytes: int = MAX_ARCHIVE_BYTES) -> tuple[bytes | None, list[str]]:
    """The archive unless it is over the cap (a page of large images), which a warning says."""
    if archive is None or len(archive) <= max_bytes:
        return archive, []
    return None, [
        f"page archive of {len(archive) / 1e6:.1f} MB not kept: over the {max_bytes / 1e6:.1f} MB cap "
        "(replay --render draws this capture unstyled)"
    ]


def _screenshot(page: Page) -> bytes | None:
    try:
        return page.screenshot(full_page=True, timeout=15_000)
    except PlaywrightError:
        return None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
