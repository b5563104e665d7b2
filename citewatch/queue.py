"""Capture jobs across many machines: Celery workers, Redis as the broker, PostgreSQL as the shared store.

`enqueue` sends a slot's jobs; `citewatch worker` runs them, one browser per worker process. A message names
its store (a URL without its password), its run (which holds the campaign, stored once by `run`) and the job
key, so a worker writes each job where its run is, whatever its own CITEWATCH_DB_URL says. Messages are
acknowledged late and requeued when a worker dies, so a job whose worker was killed mid-capture is run
again elsewhere; the job key makes a redelivered job that had already finished a no-op, and marks the
abandoned attempt as incomplete instead of leaving it `running`.
"""

from __future__ import annotations

import logging
import os
from contextlib import ExitStack
from typing import Any

from celery import Celery
from celery.signals import worker_process_init, worker_process_shutdown

from citewatch.batch import JobState, Worker, job_attempts, job_state
from citewatch.campaign import Campaign, Job, expand
from citewatch.config import get_settings
from citewatch.errors import CitewatchError, NoStore, StorageError
from citewatch.runner import RetryPolicy
from citewatch.scrapers.browser import BrowserOptions, BrowserSession, open_browser
from citewatch.storage import Store
from citewatch.storage.db import require_store, safe_url, shareable_url

TASK = "citewatch.capture_job"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"


def broker_url() -> str:
    return os.environ.get("CITEWATCH_BROKER_URL", DEFAULT_BROKER)


def make_app(broker: str | None = None) -> Celery:
    app = Celery("citewatch", broker=broker or broker_url())
    app.conf.update(
        task_acks_late=True,  # acknowledge after the capture is stored, not when it starts
        task_reject_on_worker_lost=True,  # a killed worker process puts its job back on the queue
        worker_prefetch_multiplier=1,  # a worker holds only the job it is running
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        # Redis redelivers a message whose worker vanished entirely after this many seconds.
        broker_transport_options={"visibility_timeout": int(os.environ.get("CITEWATCH_QUEUE_VISIBILITY_S", "3600"))},
        worker_hijack_root_logger=False,
    )
    # Infrastructure failures (database down, no browser) put the job back with backoff instead of losing it;
    # capture failures are not exceptions here: they are recorded as the capture's status.
    app.task(name=TASK, autoretry_for=(CitewatchError,), retry_backoff=True, retry_backoff_max=300, max_retries=None)(
        capture_job
    )
    return app


_process: dict[str, Any] = {}
log = logging.getLogger(__name__)


def _session() -> BrowserSession:
    """This process's browser, started on first use (after the fork: Playwright cannot be forked)."""
    if "session" not in _process:
        stack = ExitStack()
        try:
            _process["session"] = stack.enter_context(open_browser(BrowserOptions()))
        except BaseException:
            stack.close()
            raise
        _process["stack"] = stack
    session: BrowserSession = _process["session"]
    return session


def _start_browser(**_: object) -> None:
    try:
        _session()
    except CitewatchError as exc:  # the task retries the start, with backoff, until it works
        log.error("worker process could not start: %s", exc)


def _stop_browser(**_: object) -> None:
    stack = _process.pop("stack", None)
    _process.clear()
    if stack is not None:
        stack.close()


worker_process_init.connect(_start_browser)
worker_process_shutdown.connect(_stop_browser)


def job_store(url: str) -> str:
    """The URL this worker opens for a job's store (which travels without its password): its own
    CITEWATCH_DB_URL when that names the same database, so the password comes from there; otherwise the
    job's URL as it is, and PostgreSQL's client finds the password in PGPASSWORD or ~/.pgpass."""
    configured = get_settings().db_url
    try:
        same = shareable_url(configured) == url
    except StorageError:  # a broken CITEWATCH_DB_URL on the worker does not stop jobs that name their store
        same = False
    return configured if same else url


