"""Capture, then store, then extract: the loop every way of capturing goes through.

Each attempt is its own capture row: written as `running` before the browser starts, finished with its
snapshot in one transaction, and only then extracted. A killed process therefore loses at most the
attempt in flight, and an extractor failure never touches the stored snapshot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from citewatch.engines import get_engine
from citewatch.errors import CaptureError, TransientCaptureError, UnreachableError
from citewatch.extract.contracts import ENGINE_CHANGED
from citewatch.extract_budget import BudgetedExtractor
from citewatch.models import CaptureStatus, Extraction, ExtractionStatus
from citewatch.scrapers.base import Target
from citewatch.scrapers.browser import BrowserSession
from citewatch.scrapers.pipeline import capture_once
from citewatch.storage import Store

log = logging.getLogger(__name__)
_EXTRACTOR = BudgetedExtractor()  # this process's extraction child, started on first use


@dataclass(frozen=True, slots=True)
class CaptureSummary:
    capture_id: int
    engine: str
    prompt: str
    attempt: int
    status: CaptureStatus
    error: str | None
    extraction: Extraction | None
    unreachable: bool = False  # the engine's host could not be reached at all (see UnreachableError)

    @property
    def engine_changed(self) -> bool:
        """The page looked like an answer but broke the engine's live contracts."""
        return self.extraction is not None and any(w.startswith(ENGINE_CHANGED) for w in self.extraction.warnings)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    initial_wait_s: float = 2.0
    max_wait_s: float = 30.0


def _status_from(extraction: Extraction | None, captured: CaptureStatus) -> CaptureStatus:
    """The page itself may say more than the scraper saw (no AI Overview, a wall in the DOM)."""
    if captured is CaptureStatus.answered and extraction and extraction.status is not ExtractionStatus.answered:
        return CaptureStatus(extraction.status.value)
    return captured


def capture_with_retries(
    store: Store,
    session: BrowserSession,
    engine: str,
    target: Target,
    *,
    run_id: int,
    policy: RetryPolicy | None = None,
    job_key: str | None = None,
    first_attempt: int = 1,
    extract_budget_s: float = 0,
) -> CaptureSummary:
    """Capture until an attempt ends for good; transient failures are retried with jittered backoff.

    Walls (blocked, captcha, login, consent) are never retried here: asking again only makes them worse.
    With a `job_key`, attempt n of the job is stored under the key `<job_key>#<n>` (n counting from
    `first_attempt`), so a job is never stored twice, whichever process or run picks it up. With an
    `extract_budget_s`, each page is extracted in a child process stopped when it overruns (`extract_budget`).
    """
    policy = policy or RetryPolicy()
    scraper = get_engine(engine).scraper
    attempts: list[CaptureSummary] = []

    def before_sleep(state: RetryCallState) -> None:
        message = f"{engine}: attempt {state.attempt_number} failed ({attempts[-1].error}); retrying"
        log.warning(message)  # the one place a retry is reported: stderr at the CLI, the log in a worker

    retrying = Retrying(
        retry=retry_if_exception_type(TransientCaptureError),
        stop=stop_after_attempt(policy.max_attempts),
        wait=wait_exponential_jitter(
            multiplier=policy.initial_wait_s, jitter=policy.initial_wait_s, max=policy.max_wait_s
        ),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                number = first_attempt + attempt.retry_state.attempt_number - 1
                capture_id = store.start_capture(
                    run_id=run_id,
                    prompt=target.prompt,
                    engine=engine,
                    attempt=number,
                    locale=target.locale,
                    job_key=f"{job_key}#{number}" if job_key else None,
                )
                outcome = capture_once(session, scraper, target)
                store.finish_capture(capture_id, outcome.result)
                attempts.append(
                    _extract_and_save(store, capture_id, outcome.result.status, outcome.error, extract_budget_s)
                )
                if isinstance(outcome.error, TransientCaptureError):
                    raise outcome.error
    except TransientCaptureError:
        pass  # every attempt is stored; the last one says how it ended
    return attempts[-1]


def extract_stored(store: Store, capture_id: int, extract_budget_s: float = 0) -> CaptureSummary:
    """Extract a capture stored by a process that died before extracting it."""
    record = store.get_capture(capture_id)
    status = CaptureStatus(record.status)
    return _extract_and_save(store, capture_id, status, None, extract_budget_s, error_text=record.error)


def _extract_and_save(
    store: Store,
    capture_id: int,
    captured: CaptureStatus,
    error: CaptureError | None,
    extract_budget_s: float,
    *,
    error_text: str | None = None,
) -> CaptureSummary:
    snapshot = store.load_snapshot(capture_id) if store.get_capture(capture_id).artifacts.get("dom") else None
    extraction = _EXTRACTOR.extract(snapshot, extract_budget_s) if snapshot else None
    if extraction is not None:
        store.save_extraction(capture_id, extraction)
    status = _status_from(extraction, captured)
    if status is not captured:
        store.set_capture_status(capture_id, status)
    record = store.get_capture(capture_id)
    return CaptureSummary(
        capture_id=capture_id,
        engine=record.engine,
        prompt=record.prompt,
        attempt=record.attempt,
        status=status,
        error=str(error) if error else error_text,
        extraction=extraction,
        unreachable=isinstance(error, UnreachableError),
    )
