"""Query pieces that several readers share (exports, reports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, case, cast, func, literal, select

from citewatch.models import CaptureStatus
from citewatch.storage import run_lists
from citewatch.storage import tables as t

AnySelect = Select[*tuple[Any, ...]]


def latest_extractions() -> Any:
    """A subquery of each capture's newest extraction id (and the capture's): replays add versions, readers want
    the last."""
    return (
        select(func.max(t.ExtractionRow.id).label("id"), t.ExtractionRow.capture_id)
        .group_by(t.ExtractionRow.capture_id)
        .subquery("latest")
    )


@dataclass(frozen=True, slots=True)
class RunFilter:
    """Which answered captures a report reads; None means any."""

    engine: str | None = None
    prompt: str | None = None  # exact prompt text
    since: datetime | None = None  # captures started at or after
    campaign: str | None = None  # the campaign name its run recorded (`runs.campaign`)
    tag: str | None = None  # a tag of its prompt in the campaign its run stored
    country: str | None = None  # its locale's country (see `storage.context`)
    locale: str | None = None  # its browser locale, or its campaign locale's name
    scope: Any = None  # the SQL condition `storage.context.scope` made of tag, country and locale

    @property
    def labels(self) -> dict[str, str | None]:
        """The filters as a report states them."""
        return {
            "campaign": self.campaign,
            "engine": self.engine,
            "prompt": self.prompt,
            "since": self.since.isoformat() if self.since else None,
            "tag": self.tag,
            "country": self.country,
            "locale": self.locale,
        }


# Every report query sorts its rows in this order, so readers can merge them run by run in one pass.
# The prompt id, not its text, keeps the sort cheap; ties end on the capture id, so the order is total.
def _run_order() -> tuple[Any, ...]:
    return (t.Capture.engine, t.Capture.prompt_id, t.Capture.started_at, t.Capture.id)


def _answered(query: AnySelect, latest: Any, where: RunFilter) -> AnySelect:
    """`query` (which selects from `latest`, a `latest_extractions()`) narrowed to answered captures."""
    query = query.join(t.Capture, t.Capture.id == latest.c.capture_id).where(
        t.Capture.status == CaptureStatus.answered.value
    )
    if where.engine is not None:
        query = query.where(t.Capture.engine == where.engine)
    if where.prompt is not None or where.scope is not None:
        query = query.join(t.Prompt, t.Prompt.id == t.Capture.prompt_id)
    if where.prompt is not None:
        query = query.where(t.Prompt.text == where.prompt)
    if where.since is not None:
        query = query.where(t.Capture.started_at >= where.since)
    if where.campaign is not None or where.scope is not None:
        query = query.join(t.Run, t.Run.id == t.Capture.run_id)
    if where.campaign is not None:
        query = query.where(t.Run.campaign == where.campaign)
    if where.scope is not None:
        query = query.where(where.scope)
    return query


# Separators of the per-run lists aggregated in SQL: ASCII unit and record separators, which never occur in a
# URL or a domain (both are parsed, percent-encoded strings).
UNIT, RECORD = run_lists.UNIT, run_lists.RECORD  # stored values never hold them: `Store.save_extraction`


def _joined(row_table: Any, extraction_id: Any, *parts: Any) -> Any:
    """One string per extraction: every row's `parts` joined by UNIT, rows joined by RECORD (in no particular
    order; the first part is the row's position, for the reader to sort by)."""
    unit = literal(UNIT)
    item: Any = cast(parts[0], String)
    for part in parts[1:]:
        item = item + unit + func.coalesce(part, "")
    return (
        select(func.aggregate_strings(item, RECORD)).where(row_table.extraction_id == extraction_id).scalar_subquery()
    )


def _url(row_table: Any) -> Any:
    return func.coalesce(func.nullif(row_table.canonical_url, ""), row_table.url)


