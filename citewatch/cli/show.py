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
        Path, typer.Option("--screenshot-dir", help="Where the capture's screenshot (and trace, if kept) is written.")
    ] = Path("citewatch-artifacts"),
    dom: Annotated[
        bool, typer.Option("--dom", help="Print only the stored DOM (HTML), e.g. `show 5 --dom > page.html`.")
    ] = False,
    db: DbOpt = None,
) -> None:
    """Print a stored capture: status, answer with [n] markers, citations, sources, screenshot and trace paths."""
    with open_store(db) as store:
        if dom:  # the bytes as stored (load_snapshot says so when the page never loaded)
            typer.get_binary_stream("stdout").write(store.load_snapshot(capture_id).html_bytes())
            return
        record = store.get_capture(capture_id)
        extraction = store.latest_extraction(capture_id)
        names = {"screenshot": f"capture-{capture_id}.png", "trace": f"capture-{capture_id}-trace.zip"}
        written = {
            role: _write(screenshot_dir / name, store.artifact_bytes(record.artifacts[role]))
            for role, name in names.items()
            if role in record.artifacts
        }
    screenshot_path, trace_path = written.get("screenshot"), written.get("trace")
    if output_format is OutputFormat.json:
        payload = {
            "capture": record.model_dump(mode="json"),
            "extraction": extraction.model_dump(mode="json") if extraction else None,
            "screenshot": str(screenshot_path) if screenshot_path else None,
            "trace": str(trace_path) if trace_path else None,
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
    if trace_path:
        console.print(f"trace: {trace_path} (open it with `playwright show-trace {trace_path}`)")


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
