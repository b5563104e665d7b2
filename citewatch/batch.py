"""Running a campaign slot: resumable, idempotent, paced, and careful with engines that push back.

Each job's captures carry the key `<job key>#<n>`, n counting every attempt the job ever had. Running a
slot again therefore skips jobs that ended (answered, no answer, or a failure), retries jobs that never ran
or whose process was killed mid-capture (`running`), and never stores a job twice. `only_failed` re-runs
the jobs whose last attempt failed. A job whose capture was stored but whose process died before extracting
it (`unextracted`) is extracted, not captured again.

Two runs of one campaign at once (or a run and queue workers) share the jobs: a process claims a job in the
store before its browser starts and holds the claim, renewed in the background, until the job ends
(`Store.claim_job`); a job another live process holds is left to it.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from citewatch.campaign import Campaign, Job
from citewatch.config import get_settings
from citewatch.engines import get_engine
from citewatch.errors import StorageError
from citewatch.extract.contracts import ENGINE_CHANGED
from citewatch.models import CaptureStatus
from citewatch.runner import RetryPolicy, capture_with_retries, extract_stored
from citewatch.scrapers.base import Target
from citewatch.scrapers.browser import BrowserOptions, BrowserSession, Identity, open_browser
from citewatch.storage import CaptureRecord, Store

SUCCESS = frozenset({CaptureStatus.answered, CaptureStatus.no_answer})
WALLS = frozenset({CaptureStatus.blocked, CaptureStatus.captcha})
ATTENTION = frozenset(CaptureStatus) - SUCCESS - {CaptureStatus.running}
# A claim lasts this long without renewal; its holder renews it three times as often, so only a holder that
# stopped (killed on another host, frozen) loses it. On the same host a dead holder is replaced at once.
CLAIM_LEASE_S = 60.0

log = logging.getLogger(__name__)


class JobState(StrEnum):
    todo = "todo"  # never ran, or its process died mid-capture
    done = "done"
    failed = "failed"
    unextracted = "unextracted"  # its page was stored, then its process died before extracting it


def job_attempts(store: Store, job_key: str) -> list[CaptureRecord]:
    """Every capture a job ever had, oldest first."""
    found: list[CaptureRecord] = []
    while (record := store.find_capture_by_job_key(f"{job_key}#{len(found) + 1}")) is not None:
        found.append(record)
    return found


def job_state(attempts: list[CaptureRecord]) -> JobState:
    if not attempts or attempts[-1].status == CaptureStatus.running:
        return JobState.todo
    return JobState.done if CaptureStatus(attempts[-1].status) in SUCCESS else JobState.failed


def stored_state(store: Store, attempts: list[CaptureRecord]) -> JobState:
    """`job_state`, and `unextracted` for a finished attempt whose stored page has no extraction."""
    state = job_state(attempts)
    if state is not JobState.todo and "dom" in attempts[-1].artifacts and not store.has_extraction(attempts[-1].id):
        return JobState.unextracted
    return state


def plan(store: Store, jobs: list[Job]) -> list[tuple[Job, JobState]]:
    """Each job with its state in the store."""
    return [(job, stored_state(store, job_attempts(store, job.key))) for job in jobs]


def wanted_states(*, only_failed: bool) -> frozenset[JobState]:
    """The states of the jobs a run takes on; an unextracted page is always finished."""
    return frozenset({JobState.failed if only_failed else JobState.todo, JobState.unextracted})


def to_run(planned: list[tuple[Job, JobState]], *, only_failed: bool) -> list[Job]:
    wanted = wanted_states(only_failed=only_failed)
    return [job for job, state in planned if state in wanted]


@contextmanager
def claimed(store: Store, job_key: str) -> Iterator[bool]:
    """Hold the job's claim while the block runs (True), or yield False when another live process holds it."""
    if not store.claim_job(job_key, lease_s=CLAIM_LEASE_S):
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(CLAIM_LEASE_S / 3):
            try:
                if not store.renew_claim(job_key, lease_s=CLAIM_LEASE_S):
                    log.warning("%s: the claim on this job was lost (its lease ran out)", job_key)
                    return
            except StorageError as exc:  # the next renewal may work; the lease is long enough to wait
                log.warning("%s: could not renew the claim: %s", job_key, exc)

    renewer = threading.Thread(target=renew, name=f"claim {job_key}", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        try:
            store.release_claim(job_key)
        except StorageError as exc:  # the lease runs out by itself
            log.warning("%s: could not release the claim: %s", job_key, exc)


def target_for(campaign: Campaign, job: Job) -> Target:
    spec = campaign.engines[job.engine]
    locale = job.locale
    return Target(
        prompt=job.prompt,
        base_url=spec.base_url or get_engine(job.engine).home_url,
        locale=locale.locale,
        country=locale.country,
        timeout_s=campaign.timeout_s,
        web_search=spec.web_search,
        identity=Identity(
            locale=locale.locale, timezone=locale.timezone, storage_state=spec.storage_state, proxy=locale.proxy
        ),
    )


@dataclass(frozen=True, slots=True)
class JobOutcome:
    job: Job
    status: CaptureStatus | None  # None: not run (engine cooled down)
    capture_id: int | None = None
    error: str | None = None
    engine_changed: bool = False
    unreachable: bool = False
    elsewhere: bool = False  # another process held the job, or ended it after this run planned it


@dataclass(slots=True)
class RunReport:
    outcomes: list[JobOutcome] = field(default_factory=list)

    def by_engine(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = {}
        for outcome in self.outcomes:
            label = "run_elsewhere" if outcome.elsewhere else outcome.status.value if outcome.status else "cooled_down"
            table.setdefault(outcome.job.engine, Counter())[label] += 1
        return table

    @property
    def needs_attention(self) -> bool:
        return any(
            not o.elsewhere and (o.status is None or o.status in ATTENTION or o.engine_changed) for o in self.outcomes
        )


def report_from_store(store: Store, jobs: list[Job]) -> RunReport:
    """The outcome of jobs that ran elsewhere (queue workers), read back from their last attempts."""
    report = RunReport()
    for job in jobs:
        attempts = job_attempts(store, job.key)
        if not attempts:
            continue
        last = attempts[-1]
        extraction = store.latest_extraction(last.id)
        changed = extraction is not None and any(w.startswith(ENGINE_CHANGED) for w in extraction.warnings)
        report.outcomes.append(JobOutcome(job, CaptureStatus(last.status), last.id, last.error, changed))
    return report


class Worker:
    """One browser and one store connection, reused for every job this process runs."""

    def __init__(self, store: Store, session: BrowserSession) -> None:
        self.store = store
        self.session = session

    @classmethod
    def open(cls, db_url: str, options: BrowserOptions, stack: ExitStack) -> Worker:
        """A worker whose store and browser close with `stack`."""
        return cls(stack.enter_context(Store.open(db_url)), stack.enter_context(open_browser(options)))

    def run(
        self,
        campaign: Campaign,
        job: Job,
        run_id: int,
        policy: RetryPolicy,
        wanted: frozenset[JobState] = wanted_states(only_failed=False),
    ) -> JobOutcome:
        """Run the job if this process can claim it and it is still in a `wanted` state once claimed."""
        with claimed(self.store, job.key) as mine:
            if not mine:
                return JobOutcome(job, None, error="another process is running this job", elsewhere=True)
            return self._run_claimed(campaign, job, run_id, policy, wanted)

    def _run_claimed(
        self, campaign: Campaign, job: Job, run_id: int, policy: RetryPolicy, wanted: frozenset[JobState]
    ) -> JobOutcome:
        attempts = job_attempts(self.store, job.key)
        state = stored_state(self.store, attempts)
        if state is JobState.unextracted:
            extracted = extract_stored(self.store, attempts[-1].id, get_settings().extract_budget_s)
            return JobOutcome(job, extracted.status, extracted.capture_id, extracted.error, extracted.engine_changed)
        if state not in wanted:  # another process ended it after this run planned it
            last = attempts[-1]
            return JobOutcome(job, CaptureStatus(last.status), last.id, last.error, elsewhere=True)
        if attempts and attempts[-1].status == CaptureStatus.running:
            self.store.abandon_capture(attempts[-1].id, "the process capturing it died; the job was run again")
        summary = capture_with_retries(
            self.store,
            self.session,
            job.engine,
            target_for(campaign, job),
            run_id=run_id,
            policy=policy,
            job_key=job.key,
            first_attempt=len(attempts) + 1,
            extract_budget_s=get_settings().extract_budget_s,
        )
        return JobOutcome(
            job, summary.status, summary.capture_id, summary.error, summary.engine_changed, summary.unreachable
        )


_process_worker: Worker | None = None
_process_stack = ExitStack()


def _init_process(db_url: str, options: BrowserOptions) -> None:
    global _process_worker  # one worker per process, built by the pool initializer
    _process_worker = Worker.open(db_url, options, _process_stack)


def _run_in_process(
    campaign: Campaign, job: Job, run_id: int, policy: RetryPolicy, wanted: frozenset[JobState]
) -> JobOutcome:
    if _process_worker is None:
        raise RuntimeError("worker process was not initialised")
    return _process_worker.run(campaign, job, run_id, policy, wanted)


@dataclass(slots=True)
class Pacer:
    """Per-engine pacing and cool-down, decided in the parent so workers need not agree."""

    campaign: Campaign
    next_start: dict[str, float] = field(default_factory=dict)
    cooled: dict[str, str] = field(default_factory=dict)  # engine -> why its remaining jobs are skipped

    def pick(self, pending: deque[Job], skip: Callable[[JobOutcome], None]) -> Job | None:
        """The next job whose engine may start now; jobs of cooled-down engines are skipped, not run."""
        now = time.monotonic()
        for job in list(pending):
            if job.engine in self.cooled:
                pending.remove(job)
                skip(JobOutcome(job, None, error=self.cooled[job.engine]))
                continue
            if self.next_start.get(job.engine, 0.0) <= now:
                pending.remove(job)
                self.next_start[job.engine] = now + self.campaign.engines[job.engine].min_delay_s
                return job
        return None

    def wait_s(self, pending: deque[Job]) -> float:
        starts = [self.next_start.get(job.engine, 0.0) for job in pending if job.engine not in self.cooled]
        return max(0.0, min(starts, default=0.0) - time.monotonic())

    def record(self, outcome: JobOutcome) -> None:
        engine = outcome.job.engine
        if outcome.status in WALLS:
            self.cooled.setdefault(engine, f"{engine} cooled down after a block")
        elif outcome.unreachable:
            self.cooled.setdefault(engine, f"skipped: {outcome.error}")


def run_jobs(
    campaign: Campaign,
    jobs: list[Job],
    *,
    db_url: str,
    run_id: int,
    options: BrowserOptions,
    policy: RetryPolicy,
    wanted: frozenset[JobState] = wanted_states(only_failed=False),
    on_outcome: Callable[[JobOutcome], None] = lambda _o: None,
) -> RunReport:
    """Run `jobs` with `campaign.concurrency` browser processes (in this process when it is 1)."""
    report = RunReport()
    pacer = Pacer(campaign)
    pending = deque(jobs)

    def finish(outcome: JobOutcome) -> None:
        pacer.record(outcome)
        report.outcomes.append(outcome)
        on_outcome(outcome)

    with ExitStack() as stack:
        if campaign.concurrency == 1:
            worker = Worker.open(db_url, options, stack)
            while pending:
                job = pacer.pick(pending, finish)
                if job is None:
                    time.sleep(pacer.wait_s(pending))
                    continue
                finish(worker.run(campaign, job, run_id, policy, wanted))
            return report
        pool = stack.enter_context(
            ProcessPoolExecutor(
                max_workers=campaign.concurrency,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_process,
                initargs=(db_url, options),
            )
        )
        in_flight: dict[Future[JobOutcome], Job] = {}
        while pending or in_flight:
            while len(in_flight) < campaign.concurrency and (job := pacer.pick(pending, finish)):
                in_flight[pool.submit(_run_in_process, campaign, job, run_id, policy, wanted)] = job
            if not in_flight:
                time.sleep(pacer.wait_s(pending))
                continue
            done, _ = wait(in_flight, timeout=max(pacer.wait_s(pending), 0.05), return_when=FIRST_COMPLETED)
            for future in done:
                job = in_flight.pop(future)
                try:
                    finish(future.result())
                except Exception as exc:  # noqa: BLE001 - a dead worker is one failed job, not a failed run
                    finish(JobOutcome(job, CaptureStatus.error, error=f"worker failed: {exc}"))
    return report
