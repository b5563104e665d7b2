"""`Store`: the storage API the runner, the CLI and the reports use.

Every method that writes commits before it returns, in one transaction: a capture row is written as
`running` before the browser starts, its snapshot is committed before any extraction runs, and an
extraction is its own transaction. A process killed between two calls leaves every finished capture whole.

PostgreSQL refuses the NUL character in text and JSONB, which SQLite accepts; text can carry one when an
extractor reads it out of a JSON payload ("\\u0000"). Stored strings get U+FFFD in its place, as an HTML
parser does, so both back ends keep the same record instead of PostgreSQL refusing the whole extraction.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, cast

import zstandard
from pydantic import BaseModel
from sqlalchemy import CursorResult, Engine, delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from citewatch.analysis.run_sets import json_parts
from citewatch.config import get_settings
from citewatch.errors import StorageError
from citewatch.models import CaptureResult, CaptureStatus, Extraction, NetworkRecord, Snapshot
from citewatch.storage import owners, run_lists
from citewatch.storage import tables as t
from citewatch.storage.db import SCHEMA_REVISION, current_revision, first_line, make_engine, safe_url, upgrade

# A lone surrogate (JSON's "\ud800" decodes to one) cannot be encoded: SQLite's driver raises, PostgreSQL
# refuses the JSON. Stored strings get U+FFFD in its place, like NUL.
_SURROGATE = re.compile("[\ud800-\udfff]")
ZSTD_LEVEL = 10  # DOMs compress ~10x; a higher level costs time for little gain
ROLES = {
    "dom": "text/html; charset=utf-8",
    "screenshot": "image/png",
    "network": "application/json",
    "trace": "application/zip",  # a Playwright trace: `playwright show-trace` opens it
    "page_archive": "multipart/related",  # MHTML: what renders the DOM offline as it was seen (a browser opens it)
}


class CaptureRecord(BaseModel):
    """A stored capture, as the CLI and reports see it."""

    id: int
    run_id: int
    prompt: str
    engine: str
    attempt: int
    status: str
    job_key: str | None = None
    url: str | None = None
    locale: str | None = None
    account: str | None = None
    browser_version: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    answer_seconds: float | None = None
    error: str | None = None
    warnings: list[str] = []
    artifacts: dict[str, str] = {}  # role -> sha256


class Store:
    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self._decompressor = zstandard.ZstdDecompressor()

    @classmethod
    def open(cls, url: str | None = None, *, upgrade: bool = True) -> Store:
        """Connect (and migrate to the newest schema); `StorageError` says why when it cannot."""
        url = url or get_settings().db_url
        engine = make_engine(url)
        try:
            if upgrade:
                _upgrade(url, engine)
            else:
                _check_schema(url, engine)
        except StorageError:
            engine.dispose()
            raise
        return cls(url, engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except DBAPIError as exc:  # unreachable, constraint violated, value refused: one line, not a traceback
            raise StorageError(f"database error at {safe_url(self.url)}: {first_line(exc)}") from exc

    # --- runs and captures ---------------------------------------------------------------------------

    def start_run(
        self, *, kind: str, label: str | None = None, campaign: str | None = None, meta: dict[str, Any] | None = None
    ) -> int:
        with self._session() as session:
            run = t.Run(kind=kind, label=_portable(label), campaign=_portable(campaign), meta=_portable(meta or {}))
            session.add(run)
            session.flush()
            return run.id

    def run_meta(self, run_id: int) -> dict[str, Any] | None:
        """What `start_run` recorded about the run (`meta`); None when there is no such run."""
        with self._session() as session:
            run = session.get(t.Run, run_id)
            return None if run is None else dict(run.meta)

    def finish_run(self, run_id: int, *, status: str) -> None:
        with self._session() as session:
            session.execute(update(t.Run).where(t.Run.id == run_id).values(status=status, finished_at=_now()))

    def interrupt_dead_runs(self, campaign: str) -> int:
        """Mark `interrupted` the campaign's runs still `running` whose owner process is known dead (killed
        runs never finish their row); how many there were."""
        with self._session() as session:
            running = session.scalars(select(t.Run).where(t.Run.campaign == campaign, t.Run.status == "running")).all()
            dead = [run for run in running if owners.known_dead(str((run.meta or {}).get("owner", "")))]
            for run in dead:
                run.status = "interrupted"
                run.finished_at = _now()
            return len(dead)

    def start_capture(
        self,
        *,
        run_id: int,
        prompt: str,
        engine: str,
        attempt: int = 1,
        locale: str | None = None,
        job_key: str | None = None,
    ) -> int:
        """Write the capture as `running` before the browser starts, so a killed process leaves a trace."""
        with self._session() as session:
            capture = t.Capture(
                run_id=run_id,
                prompt_id=self._prompt_id(session, _portable(prompt)),
                engine=engine,
                attempt=attempt,
                status=CaptureStatus.running.value,
                locale=locale,
                job_key=job_key,
            )
            session.add(capture)
            session.flush()
            return capture.id

    def finish_capture(self, capture_id: int, result: CaptureResult) -> None:
        """Store the artifacts and the outcome of a capture in one transaction."""
        blobs: dict[str, bytes] = {}
        if result.html is not None:
            blobs["dom"] = result.html.encode("utf-8", "surrogateescape")
        if result.screenshot is not None:
            blobs["screenshot"] = result.screenshot
        if result.trace is not None:
            blobs["trace"] = result.trace
        if result.page_archive is not None:
            blobs["page_archive"] = result.page_archive
        if result.network:
            blobs["network"] = json.dumps([n.model_dump(mode="json") for n in result.network]).encode()
        with self._session() as session:
            capture = self._capture(session, capture_id)
            for role, data in blobs.items():
                sha = self._put_artifact(session, data, ROLES[role])
                session.merge(t.CaptureArtifact(capture_id=capture_id, role=role, artifact_sha256=sha))
            capture.status = result.status.value
            capture.url = _portable(result.url)
            capture.locale = result.locale or capture.locale
            capture.account = result.account
            capture.browser_version = result.browser_version
            capture.started_at = result.started_at
            capture.finished_at = result.finished_at
            capture.answer_seconds = result.answer_seconds
            capture.timings = result.timings
            capture.error = _portable(result.error)
            capture.warnings = _portable(result.warnings)

    def set_capture_status(self, capture_id: int, status: CaptureStatus) -> None:
        """The page said more than the scraper saw (an extraction found a wall or no AI answer)."""
        with self._session() as session:
            self._capture(session, capture_id).status = status.value

    def abandon_capture(self, capture_id: int, reason: str) -> None:
        """A capture whose process died mid-way: `incomplete`, with the reason, instead of `running`."""
        with self._session() as session:
            capture = self._capture(session, capture_id)
            if capture.status == CaptureStatus.running.value:
                capture.status = CaptureStatus.incomplete.value
                capture.error = reason

    def save_extraction(self, capture_id: int, extraction: Extraction) -> int:
        """A new versioned extraction of the capture, spread into the row tables."""
        data: dict[str, Any] = _separators_escaped(_portable(extraction.model_dump(mode="json")))
        with self._session() as session:
            self._capture(session, capture_id)
            row = t.ExtractionRow(
                capture_id=capture_id,
                extractor_version=data["extractor_version"],
                status=data["status"],
                warnings=data["warnings"],
                answer_text=data["answer"]["text"],
                data=data,
            )
            session.add(row)
            session.flush()
            session.add_all(_rows(row.id, data))
            session.add(t.RunListsRow(**run_lists.row(row.id, json_parts(data).sets())))
            return row.id

    # --- job claims ----------------------------------------------------------------------------------

    def claim_job(self, job_key: str, *, lease_s: float) -> bool:
        """Take the job for this process for `lease_s` seconds, atomically; False when a live holder has it.

        The first claim is an insert the primary key makes unique; a held claim is taken over only when its
        lease ran out or its owner is known dead, by an update conditional on the holder seen, so of two
        processes taking over the same claim exactly one wins.
        """
        me, now = owners.this_process(), time.time()
        with self._session() as session:
            try:
                with session.begin_nested():
                    session.add(t.JobClaim(job_key=job_key, owner=me, expires_at=now + lease_s))
                return True
            except IntegrityError:
                pass  # held, or held until a moment ago
            held = session.execute(
                select(t.JobClaim.owner, t.JobClaim.expires_at).where(t.JobClaim.job_key == job_key)
            ).one_or_none()
            if held is None:  # released in between: the next attempt inserts it
                return False
            owner, expires_at = held
            if owner != me and expires_at > now and not owners.known_dead(owner):
                return False
            taken = session.execute(
                update(t.JobClaim)
                .where(t.JobClaim.job_key == job_key, t.JobClaim.owner == owner, t.JobClaim.expires_at == expires_at)
                .values(owner=me, expires_at=now + lease_s)
            )
            return bool(cast(CursorResult[Any], taken).rowcount == 1)

    def renew_claim(self, job_key: str, *, lease_s: float) -> bool:
        """Extend this process's lease on the job; False when it lost it (it expired and was taken over)."""
        with self._session() as session:
            renewed = session.execute(
                update(t.JobClaim)
                .where(t.JobClaim.job_key == job_key, t.JobClaim.owner == owners.this_process())
                .values(expires_at=time.time() + lease_s)
            )
            return bool(cast(CursorResult[Any], renewed).rowcount == 1)

    def release_claim(self, job_key: str) -> None:
        with self._session() as session:
            session.execute(
                delete(t.JobClaim).where(t.JobClaim.job_key == job_key, t.JobClaim.owner == owners.this_process())
            )

    # --- reading -------------------------------------------------------------------------------------

    def get_capture(self, capture_id: int) -> CaptureRecord:
        with self._session() as session:
            return self._record(session, self._capture(session, capture_id))

    def list_captures(
        self,
        *,
        engine: str | None = None,
        run_id: int | None = None,
        status: str | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[CaptureRecord]:
        query = select(t.Capture).order_by(t.Capture.id.desc() if newest_first else t.Capture.id)
        if engine is not None:
            query = query.where(t.Capture.engine == engine)
        if run_id is not None:
            query = query.where(t.Capture.run_id == run_id)
        if status is not None:
            query = query.where(t.Capture.status == status)
        if limit is not None:
            query = query.limit(limit)
        with self._session() as session:
            return [self._record(session, capture) for capture in session.scalars(query)]

    def find_capture_by_job_key(self, job_key: str) -> CaptureRecord | None:
        with self._session() as session:
            capture = session.scalar(select(t.Capture).where(t.Capture.job_key == job_key))
            return self._record(session, capture) if capture else None

    def load_snapshot(self, capture_id: int) -> Snapshot:
        record = self.get_capture(capture_id)
        if "dom" not in record.artifacts:
            raise StorageError(f"capture {capture_id} has no stored page (status {record.status})")
        html = self.artifact_bytes(record.artifacts["dom"])
        network: list[NetworkRecord] = []
        if "network" in record.artifacts:
            raw = json.loads(self.artifact_bytes(record.artifacts["network"]))
            network = [NetworkRecord.model_validate(item) for item in raw]
        return Snapshot(engine=record.engine, html=html, url=record.url, network=network)

    def artifact_bytes(self, sha256: str) -> bytes:
        with self._session() as session:
            artifact = session.get(t.Artifact, sha256)
            if artifact is None:
                raise StorageError(f"no artifact {sha256}")
            try:
                return self._decompressor.decompress(artifact.data)
            except zstandard.ZstdError as exc:  # damaged on disk or by hand: this artifact only, one line
                raise StorageError(f"artifact {sha256[:12]} is damaged and cannot be read: {exc}") from exc

    def has_extraction(self, capture_id: int) -> bool:
        with self._session() as session:
            found = session.scalar(select(t.ExtractionRow.id).where(t.ExtractionRow.capture_id == capture_id).limit(1))
            return found is not None

    def latest_extraction(self, capture_id: int) -> Extraction | None:
        found = self.extractions(capture_id)
        return found[-1][1] if found else None

    def extractions(self, capture_id: int) -> list[tuple[int, Extraction]]:
        query = select(t.ExtractionRow).where(t.ExtractionRow.capture_id == capture_id).order_by(t.ExtractionRow.id)
        with self._session() as session:
            return [(row.id, Extraction.model_validate(row.data)) for row in session.scalars(query)]

    # --- helpers -------------------------------------------------------------------------------------

    def _capture(self, session: Session, capture_id: int) -> t.Capture:
        capture = session.get(t.Capture, capture_id)
        if capture is None:
            raise StorageError(f"no capture with id {capture_id}")
        return capture

    def _record(self, session: Session, capture: t.Capture) -> CaptureRecord:
        prompt = session.get(t.Prompt, capture.prompt_id)
        roles = session.execute(
            select(t.CaptureArtifact.role, t.CaptureArtifact.artifact_sha256).where(
                t.CaptureArtifact.capture_id == capture.id
            )
        )
        return CaptureRecord(
            id=capture.id,
            run_id=capture.run_id,
            prompt=prompt.text if prompt else "",
            engine=capture.engine,
            attempt=capture.attempt,
            status=capture.status,
            job_key=capture.job_key,
            url=capture.url,
            locale=capture.locale,
            account=capture.account,
            browser_version=capture.browser_version,
            started_at=capture.started_at,
            finished_at=capture.finished_at,
            answer_seconds=capture.answer_seconds,
            error=capture.error,
            warnings=capture.warnings,
            artifacts={row.role: row.artifact_sha256 for row in roles},
        )

    @staticmethod
    def _prompt_id(session: Session, text: str) -> int:
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        existing = session.scalar(select(t.Prompt.id).where(t.Prompt.text_sha256 == sha))
        if existing is not None:
            return existing
        prompt = t.Prompt(text=text, text_sha256=sha)
        try:
            with session.begin_nested():
                session.add(prompt)
        except IntegrityError:  # another worker stored the same prompt a moment ago
            return int(session.scalars(select(t.Prompt.id).where(t.Prompt.text_sha256 == sha)).one())
        return prompt.id

    def _put_artifact(self, session: Session, data: bytes, media_type: str) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if session.get(t.Artifact, sha) is None:
            artifact = t.Artifact(
                sha256=sha,
                media_type=media_type,
                size=len(data),
                compression="zstd",
                data=self._compressor.compress(data),
            )
            try:
                with session.begin_nested():
                    session.add(artifact)
            except IntegrityError:
                pass  # another worker stored the same bytes a moment ago
        return sha


def _now() -> datetime:
    return datetime.now(UTC)


def _upgrade(url: str, engine: Engine) -> None:
    try:
        upgrade(url, engine)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot prepare the database at {safe_url(url)}: {first_line(exc)}") from exc


def _check_schema(url: str, engine: Engine) -> None:
    """Without migrating, the schema must already be the one this version of citewatch writes."""
    try:
        found = current_revision(engine)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot reach the database at {safe_url(url)}: {first_line(exc)}") from exc
    if found != SCHEMA_REVISION:
        raise StorageError(
            f"the database at {safe_url(url)} has schema {found or 'none'}, citewatch needs {SCHEMA_REVISION}: "
            "run `citewatch db upgrade`"
        )


def _portable(value: Any) -> Any:
    """The value with U+FFFD for each NUL and each lone surrogate in its strings (see the module docstring)."""
    if isinstance(value, str):
        value = value.replace("\x00", "\ufffd")
        return value if value.isascii() or not _SURROGATE.search(value) else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_portable(item) for item in value]
    if isinstance(value, dict):
        return {_portable(key): _portable(item) for key, item in value.items()}
    return value


def _separators_escaped(data: dict[str, Any]) -> dict[str, Any]:
    """The record with the list separators percent-encoded in its URLs and domains (`run_lists.separator_free`):
    reports aggregate those columns into separated lists, which one raw separator would corrupt."""
    for key in ("citations", "sources", "organic_results"):
        for item in data[key]:
            for field in ("url", "canonical_url", "domain"):
                if isinstance(item.get(field), str):
                    item[field] = run_lists.separator_free(item[field])
    return data


def _rows(extraction_id: int, data: dict[str, Any]) -> list[t.Base]:
    """The row-table records of an extraction, from its JSON form (the same values as `data`)."""
    rows: list[t.Base] = []
    rows += [t.CitationRow(extraction_id=extraction_id, **item) for item in data["citations"]]
    rows += [t.SourceRow(extraction_id=extraction_id, **item) for item in data["sources"]]
    rows += [t.MentionRow(extraction_id=extraction_id, **item) for item in data["mentions"]]
    rows += [
        t.SearchQueryRow(extraction_id=extraction_id, position=i, text=text)
        for i, text in enumerate(data["search_queries"], start=1)
    ]
    rows += [t.OrganicResultRow(extraction_id=extraction_id, **item) for item in data["organic_results"]]
    return rows
