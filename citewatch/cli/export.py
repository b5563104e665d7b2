"""`citewatch export`: stream stored rows as JSON lines or CSV for pandas, DuckDB or a spreadsheet."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from citewatch.cli._options import DbOpt, open_store
from citewatch.cli._render import errors
from citewatch.errors import ConfigError
from citewatch.storage.export import QUERIES, replaced_on_success, stream, write_csv, write_jsonl, write_parquet

ExportTable = StrEnum("ExportTable", [(name, name) for name in QUERIES])  # type: ignore[misc]
DEFAULT_TABLE = ExportTable("citations")


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


def export(
    table: Annotated[ExportTable, typer.Option("--table", "-t", help="What to export.")] = DEFAULT_TABLE,
    output_format: Annotated[ExportFormat, typer.Option("--format", "-f", help="File format.")] = ExportFormat.jsonl,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")
    ] = None,
    raw_csv: Annotated[
        bool,
        typer.Option(
            "--raw-csv", help="CSV cells exactly as stored: no ' before cells a spreadsheet would run as formulas."
        ),
    ] = False,
    db: DbOpt = None,
) -> None:
    """Stream a table (runs, captures, citations, sources, mentions) as JSON lines, CSV or Parquet."""
    if output_format is ExportFormat.parquet and output is None:
        raise ConfigError("--format parquet writes a file: add --output PATH")
    with open_store(db) as store, ExitStack() as stack:
        columns, rows = stream(store, str(table))
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
