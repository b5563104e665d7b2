"""`citewatch export`: stream stored rows as JSON lines or CSV for pandas, DuckDB or a spreadsheet."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from citewatch.analysis.brands import load_brands
from citewatch.cli._options import DbOpt, format_for, open_store
from citewatch.cli._render import errors
from citewatch.errors import ConfigError
from citewatch.storage.export import QUERIES, replaced_on_success, stream, write_csv, write_jsonl, write_parquet

ExportTable = StrEnum("ExportTable", [(name, name) for name in QUERIES])  # type: ignore[misc]
DEFAULT_TABLE = ExportTable("citations")


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


SUFFIXES = {
    ".jsonl": ExportFormat.jsonl,
    ".ndjson": ExportFormat.jsonl,
    ".json": ExportFormat.jsonl,
    ".csv": ExportFormat.csv,
    ".parquet": ExportFormat.parquet,
}


def export(
    table: Annotated[ExportTable, typer.Option("--table", "-t", help="What to export.")] = DEFAULT_TABLE,
    output_format: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format", "-f", help="File format (default: from the -o suffix, else jsonl).", show_default=False
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")
    ] = None,
    brands_file: Annotated[
        Path | None, typer.Option("--brands", help="Brand file: mentions get the brand each highlighted text names.")
    ] = None,
    raw_csv: Annotated[
        bool,
        typer.Option(
            "--raw-csv", help="CSV cells exactly as stored: no ' before cells a spreadsheet would run as formulas."
        ),
    ] = False,
    db: DbOpt = None,
) -> None:
    """Stream a table (runs, captures, citations, sources, mentions, organic_results, search_queries) as JSON
    lines, CSV or Parquet; rows carry their campaign, country and prompt tags."""
    output_format = format_for(output, output_format, SUFFIXES, ExportFormat.jsonl)
    if output_format is ExportFormat.parquet and output is None:
        raise ConfigError("--format parquet writes a file: add --output PATH")
    with open_store(db) as store, ExitStack() as stack:
        columns, rows = stream(store, str(table), load_brands(brands_file) if brands_file else None)
        path = stack.enter_context(replaced_on_success(output)) if output else None
        if output_format is ExportFormat.parquet and path is not None:
            count = write_parquet(str(table), rows, path)
        else:
            out = stack.enter_context(path.open("w", newline="", encoding="utf-8")) if path else sys.stdout
            if output_format is ExportFormat.jsonl:
                count = write_jsonl(rows, out)
            else:
                count = write_csv(columns, rows, out, raw=raw_csv)
    errors.print(f"exported {count} {table} rows" + (f" to {output}" if output else ""))
