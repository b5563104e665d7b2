"""Capture jobs across many machines: Celery workers, Redis as the broker, PostgreSQL as the shared store.

`enqueue` sends a slot's jobs; `citewatch worker` runs them, one browser per worker process. Messages are
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
from citewatch.campaign import Campaign, Job, LocaleSpec
from citewatch.config import get_settings
from citewatch.errors import CitewatchError
from citewatch.runner import RetryPolicy
from citewatch.scrapers.browser import BrowserOptions

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


def _worker() -> Worker:
    """This process's browser and store, started on first use (after the fork: Playwright cannot be forked)."""
    if "worker" not in _process:
        stack = ExitStack()
        try:
            _process["worker"] = Worker(get_settings().db_url, BrowserOptions(), stack)
        except BaseException:
            stack.close()
            raise
        _process["stack"] = stack
    worker: Worker = _process["worker"]
    return worker


def _start_browser(**_: object) -> None:
    try:
        _worker()
    except CitewatchError as exc:  # the task retries the start, with backoff, until it works
        log.error("worker process could not start: %s", exc)


def _stop_browser(**_: object) -> None:
    stack = _process.pop("stack", None)
    _process.pop("worker", None)
    if stack is not None:
        stack.close()


worker_process_init.connect(_start_browser)
worker_process_shutdown.connect(_stop_browser)


def job_message(campaign: Campaign, job: Job, run_id: int) -> dict[str, Any]:
    return {
        "campaign": campaign.model_dump(mode="json"),
        "job": {
            "key": job.key,
            "campaign": job.campaign,
            "slot": job.slot,
            "prompt": job.prompt,
            "engine": job.engine,
            "locale": job.locale.model_dump(mode="json"),
            "repeat": job.repeat,
        },
        "run_id": run_id,
    }


def capture_job(message: dict[str, Any]) -> dict[str, Any]:
    """The Celery task: capture one job unless it already ended."""
    campaign = Campaign.model_validate(message["campaign"])
    raw = message["job"]
    job = Job(
        raw["key"],
        raw["campaign"],
        raw["slot"],
        raw["prompt"],
        raw["engine"],
        LocaleSpec(**raw["locale"]),
        raw["repeat"],
    )
    worker = _worker()
    attempts = job_attempts(worker.store, job.key)
    if job_state(attempts) is not JobState.todo:  # a redelivered job that had already ended
        return {"job": job.key, "status": attempts[-1].status, "skipped": True}
    outcome = worker.run(campaign, job, message["run_id"], RetryPolicy(max_attempts=get_settings().max_attempts))
    return {"job": job.key, "status": outcome.status.value if outcome.status else None, "skipped": False}


def enqueue(app: Celery, campaign: Campaign, jobs: list[Job], run_id: int) -> int:
    for job in jobs:
        app.send_task(TASK, args=[job_message(campaign, job, run_id)])
    return len(jobs)


def start_worker(app: Celery, *, concurrency: int, loglevel: str = "WARNING") -> None:
    """Block running a worker with `concurrency` processes (one browser each)."""
    app.worker_main(
        ["worker", f"--concurrency={concurrency}", "--pool=prefork", f"--loglevel={loglevel}", "--without-gossip"]
    )
