"""`citewatch run CAMPAIGN.toml`: capture every job of the current schedule slot, headless and resumable."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.table import Table

from citewatch.cli._options import DbOpt, SelectorsOpt, TraceOpt, open_store, use_selectors
from citewatch.cli._render import console, errors, progress_bar
from citewatch.config import get_settings
from citewatch.errors import CitewatchError
from citewatch.models import TraceMode

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
    selectors: SelectorsOpt = None,
    trace: TraceOpt = TraceMode.on_failure,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", min=1, help="With --queue: stop waiting when no job has finished for this many seconds."
        ),
    ] = 600.0,
    db: DbOpt = None,
) -> None:
    """Run a campaign slot: skips finished jobs, retries unfinished ones, exits 1 when something needs attention."""
    use_selectors(selectors)
    # imported when the command runs: `citewatch report` and other light commands should not load Playwright
    from citewatch import batch
    from citewatch.campaign import check_slot, expand, load_campaign, schedule_slot
    from citewatch.runner import RetryPolicy
    from citewatch.scrapers.browser import BrowserOptions
    from citewatch.storage import owners

    campaign = load_campaign(campaign_file)
    slot = check_slot(campaign, slot) if slot is not None else schedule_slot(campaign)
    db_url = db or get_settings().db_url
    with open_store(db_url, create=True) as store:
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
        run_id = store.start_run(
            kind="campaign",
            campaign=campaign.name,
            label=slot,
            meta={**run_meta(campaign, campaign_file, slot), **owner},
        )
    if queue:
        _run_queued(campaign_file, campaign, jobs, run_id=run_id, db_url=db_url, wait=wait, timeout_s=timeout)
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
            options=BrowserOptions(headless=not headed, trace=trace),
            policy=RetryPolicy(max_attempts=get_settings().max_attempts),
            wanted=batch.wanted_states(only_failed=only_failed),
            on_outcome=advance,
        )
    with open_store(db_url) as store:
        store.finish_run(run_id, status="attention" if report.needs_attention else "ok")
    _print_summary(report)
    if report.needs_attention:
        raise typer.Exit(1)


def run_meta(campaign: Campaign, campaign_file: Path, slot: str) -> dict[str, Any]:
    """What a campaign run keeps about itself: queue workers read the campaign from here (their messages carry
    only a job key), exports and reports its prompts' tags and its locales' countries, and reports its brands
    (resolved now: a brand file is named relative to the campaign file)."""
    from citewatch.analysis.brands import brands_from_table

    meta: dict[str, Any] = {"slot": slot, "campaign": campaign.model_dump(mode="json")}
    if campaign.brands is not None:
        brands = brands_from_table(campaign.brands, origin=f"{campaign_file}: brands", base_dir=campaign_file.parent)
        meta["brands"] = brands.model_dump(mode="json")
    return meta


def _run_queued(
    campaign_file: Path, campaign: Campaign, jobs: list[Job], *, run_id: int, db_url: str, wait: bool, timeout_s: float
) -> None:
    from citewatch import batch, queue  # Celery is only loaded for the distributed path
    from citewatch.batch import JobState
    from citewatch.storage.db import safe_url

    app = queue.make_app()
    sent = queue.enqueue(app, db_url, jobs, run_id)
    console.print(f"sent {sent} jobs to {safe_url(queue.broker_url())}; workers store into {safe_url(db_url)}")
    if not wait:
        return
    if not queue.workers_answering(app):
        errors.print("warning: no worker answers on the broker yet; start `citewatch worker` (the jobs wait)")
    with progress_bar() as progress, open_store(db_url) as store:
        task = progress.add_task(f"{campaign.name} (queued)", total=len(jobs))
        finished, last_change = 0, time.monotonic()
        while True:
            outstanding = [job for job, state in batch.plan(store, jobs) if state is JobState.todo]
            if len(jobs) - len(outstanding) != finished:
                finished, last_change = len(jobs) - len(outstanding), time.monotonic()
            progress.update(task, completed=finished, description=f"{campaign.name}: {len(outstanding)} outstanding")
            if not outstanding:
                break
            if time.monotonic() - last_change > timeout_s:
                progress.stop()
                _gave_up(campaign_file, outstanding, timeout_s)
            time.sleep(QUEUE_POLL_S)
        report = batch.report_from_store(store, jobs)
        store.finish_run(run_id, status="attention" if report.needs_attention else "ok")
    _print_summary(report)
    if report.needs_attention:
        raise typer.Exit(1)


def _gave_up(campaign_file: Path, outstanding: list[Job], timeout_s: float) -> NoReturn:
    """Waiting ends with what is left: the jobs stay queued and a later run collects them."""
    shown = ", ".join(job.key for job in outstanding[:5]) + (" ..." if len(outstanding) > 5 else "")
    raise CitewatchError(
        f"no job finished for {timeout_s:g} s, {len(outstanding)} still outstanding ({shown}); they stay queued: "
        f"`citewatch run {campaign_file} --slot {outstanding[0].slot} --dry-run` shows what is left; "
        "check that `citewatch worker` runs"
    )


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
