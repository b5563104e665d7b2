"""`citewatch run CAMPAIGN.toml`: capture every job of the current schedule slot, headless and resumable."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from citewatch.cli._options import DbOpt, open_store
from citewatch.cli._render import console, progress_bar
from citewatch.config import get_settings

if TYPE_CHECKING:
    from citewatch import batch
    from citewatch.batch import JobOutcome, JobState
    from citewatch.campaign import Campaign, Job

QUEUE_POLL_S = 1.0


def run(
    campaign_file: Annotated[Path, typer.Argument(help="Campaign TOML file.", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the jobs and their state; run nothing.")] = False,
    only_failed: Annotated[bool, typer.Option("--only-failed", help="Re-run only the jobs that failed.")] = False,
    slot: Annotated[str | None, typer.Option(help="Schedule slot to run (default: the current one).")] = None,
    headed: Annotated[bool, typer.Option("--headed", help="Show the browser windows.")] = False,
    queue: Annotated[
        bool, typer.Option("--queue", help="Send the jobs to Celery workers (see `citewatch worker`) instead.")
    ] = False,
    wait: Annotated[bool, typer.Option(help="With --queue: wait for the workers and print the summary.")] = True,
    db: DbOpt = None,
) -> None:
    """Run a campaign slot: skips finished jobs, retries unfinished ones, exits 1 when something needs attention."""
    # imported when the command runs: `citewatch report` and other light commands should not load Playwright
    from citewatch import batch
    from citewatch.campaign import check_slot, expand, load_campaign, schedule_slot
    from citewatch.runner import RetryPolicy
    from citewatch.scrapers.browser import BrowserOptions
    from citewatch.storage import owners

    campaign = load_campaign(campaign_file)
    slot = check_slot(campaign, slot) if slot is not None else schedule_slot(campaign)
    db_url = db or get_settings().db_url
    with open_store(db_url) as store:
        planned = batch.plan(store, list(expand(campaign, slot)))
        jobs = batch.to_run(planned, only_failed=only_failed)
        if dry_run:
            _print_plan(planned, jobs)
            return
        console.print(
            f"campaign {campaign.name}, slot {slot}: {len(jobs)} jobs to run, "
            f"{len(planned) - len(jobs)} already handled ({campaign.concurrency} at a time)"
        )
        if not jobs:
            return
        store.interrupt_dead_runs(campaign.name)
        # the process that will finish the run owns it, so a later run can tell it died (not with --no-wait)
        owner = {} if queue and not wait else {"owner": owners.this_process()}
        run_id = store.start_run(kind="campaign", campaign=campaign.name, label=slot, meta={"slot": slot, **owner})
    if queue:
        _run_queued(campaign, jobs, run_id=run_id, db_url=db_url, wait=wait)
        return
    with progress_bar() as progress:
        task = progress.add_task(f"{campaign.name} {slot}", total=len(jobs))

        def advance(outcome: JobOutcome) -> None:
            if outcome.status not in batch.SUCCESS and not outcome.elsewhere:
                label = outcome.status.value if outcome.status else "skipped"
                progress.console.print(f"[yellow]{outcome.job.engine} · {label}[/] · {outcome.error or ''}")
            progress.advance(task)

        report = batch.run_jobs(
            campaign,
            jobs,
            db_url=db_url,
            run_id=run_id,
            options=BrowserOptions(headless=not headed),
            policy=RetryPolicy(max_attempts=get_settings().max_attempts),
            wanted=batch.wanted_states(only_failed=only_failed),
            on_outcome=advance,
        )
    with open_store(db_url) as store:
        store.finish_run(run_id, status="attention" if report.needs_attention else "ok")
    _print_summary(report)
    if report.needs_attention:
        raise typer.Exit(1)


def _run_queued(campaign: Campaign, jobs: list[Job], *, run_id: int, db_url: str, wait: bool) -> None:
    from citewatch import batch, queue  # Celery is only loaded for the distributed path
    from citewatch.batch import JobState

    sent = queue.enqueue(queue.make_app(), campaign, jobs, run_id)
    console.print(f"sent {sent} jobs to {queue.broker_url()}; workers store into {db_url}")
    if not wait:
        return
    with progress_bar() as progress, open_store(db_url) as store:
        task = progress.add_task(f"{campaign.name} (queued)", total=len(jobs))
        while True:
            states = batch.plan(store, jobs)
            finished = sum(state is not JobState.todo for _, state in states)
            progress.update(task, completed=finished)
            if finished == len(jobs):
                break
            time.sleep(QUEUE_POLL_S)
        report = batch.report_from_store(store, jobs)
        store.finish_run(run_id, status="attention" if report.needs_attention else "ok")
    _print_summary(report)
    if report.needs_attention:
        raise typer.Exit(1)


def _print_plan(planned: list[tuple[Job, JobState]], jobs: list[Job]) -> None:
    table = Table(title=f"{len(planned)} jobs, {len(jobs)} would run", title_justify="left")
    for column in ("job key", "engine", "locale", "repeat", "state", "prompt"):
        table.add_column(column, overflow="fold")
    for job, state in planned:
        marker = "run" if job in jobs else state.value
        table.add_row(job.key, job.engine, job.locale.name, str(job.repeat), marker, job.prompt)
    console.print(table)


def _print_summary(report: batch.RunReport) -> None:
    """One row per outcome that happened, one column per engine: narrow enough for any terminal."""
    by_engine = report.by_engine()
    engines = sorted(by_engine)
    table = Table(title="Run summary", title_justify="left")
    table.add_column("outcome")
    for engine in engines:
        table.add_column(engine, justify="right")
    seen = {status for counts in by_engine.values() for status in counts}
    for status in ("answered", "no_answer", *sorted(seen - {"answered", "no_answer"})):
        table.add_row(status.replace("_", " "), *(str(by_engine[e].get(status, 0)) for e in engines))
    changed = [sum(o.engine_changed for o in report.outcomes if o.job.engine == e) for e in engines]
    table.add_row("page changed", *(str(n) for n in changed))
    console.print(table)
