"""`citewatch demo`: the whole pipeline against the bundled replicas, offline, in about a minute.

Perplexity is captured in depth (one prompt three times, for the stability summary); every other registered
engine once, so a fresh machine shows each adapter working end to end.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from citewatch.cli._render import (
    answer_with_markers,
    citations_table,
    console,
    domain_frequency_table,
    stability_line,
)
from citewatch.cli.capture import capture_repeated
from citewatch.engines import ENGINES
from citewatch.models import CaptureStatus
from citewatch.storage import Store

if TYPE_CHECKING:
    from citewatch.runner import CaptureSummary
    from citewatch.scrapers.browser import BrowserSession

DEMO_PROMPTS = (
    ("best CRM for SaaS startups", 3),
    ("how do heat pumps work", 1),
    ("best running shoes for beginners", 1),
)
DEMO_SEED = 7
TOUR_PROMPT = "best running shoes for beginners"


def demo(
    db_path: Annotated[Path, typer.Option("--db-path", help="SQLite file the demo stores into.")] = Path(
        "citewatch-demo.db"
    ),
) -> None:
    """Capture three prompts (one three times) from the Perplexity replica, one from each other engine's, report."""
    # imported when the command runs: other commands should not load Playwright or the replica server
    from citewatch.replicas import serve
    from citewatch.scrapers.base import Target
    from citewatch.scrapers.browser import BrowserOptions, open_browser

    db_url = f"sqlite:///{db_path}"
    # "varying": the replica's cited sources change from run to run (seeded), as real engines' do.
    with serve("perplexity", scenario="varying", seed=DEMO_SEED) as server, Store.open(db_url) as store:
        console.print(f"Perplexity replica at {server.url}; storing captures in {db_path}")
        with open_browser(BrowserOptions()) as session:
            tour = [s for name in ENGINES if name != "perplexity" for s in capture_on_replica(store, session, name)]
            runs = {
                prompt: capture_repeated(
                    store,
                    session,
                    "perplexity",
                    Target(prompt=prompt, base_url=f"{server.url}/", timeout_s=60),
                    repeat=repeat,
                    kind="demo",
                )
                for prompt, repeat in DEMO_PROMPTS
            }
    first_prompt, _ = DEMO_PROMPTS[0]
    repeated = [s.extraction for s in runs[first_prompt] if s.extraction and s.status is CaptureStatus.answered]
    failed = [s for summaries in [*runs.values(), tour] for s in summaries if s.status is not CaptureStatus.answered]
    for summary in failed:
        console.print(f"capture {summary.capture_id}: {summary.engine}: {summary.status.value}: {summary.error}")
    if not repeated:
        raise typer.Exit(1)
    first = runs[first_prompt][0]
    console.rule(f"[bold]{first_prompt}[/] (capture {first.capture_id})")
    console.print(answer_with_markers(repeated[0]), markup=False)
    console.print(citations_table(repeated[0], title="Citations"))
    console.print(domain_frequency_table(repeated))
    console.print(stability_line(repeated))
    console.print(tour_table(tour))
    total = sum(len(s) for s in [*runs.values(), tour])
    console.print(
        f"\n{total} captures stored in {db_path}. Go on with:\n"
        f"  citewatch show {first.capture_id} --db {db_url}\n"
        f"  citewatch replay --all --diff --db {db_url}\n"
        f"  citewatch report --db {db_url}"
    )
    if failed:
        raise typer.Exit(1)


def capture_on_replica(store: Store, session: BrowserSession, engine: str) -> list[CaptureSummary]:
    """One capture of TOUR_PROMPT from `engine`'s replica, in its normal scenario."""
    from citewatch.replicas import serve
    from citewatch.scrapers.base import Target

    with serve(engine) as server:
        target = Target(prompt=TOUR_PROMPT, base_url=f"{server.url}/", timeout_s=60)
        return capture_repeated(store, session, engine, target, repeat=1, kind="demo")


def tour_table(summaries: list[CaptureSummary]) -> Table:
    table = Table(title=f"Every other engine's replica: {TOUR_PROMPT!r}")
    for column in ("engine", "capture", "status", "citations", "domains", "sources", "organic"):
        table.add_column(column, justify="left" if column in ("engine", "status") else "right", no_wrap=True)
    for summary in summaries:
        extraction = summary.extraction
        counts = ["-"] * 4
        if extraction is not None:
            domains = {c.domain for c in extraction.citations if c.domain}
            counts = [str(n) for n in (len(extraction.citations), len(domains), len(extraction.sources))]
            counts.append(str(len(extraction.organic_results)))
        table.add_row(summary.engine, str(summary.capture_id), summary.status.value, *counts)
    return table
