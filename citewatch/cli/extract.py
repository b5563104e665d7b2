"""`citewatch extract ENGINE FILE`: read a saved page with the current extractor (no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citewatch.cli._options import EngineArg, FormatOpt, OutputFormat, SelectorsOpt, use_selectors
from citewatch.cli._render import (
    answer_with_markers,
    citations_table,
    console,
    markup_safe,
    sources_table,
    terminal_json,
)
from citewatch.errors import ConfigError


def extract(
    engine: EngineArg,
    file: Annotated[Path, typer.Argument(help="A saved HTML page of that engine.", show_default=False)],
    url: Annotated[str | None, typer.Option(help="The page's URL, when known.")] = None,
    output_format: FormatOpt = OutputFormat.table,
    selectors: SelectorsOpt = None,
) -> None:
    """Extract answer, citations and sources from FILE; JSON is the documented Extraction record."""
    use_selectors(selectors)
    # imported when the command runs: other commands should not load lxml and the extractors
    from citewatch.extract import extract_html

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}") from exc
    extraction = extract_html(engine, data, url=url)
    if output_format is OutputFormat.json:
        typer.echo(terminal_json(extraction.model_dump(mode="json")))
        return
    console.print(f"[bold]{engine}[/] · {extraction.status.value} · {extraction.extractor_version}")
    for warning in extraction.warnings:
        console.print(f"warning: {markup_safe(warning)}", style="yellow")
    if extraction.answer.text:
        console.print(answer_with_markers(extraction), markup=False)
    console.print(citations_table(extraction, title=f"{len(extraction.citations)} citations"))
    if extraction.sources:
        console.print(sources_table(extraction))