def cited_lists(where: RunFilter, *, placements: bool = False, record: Sequence[Any] = ()) -> AnySelect:
    """(engine, prompt id, capture id, started at, ...) of every answered capture's newest extraction, in report
    order (engine, prompt, time), with, aggregated in SQL so that a run is one row: its citations (position,
    canonical URL or URL, domain and, with `placements`, kind and character offset), its sources (the same
    first three, and cited as 1/0) and its organic results (position, canonical URL); then the `record`
    columns of the extraction row. Readers split the lists with UNIT and RECORD and sort them by position.

    Without `record` the extraction rows themselves are never read: their ids and captures come from an index,
    and each row carries its whole JSON record, so reading them would read most of the database.
    """
    latest = latest_extractions()
    placed = (t.CitationRow.kind, cast(t.CitationRow.char_start, String)) if placements else ()
    query = select(
        t.Capture.engine,
        t.Capture.prompt_id,
        t.Capture.id,
        t.Capture.started_at,
        _joined(t.CitationRow, latest.c.id, t.CitationRow.position, _url(t.CitationRow), t.CitationRow.domain, *placed),
        _joined(
            t.SourceRow,
            latest.c.id,
            t.SourceRow.position,
            _url(t.SourceRow),
            t.SourceRow.domain,
            case((t.SourceRow.cited, "1"), else_="0"),
        ),
        _joined(t.OrganicResultRow, latest.c.id, t.OrganicResultRow.position, t.OrganicResultRow.canonical_url),
        *record,
    ).select_from(latest)
    if record:
        query = query.join(t.ExtractionRow, t.ExtractionRow.id == latest.c.id)
    return _answered(query, latest, where).order_by(*_run_order())


def stored_lists(where: RunFilter) -> AnySelect:
    """(engine, prompt id, capture id, started at, cited URLs, cited domains, sources, organic URLs) of every
    answered capture's newest extraction, in report order: its `run_lists` row, one narrow row per run."""
    latest = latest_extractions()
    lists = t.RunListsRow
    query = (
        select(
            t.Capture.engine,
            t.Capture.prompt_id,
            t.Capture.id,
            t.Capture.started_at,
            lists.cited_urls,
            lists.cited_domains,
            lists.sources,
            lists.organic_urls,
        )
        .select_from(latest)
        .join(lists, lists.extraction_id == latest.c.id)
    )
    return _answered(query, latest, where).order_by(*_run_order())


def answered_engines(where: RunFilter) -> AnySelect:
    """(engine, runs) of the answered captures a report reads, the most runs first: how its work is shared out."""
    latest = latest_extractions()
    runs = func.count()
    query = _answered(select(t.Capture.engine, runs).select_from(latest), latest, where)
    return query.group_by(t.Capture.engine).order_by(runs.desc(), t.Capture.engine)


def prompt_texts(where: RunFilter) -> AnySelect:
    """(id, text) of the prompts those runs asked: read once, not with every row."""
    latest = latest_extractions()
    asked = _answered(select(t.Capture.prompt_id).select_from(latest), latest, where)
    return select(t.Prompt.id, t.Prompt.text).where(t.Prompt.id.in_(asked.scalar_subquery()))


def answer_parts() -> tuple[Any, ...]:
    """What brand matching reads of an answer besides its citations: the text, its blocks and the names the
    engine highlighted (the last two picked out of the stored record, which is not read whole)."""
    return (t.ExtractionRow.answer_text, t.ExtractionRow.data[("answer", "blocks")], t.ExtractionRow.data["mentions"])


def stored_names() -> dict[str, AnySelect]:
    """For each report filter, the values the store holds (what an unknown filter's message lists)."""
    return {
        "campaign": select(t.Run.campaign).where(t.Run.campaign.is_not(None)).distinct().order_by(t.Run.campaign),
        "engine": select(t.Capture.engine).distinct().order_by(t.Capture.engine),
        "prompt": select(t.Prompt.text).order_by(t.Prompt.text),
    }
