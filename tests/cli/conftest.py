"""CLI tests run the real `citewatch` command (the `cli` fixture) against a replica and a temporary database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from citewatch.models import CaptureResult, CaptureStatus, Extraction
from citewatch.replicas import ReplicaServer, serve
from citewatch.storage import Store


@pytest.fixture(scope="module")
def perplexity() -> Iterator[ReplicaServer]:
    with serve("perplexity", answer_seconds=0.5) as server:
        yield server


@pytest.fixture
def store_capture() -> Callable[..., int]:
    """Store one answered capture of a page (and an extraction of it, when given) the way a run would; its id."""

    def store(
        db_url: str,
        *,
        html: str = "<p>x",
        extraction: Extraction | None = None,
        prompt: str = "p",
        url: str | None = None,
        error: str | None = None,
        page_archive: bytes | None = None,
    ) -> int:
        now = datetime.now(UTC)
        with Store.open(db_url) as opened:
            run_id = opened.start_run(kind="capture")
            capture_id = opened.start_capture(run_id=run_id, prompt=prompt, engine="perplexity")
            result = CaptureResult(
                engine="perplexity",
                status=CaptureStatus.answered,
                started_at=now,
                finished_at=now,
                html=html,
                url=url,
                error=error,
                page_archive=page_archive,
            )
            opened.finish_capture(capture_id, result)
            if extraction is not None:
                opened.save_extraction(capture_id, extraction)
        return capture_id

    return store
