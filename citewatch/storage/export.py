"""Streaming exports for other tools (pandas, DuckDB, spreadsheets): rows are read in batches, never all at once.

Row tables (citations, sources, mentions) come from each capture's newest extraction, joined with the
capture's engine, prompt and time, so one file answers "who cited what, where, when".
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, select
from sqlalchemy.exc import DBAPIError

from citewatch.analysis.brands import BrandSet
from citewatch.errors import ConfigError, StorageError
from citewatch.storage import tables as t
from citewatch.storage.context import RunContext, run_contexts
from citewatch.storage.db import first_line, safe_url
from citewatch.storage.queries import latest_extractions
from citewatch.storage.repository import Store
from citewatch.storage.types import AwareDateTime

BATCH = 1000
JOB_KEY = "_job_key"  # selected for the country, not exported (the captures table has its own job_key)


def _capture_columns() -> tuple[Any, ...]:
    return (
        t.Capture.id.label("capture_id"),
        t.Capture.run_id,
        t.Capture.engine,
        t.Prompt.text.label("prompt"),
        t.Capture.locale,
        t.Capture.started_at,
    )


def _context_columns() -> tuple[Any, ...]:
    """The capture's campaign, and its job key, which `stream` reads the country from and drops."""
    return (t.Run.campaign, t.Capture.job_key.label(JOB_KEY))


def _rows_of(row_table: type[t.Base], columns: tuple[str, ...]) -> AnySelect:
    latest = latest_extractions()
    return (
        select(
            *_capture_columns(),
            t.ExtractionRow.extractor_version,
            *(getattr(row_table, c) for c in columns),
            *_context_columns(),
        )
        .join(t.ExtractionRow, t.ExtractionRow.id == row_table.extraction_id)  # type: ignore[attr-defined]
        .join(latest, latest.c.id == t.ExtractionRow.id)
        .join(t.Capture, t.Capture.id == t.ExtractionRow.capture_id)
        .join(t.Prompt, t.Prompt.id == t.Capture.prompt_id)
        .join(t.Run, t.Run.id == t.Capture.run_id)
        .order_by(t.Capture.id, row_table.position if hasattr(row_table, "position") else row_table.id)  # type: ignore[attr-defined]
    )


AnySelect = Select[*tuple[Any, ...]]

QUERIES: dict[str, AnySelect] = {
    "runs": select(
        t.Run.id, t.Run.kind, t.Run.label, t.Run.campaign, t.Run.status, t.Run.started_at, t.Run.finished_at
    ).order_by(t.Run.id),
    "captures": select(
        *_capture_columns(),
        t.Capture.attempt,
        t.Capture.status,
        t.Capture.account,
        t.Capture.answer_seconds,
        t.Capture.error,
        t.Capture.job_key,
        *_context_columns(),
    )
    .join(t.Prompt, t.Prompt.id == t.Capture.prompt_id)
    .join(t.Run, t.Run.id == t.Capture.run_id)
    .order_by(t.Capture.id),
    "citations": _rows_of(
        t.CitationRow,
        (
            "position",
            "kind",
            "label",
            "url",
            "canonical_url",
            "domain",
            "title",
            "block_index",
            "char_start",
            "group",
            "visible",
        ),
    ),
    "sources": _rows_of(
        t.SourceRow,
        (
            "position",
            "kind",
            "url",
            "canonical_url",
            "domain",
            "title",
            "site_name",
            "snippet",
            "published",
            "cited",
            "visible",
        ),
    ),
    "mentions": _rows_of(t.MentionRow, ("text", "block_index", "char_start", "list_rank")),
    "organic_results": _rows_of(t.OrganicResultRow, ("position", "url", "canonical_url", "domain", "title", "snippet")),
    "search_queries": _rows_of(t.SearchQueryRow, ("position", "text")),
}


def extra_columns(table: str) -> tuple[str, ...]:
    """Columns `stream` adds to a table's own: the country and prompt tags from the run's campaign (see
    `storage.context`), and on mentions the brand the highlighted text names (with a brand set)."""
    if table == "runs":
        return ()
    return ("country", "tags", "brand") if table == "mentions" else ("country", "tags")


def stream(store: Store, table: str, brands: BrandSet | None = None) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """The column names and a lazy iterator of rows of one exported table."""
    query = QUERIES[table]
    selected = [c.name for c in query.selected_columns]
    extra = extra_columns(table)
    columns = [c for c in selected if c != JOB_KEY] + list(extra)
    contexts = run_contexts(store) if extra else {}

    def rows() -> Iterator[dict[str, Any]]:
        try:
            with store.engine.connect() as connection:
                result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(query)
                for values in result:
                    row = dict(zip(selected, values, strict=True))
                    if extra:
                        context = contexts.get(row["run_id"], RunContext())
                        row["country"] = context.country_of(row.pop(JOB_KEY))
                        row["tags"] = ";".join(context.tags_of(row["prompt"]))
                    if "brand" in extra:
                        named = brands.first_named(row["text"]) if brands is not None else None
                        row["brand"] = named.name if named else None
                    yield row
        except DBAPIError as exc:
            raise StorageError(f"database error at {safe_url(store.url)}: {first_line(exc)}") from exc

    return columns, rows()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def write_jsonl(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - the count after the loop is the result
        out.write(json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
    return count


# A spreadsheet runs a cell that begins with one of these as a formula (OWASP "CSV injection"); a page's
# title or URL can begin with one. A plain number (-0.5, +3) is no formula and stays a number.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value: Any) -> Any:
    """The cell as a spreadsheet shows it and never runs it: text that would start a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(columns: list[str], rows: Iterator[dict[str, Any]], out: IO[str], *, raw: bool = False) -> int:
    """CSV with formula-like cells neutralised (`spreadsheet_safe`), or exactly as stored with `raw`."""
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - the count after the loop is the result
        plain = {k: _plain(v) for k, v in row.items()}
        writer.writerow(plain if raw else {k: spreadsheet_safe(v) for k, v in plain.items()})
    return count


@contextmanager
def replaced_on_success(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` that replaces it only when the block succeeds: a failed export leaves
    an existing file as it was instead of a bare header."""
    if path.is_dir():
        raise ConfigError(f"cannot write {path}: it is a directory")
    if not path.parent.is_dir():
        raise ConfigError(f"cannot write {path}: no directory {path.parent}")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        if path.exists():  # keep the mode of the file being replaced
            temporary.chmod(path.stat().st_mode & 0o7777)
        else:
            temporary.chmod(0o666 & ~_umask())
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _arrow_type(column_type: Any) -> Any:
    import pyarrow as pa

    if isinstance(column_type, AwareDateTime):
        return pa.timestamp("us", tz="UTC")
    try:
        python_type = column_type.python_type
    except NotImplementedError:  # JSON and other types without one are written as text
        return pa.string()
    return {int: pa.int64(), float: pa.float64(), bool: pa.bool_()}.get(python_type, pa.string())


def write_parquet(table: str, rows: Iterator[dict[str, Any]], path: Path) -> int:
    """Parquet for pandas/DuckDB/Arrow, written a batch at a time with types taken from the schema."""
    import pyarrow as pa  # only this format needs Arrow
    import pyarrow.parquet as pq

    own = [(c.name, _arrow_type(c.type)) for c in QUERIES[table].selected_columns if c.name != JOB_KEY]
    schema = pa.schema(own + [(name, pa.string()) for name in extra_columns(table)])
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        while batch := list(islice(rows, BATCH)):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count
