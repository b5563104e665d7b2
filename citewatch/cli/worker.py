"""`citewatch worker`: run queued capture jobs (Celery, Redis broker, shared database)."""

from __future__ import annotations

from typing import Annotated

import typer

from citewatch.cli._options import SelectorsOpt, use_selectors
from citewatch.cli._render import console
from citewatch.config import get_settings
from citewatch.storage.db import safe_url


def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="Worker processes, each with its own browser.")] = 1,
    broker: Annotated[
        str | None, typer.Option(help="Broker URL (default: CITEWATCH_BROKER_URL or local Redis).")
    ] = None,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "WARNING",
    selectors: SelectorsOpt = None,
) -> None:
    """Start a worker that captures jobs sent by `citewatch run --queue`, into the store each job names."""
    use_selectors(selectors)
    from citewatch import queue  # Celery is only loaded for the distributed path

    app = queue.make_app(broker)
    console.print(
        f"worker: broker {safe_url(broker or queue.broker_url())}, {concurrency} processes; each job names its "
        f"store (its password from here when it is {safe_url(get_settings().db_url)})"
    )
    queue.start_worker(app, concurrency=concurrency, loglevel=loglevel)