def _store(url: str) -> Store:
    """The job's store, opened once per process; never created here (a job names a store its run made)."""
    stores: dict[str, Store] = _process.setdefault("stores", {})
    if url not in stores:
        _session()
        opened = job_store(url)
        try:
            require_store(opened)
        except NoStore as exc:
            raise QueueMessageError(str(exc)) from exc
        stores[url] = _process["stack"].enter_context(Store.open(opened))
    return stores[url]


def _jobs_of_run(store: Store, store_url: str, run_id: int) -> tuple[Campaign, dict[str, Job]]:
    """The campaign `run --queue` stored with its run, and that slot's jobs by key (read once per run)."""
    runs: dict[tuple[str, int], tuple[Campaign, dict[str, Job]]] = _process.setdefault("runs", {})
    if (store_url, run_id) not in runs:
        meta = store.run_meta(run_id)
        if meta is None or "campaign" not in meta:
            raise QueueMessageError(f"run {run_id} in {safe_url(store_url)} holds no campaign")
        campaign = Campaign.model_validate(meta["campaign"])
        runs[store_url, run_id] = campaign, {job.key: job for job in expand(campaign, meta["slot"])}
    return runs[store_url, run_id]


class QueueMessageError(CitewatchError):
    """A message this worker cannot run (not retried: it would fail the same way again)."""


def job_message(store_url: str, job: Job, run_id: int) -> dict[str, Any]:
    """What travels with a job: its key, its run (which holds the campaign, stored once) and its store, as a
    URL without a password. A few hundred bytes, with no proxy credential or password in them."""
    return {"store": shareable_url(store_url), "run_id": run_id, "job": job.key}


def capture_job(message: dict[str, Any]) -> dict[str, Any]:
    """The Celery task: capture one job unless it already ended."""
    try:
        store_url, run_id, key = str(message["store"]), int(message["run_id"]), str(message["job"])
    except (KeyError, TypeError, ValueError) as exc:
        # its keys only: an old-style message held the whole campaign, proxy credentials included
        log.error("dropped a queue message that is not a citewatch job (keys: %s)", sorted(message)[:10])
        return {"job": None, "error": f"not a citewatch job message ({exc})"}
    try:
        store = _store(store_url)
        campaign, jobs = _jobs_of_run(store, store_url, run_id)
        if key not in jobs:
            raise QueueMessageError(f"job {key} is not one of run {run_id}'s jobs in {safe_url(store_url)}")
    except QueueMessageError as exc:
        log.error("dropped job %s: %s", key, exc)
        return {"job": key, "error": str(exc)}
    job = jobs[key]
    attempts = job_attempts(store, job.key)
    if job_state(attempts) is not JobState.todo:  # a redelivered job that had already ended
        return {"job": job.key, "status": attempts[-1].status, "skipped": True}
    outcome = Worker(store, _session()).run(
        campaign, job, run_id, RetryPolicy(max_attempts=get_settings().max_attempts)
    )
    return {"job": job.key, "status": outcome.status.value if outcome.status else None, "skipped": False}


def enqueue(app: Celery, store_url: str, jobs: list[Job], run_id: int) -> int:
    """Send `jobs` of `run_id`, whose campaign `run --queue` stored in the run (see `_jobs_of_run`)."""
    for job in jobs:
        app.send_task(TASK, args=[job_message(store_url, job, run_id)])
    return len(jobs)


def workers_answering(app: Celery, timeout_s: float = 1.0) -> int:
    """How many workers answer a ping on the broker now."""
    return len(app.control.ping(timeout=timeout_s) or [])


def start_worker(app: Celery, *, concurrency: int, loglevel: str = "WARNING") -> None:
    """Block running a worker with `concurrency` processes (one browser each)."""
    app.worker_main(
        ["worker", f"--concurrency={concurrency}", "--pool=prefork", f"--loglevel={loglevel}", "--without-gossip"]
    )
