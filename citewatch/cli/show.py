"""`citewatch show CAPTURE_ID`: one stored answer as the user saw it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citewatch.cli._options import DbOpt, FormatOpt, OutputFormat, open_store
from citewatch.cli._render import (
    answer_with_markers,
    citations_table,
    console,
    markup_safe,
    sources_table,
    terminal_json,
)


def show(
    capture_id: Annotated[int, typer.Argument(help="Capture id, as printed by capture or replay.")],
    output_format: FormatOpt = OutputFormat.table,
    screenshot_dir: Annotated[
        Path, typer.Option("--screenshot-dir", help="Where the capture's screenshot is written.")
    ] = Path("citewatch-artifacts"),
    db: DbOpt = None,
) -> None:
    """Print a stored capture: status, answer with [n] markers, citations, sources, screenshot path."""
    with open_store(db) as store:
        record = store.get_capture(capture_id)
        extraction = store.latest_extraction(capture_id)
        screenshot_sha = record.artifacts.get("screenshot")
        screenshot = store.artifact_bytes(screenshot_sha) if screenshot_sha else None
    screenshot_path = None
    if screenshot:
        screenshot_dir.mkdir(parents=True, exist_ok=True)
        screenshot_path = screenshot_dir / f"capture-{capture_id}.png"
        screenshot_path.write_bytes(screenshot)
    if output_format is OutputFormat.json:
        payload = {
            "capture": record.model_dump(mode="json"),
            "extraction": extraction.model_dump(mode="json") if extraction else None,
            "screenshot": str(screenshot_path) if screenshot_path else None,
        }
        typer.echo(terminal_json(payload))
        return
    console.print(
        f"[bold]capture {record.id}[/] · {record.engine} · {record.status} · attempt {record.attempt} · "
        f"{record.started_at:%Y-%m-%d %H:%M:%S} UTC"
    )
    console.print(f"prompt: {markup_safe(record.prompt)}")
    if record.error:
        console.print(f"error: {markup_safe(record.error)}", style="red")
    if extraction is None:
        console.print("no extraction stored (no DOM was captured)")
    else:
        for warning in extraction.warnings:
            console.print(f"warning: {markup_safe(warning)}", style="yellow")
        if extraction.answer.text:
            console.print()
            console.print(answer_with_markers(extraction), markup=False)
            console.print()
        if extraction.citations:
            console.print(citations_table(extraction, title="Citations"))
        if extraction.sources:
            console.print(sources_table(extraction))
    if screenshot_path:
        console.print(f"screenshot: {screenshot_path}")
