"""`citewatch captures`: list stored captures, newest first, to find the id to show, replay or export."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from citewatch.cli._options import DbOpt, EngineOpt, FormatOpt, OutputFormat, check_filters, open_store
from citewatch.cli._render import console
from citewatch.engines import unknown_choice
from citewatch.models import CaptureStatus


def _status(value: str | None) -> str | None:
    if value is not None and value not in set(CaptureStatus):
        raise typer.BadParameter(unknown_choice("status", value, sorted(CaptureStatus)))
    return value


def captures(
    engine: EngineOpt = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="Only captures with this status (answered, no_answer, blocked, error, ...).", callback=_status
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many, newest first.")] = 20,
    output_format: FormatOpt = OutputFormat.table,
    db: DbOpt = None,
) -> None:
    """List stored captures, newest first: id, time, engine, status, attempt, locale, prompt."""
    with open_store(db) as store:
        check_filters(store, engine=engine)
        found = store.list_captures(engine=engine, status=status, limit=limit, newest_first=True)
    if output_format is OutputFormat.json:
        for record in found:
            typer.echo(json.dumps(record.model_dump(mode="json", exclude={"artifacts"}), ensure_ascii=False))
        return
    table = Table(title=f"{len(found)} captures, newest first", title_justify="left")
    for column in ("id", "started (UTC)", "engine", "status", "attempt", "locale", "prompt", "error"):
        table.add_column(column, overflow="fold")
    for record in found:
        table.add_row(
            str(record.id),
            f"{record.started_at:%Y-%m-%d %H:%M}",
            record.engine,
            record.status,
            str(record.attempt),
            record.locale or "",
            record.prompt,
            (record.error or "")[:80],
        )
    console.print(table)
