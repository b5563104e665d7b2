"""Query pieces that several readers share (exports, reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, case, cast, func, literal, select

from citewatch.models import CaptureStatus
from citewatch.storage import tables as t

AnySelect = Select[*tuple[Any, ...]]


def latest_extractions() -> Any:
    """A subquery of each capture's newest extraction id: replays add versions, readers want the last."""
    return select(func.max(t.ExtractionRow.id).label("id")).group_by(t.ExtractionRow.capture_id).subquery("latest")


@dataclass(frozen=True, slots=True)
class RunFilter:
    """Which answered captures a report reads; None means any."""

    engine: str | None = None
    prompt: str | None = None  # exact prompt text
    since: datetime | None = None  # captures started at or after
    campaign: str | None = None  # the campaign name its run recorded (`runs.campaign`)


# Every report query sorts its rows in this order, so readers can merge them run by run in one pass.
# The prompt id, not its text, keeps the sort cheap; ties end on the capture id, so the order is total.
def _run_order() -> tuple[Any, ...]:
    return (t.Capture.engine, t.Capture.prompt_id, t.Capture.started_at, t.Capture.id)


def _answered(query: AnySelect, where: RunFilter) -> AnySelect:
    """`query` (which already joins `extractions`) narrowed to answered captures' newest extractions."""
    latest = latest_extractions()
    query = (
        query.join(latest, latest.c.id == t.ExtractionRow.id)
        .join(t.Capture, t.Capture.id == t.ExtractionRow.capture_id)
        .where(t.Capture.status == CaptureStatus.answered.value)
    )
    if where.engine is not None:
        query = query.where(t.Capture.engine == where.engine)
    if where.prompt is not None:
        query = query.join(t.Prompt, t.Prompt.id == t.Capture.prompt_id).where(t.Prompt.text == where.prompt)
    if where.since is not None:
        query = query.where(t.Capture.started_at >= where.since)
    if where.campaign is not None:
        query = query.join(t.Run, t.Run.id == t.Capture.run_id).where(t.Run.campaign == where.campaign)
    return query


def answered_runs(where: RunFilter, *columns: Any) -> AnySelect:
    """(engine, prompt id, capture id, started at, *columns) of every answered capture with its newest
    extraction, in report order (engine, prompt, time)."""
    query = select(t.Capture.engine, t.Capture.prompt_id, t.Capture.id, t.Capture.started_at, *columns)
    return _answered(query.select_from(t.ExtractionRow), where).order_by(*_run_order())


# Separators of the per-run lists aggregated in SQL: ASCII unit and record separators, which never occur in a
# URL or a domain (both are parsed, percent-encoded strings).
UNIT, RECORD = "\x1f", "\x1e"


def _joined(row_table: Any, *parts: Any) -> Any:
    """One string per extraction: every row's `parts` joined by UNIT, rows joined by RECORD (in no particular
    order; the first part is the row's position, for the reader to sort by)."""
    unit = literal(UNIT)
    item: Any = cast(parts[0], String)
    for part in parts[1:]:
        item = item + unit + func.coalesce(part, "")
    return (
        select(func.aggregate_strings(item, RECORD))
        .where(row_table.extraction_id == t.ExtractionRow.id)
        .correlate(t.ExtractionRow)
        .scalar_subquery()
    )


def _url(row_table: Any) -> Any:
    return func.coalesce(func.nullif(row_table.canonical_url, ""), row_table.url)


def cited_lists(where: RunFilter) -> AnySelect:
    """Every answered run (report order) with, aggregated in SQL so that a run is one row: its citations
    (position, canonical URL or URL, domain), its sources (the same, and cited as 1/0) and its organic results
    (position, canonical URL). Readers split them with UNIT and RECORD and sort them by position."""
    return answered_runs(
        where,
        _joined(t.CitationRow, t.CitationRow.position, _url(t.CitationRow), t.CitationRow.domain),
        _joined(
            t.SourceRow,
            t.SourceRow.position,
            _url(t.SourceRow),
            t.SourceRow.domain,
            case((t.SourceRow.cited, "1"), else_="0"),
        ),
        _joined(t.OrganicResultRow, t.OrganicResultRow.position, t.OrganicResultRow.canonical_url),
    )


def prompt_texts(where: RunFilter) -> AnySelect:
    """(id, text) of the prompts those runs asked: read once, not with every row."""
    asked = _answered(select(t.Capture.prompt_id).select_from(t.ExtractionRow), where)
    return select(t.Prompt.id, t.Prompt.text).where(t.Prompt.id.in_(asked.scalar_subquery()))
