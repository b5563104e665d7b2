"""The schema: every capture with its content-addressed artifacts, and versioned extractions as rows.

Extractions keep the whole record as JSON (`data`) for replay and display, and spread it into row
tables (citations, sources, mentions, search queries, organic results) for SQL analysis.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from citewatch.storage.types import AwareDateTime, JsonField

# Stable constraint names, so Alembic migrations name them the same on every back end.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: AwareDateTime,
        dict[str, Any]: JsonField,
        list[str]: JsonField,
    }


class Prompt(Base):
    """A question as typed, stored once."""

    __tablename__ = "prompts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64), unique=True)


class Run(Base):
    """One execution: a `capture` command, a demo, a campaign slot, a replay."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    label: Mapped[str | None] = mapped_column(String(300))
    campaign: Mapped[str | None] = mapped_column(String(200), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(32), default="running")
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Capture(Base):
    """One attempt at one prompt on one engine: what happened and when."""

    __tablename__ = "captures"
    __table_args__ = (Index("ix_captures_engine_status", "engine", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id"), index=True)
    engine: Mapped[str] = mapped_column(String(40))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(32))
    job_key: Mapped[str | None] = mapped_column(String(500), unique=True)  # campaign job + attempt: idempotency
    url: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(40))
    account: Mapped[str | None] = mapped_column(String(40))
    browser_version: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    answer_seconds: Mapped[float | None] = mapped_column(Float)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(default=list)


class Artifact(Base):
    """Raw bytes (DOM, screenshot, network log), compressed, stored once per distinct content."""

    __tablename__ = "artifacts"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # of the uncompressed bytes
    media_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    compression: Mapped[str] = mapped_column(String(16))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CaptureArtifact(Base):
    """Which artifact plays which role (dom, screenshot, network) for a capture."""

    __tablename__ = "capture_artifacts"
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    artifact_sha256: Mapped[str] = mapped_column(ForeignKey("artifacts.sha256"), index=True)


class ExtractionRow(Base):
    """One reading of a capture by one extractor version; a capture may have several."""

    __tablename__ = "extractions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id"), index=True)
    extractor_version: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    warnings: Mapped[list[str]] = mapped_column(default=list)
    answer_text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column()


class CitationRow(Base):
    """An inline citation occurrence, in reading order."""

    __tablename__ = "citations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    block_index: Mapped[int | None] = mapped_column(Integer)
    char_start: Mapped[int | None] = mapped_column(Integer)
    group: Mapped[str | None] = mapped_column(String(100))
    visible: Mapped[bool | None] = mapped_column(Boolean)


class SourceRow(Base):
    """A source as the engine listed it, in display order."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    site_name: Mapped[str | None] = mapped_column(Text)
    snippet: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(100))
    cited: Mapped[bool] = mapped_column(Boolean, default=False)
    visible: Mapped[bool | None] = mapped_column(Boolean)


class RunListsRow(Base):
    """What a report reads of an extraction: its cited URLs and domains, sources and organic results, each a
    list packed into one text (`citewatch.storage.run_lists`), written with the extraction."""

    __tablename__ = "run_lists"
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id"), primary_key=True)
    cited_urls: Mapped[str] = mapped_column(Text)
    cited_domains: Mapped[str] = mapped_column(Text)
    sources: Mapped[str] = mapped_column(Text)
    organic_urls: Mapped[str] = mapped_column(Text)


class MentionRow(Base):
    """A name the engine highlighted in the answer."""

    __tablename__ = "mentions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    block_index: Mapped[int] = mapped_column(Integer)
    char_start: Mapped[int] = mapped_column(Integer)
    list_rank: Mapped[int | None] = mapped_column(Integer)


class SearchQueryRow(Base):
    """A fan-out query the engine ran, where the page exposes it."""

    __tablename__ = "search_queries"
    __table_args__ = (UniqueConstraint("extraction_id", "position"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class OrganicResultRow(Base):
    """A classic result on the same results page as an AI Overview."""

    __tablename__ = "organic_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    snippet: Mapped[str | None] = mapped_column(Text)


class JobClaim(Base):
    """Which process is running a campaign job now, until when: two runs (or a run and a queue worker) of one
    campaign share its jobs instead of each capturing all of them. The owner renews its lease while it works;
    a lease that ran out, or whose owner process is gone, may be taken over (`citewatch.storage.claims`)."""

    __tablename__ = "job_claims"
    job_key: Mapped[str] = mapped_column(String(500), primary_key=True)  # the campaign job, without `#<attempt>`
    owner: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[float] = mapped_column(Float)  # seconds since the epoch: comparable on every back end
