"""`citewatch capture ENGINE PROMPT`: ask an engine, store every capture, print its citations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from citewatch.cli._options import (
    DbOpt,
    EngineArg,
    SelectorsOpt,
    TraceOpt,
    nonblank_prompt,
    open_store,
    saved_session,
    use_selectors,
)
from citewatch.cli._render import citations_table, console, domain_frequency_table, progress_bar, stability_line
from citewatch.config import get_settings
from citewatch.engines import get_engine
from citewatch.models import CaptureStatus, TraceMode

if TYPE_CHECKING:
    from citewatch.runner import CaptureSummary
    from citewatch.scrapers.base import Target
    from citewatch.scrapers.browser import BrowserSession
    from citewatch.storage import Store


def capture(
    engine: EngineArg,
    prompt: Annotated[
        str, typer.Argument(help="The question to ask, as a user would type it.", callback=nonblank_prompt)
    ],
    repeat: Annotated[int, typer.Option("--repeat", "-n", min=1, help="Ask the same prompt N times.")] = 1,
    headed: Annotated[bool, typer.Option("--headed", help="Show the browser window.")] = False,
    locale: Annotated[str, typer.Option(help="Browser locale (and Google hl).")] = "en-US",
    country: Annotated[str | None, typer.Option(help="Country code for Google's gl.")] = None,
    timezone: Annotated[str | None, typer.Option(help="Browser timezone, e.g. Europe/Berlin.")] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Engine URL to open instead of the real site (a replica)."),
    ] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds allowed for one answer.")] = None,
    channel: Annotated[str | None, typer.Option(help="Installed browser channel: chrome or msedge.")] = None,
    profile: Annotated[Path | None, typer.Option(help="Persistent browser profile directory.")] = None,
    proxy: Annotated[str | None, typer.Option(help="Proxy server, e.g. http://host:3128.")] = None,
    web_search: Annotated[bool, typer.Option("--web-search", help="Turn web search on (ChatGPT).")] = False,
    selectors: SelectorsOpt = None,
    trace: TraceOpt = TraceMode.on_failure,
    db: DbOpt = None,
) -> None:
    """Capture PROMPT on ENGINE (headless by default), store each capture and print its citations."""
    use_selectors(selectors)
    # imported when the command runs: `citewatch report` and other light commands should not load Playwright
    from citewatch.scrapers.base import Target
    from citewatch.scrapers.browser import BrowserOptions, open_browser

    settings = get_settings()
    options = BrowserOptions(
        headless=not headed,
        channel=channel,
        profile_dir=profile,
        storage_state=saved_session(engine),
        locale=locale,
        timezone=timezone,
        proxy=proxy,
        trace=trace,
    )
    target = Target(
        prompt=prompt,
        base_url=base_url or get_engine(engine).home_url,
        locale=locale,
        country=country,
        timeout_s=timeout or settings.capture_timeout_s,
        web_search=web_search,
    )
    with open_store(db, create=True) as store, open_browser(options) as session:
        summaries = capture_repeated(store, session, engine, target, repeat=repeat, kind="capture")
    print_summaries(summaries)
    if not any(s.status is CaptureStatus.answered for s in summaries):
        raise typer.Exit(1)


def capture_repeated(
    store: Store, session: BrowserSession, engine: str, target: Target, *, repeat: int, kind: str
) -> list[CaptureSummary]:
    """Capture `repeat` times under one run, with a progress bar."""
    from citewatch.runner import RetryPolicy, capture_with_retries

    # the country, which only Google's engines send, is kept for exports and reports to split by
    meta = {"country": target.country} if target.country else {}
    run_id = store.start_run(kind=kind, label=target.prompt[:200], meta=meta)
    summaries: list[CaptureSummary] = []
    with progress_bar(transient=True) as progress:
        task = progress.add_task(f"{engine}: {target.prompt[:50]}", total=repeat)
        for _ in range(repeat):
            summaries.append(
                capture_with_retries(
                    store,
                    session,
                    engine,
                    target,
                    run_id=run_id,
                    policy=RetryPolicy(max_attempts=get_settings().max_attempts),
                )
            )
            progress.advance(task)
            if summaries[-1].unreachable:  # every further repeat would fail the same way
                break
    failed = any(s.status is not CaptureStatus.answered for s in summaries)
    store.finish_run(run_id, status="attention" if failed else "ok")
    return summaries


def print_summaries(summaries: list[CaptureSummary]) -> None:
    """One capture: its line and its citations. Repeated captures: one line each, then which domains they
    cited and how stable that was (the demo's stability line, last); `citewatch show ID` prints one in full."""
    answered = [s.extraction for s in summaries if s.extraction and s.status is CaptureStatus.answered]
    repeated = len(summaries) > 1
    for summary in summaries:
        line = f"capture {summary.capture_id}: {summary.engine} · {summary.status.value}"
        if summary.attempt > 1:
            line += f" (attempt {summary.attempt})"
        if summary.error:
            line += f" · {summary.error}"
        if repeated and summary.extraction is not None:
            line += f" · {len(summary.extraction.citations)} citations"
        console.print(line, style="bold" if summary.status is CaptureStatus.answered else "bold red")
        if summary.engine_changed:
            console.print("  engine_changed: the page looks like an answer but breaks its contracts", style="red")
        if not repeated and summary.extraction and summary.extraction.citations:
            console.print(citations_table(summary.extraction))
    if len(answered) > 1:
        console.print(domain_frequency_table(answered))
        console.print(stability_line(answered))
    if repeated:
        console.print("citations of one capture in full: citewatch show ID", style="dim")
