"""Query pieces that several readers share (exports, reports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from citewatch.models import CaptureStatus
from citewatch.storage import tables as t


def latest_extractions() -> Any:
    """A subquery of each capture's newest extraction id: replays add versions, readers want the last."""
    return select(func.max(t.ExtractionRow.id).label("id")).group_by(t.ExtractionRow.capture_id).subquery("latest")


def answered_runs(
    *columns: Any, engine: str | None = None, prompt: str | None = None, since: datetime | None = None
) -> Select[Any]:
    """(engine, prompt text, capture id, *columns) of answered captures with their newest extraction,
    ordered by engine, prompt and time, so readers can group runs in one streamed pass."""
    latest = latest_extractions()
    query = (
        select(t.Capture.engine, t.Prompt.text, t.Capture.id, *columns)
        .join(t.Prompt, t.Prompt.id == t.Capture.prompt_id)
        .join(t.ExtractionRow, t.ExtractionRow.capture_id == t.Capture.id)
        .join(latest, latest.c.id == t.ExtractionRow.id)
        .where(t.Capture.status == CaptureStatus.answered.value)
        .order_by(t.Capture.engine, t.Prompt.text, t.Capture.started_at, t.Capture.id)
    )
    if engine is not None:
        query = query.where(t.Capture.engine == engine)
    if prompt is not None:
        query = query.where(t.Prompt.text == prompt)
    if since is not None:
        query = query.where(t.Capture.started_at >= since)
    return query
