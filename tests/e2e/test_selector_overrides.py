"""A selectors override changes what a real capture does: `citewatch capture --selectors DIR` in real Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from citewatch.models import CaptureStatus, ExtractionStatus
from citewatch.replicas import ReplicaServer
from citewatch.storage import Store

pytestmark = pytest.mark.browser
PROMPT = "best CRM for SaaS startups"


def _override(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "selectors"
    folder.mkdir()
    (folder / "perplexity.toml").write_text(text, encoding="utf-8")
    return folder


def _last_capture(db_url: str) -> tuple[CaptureStatus, list[str]]:
    with Store.open(db_url) as store:
        record = store.list_captures(engine="perplexity")[-1]
        extraction = store.latest_extraction(record.id)
    assert extraction is not None
    return CaptureStatus(record.status), extraction.warnings


def test_an_override_of_the_sources_tab_leaves_the_panel_closed(
    cli: Callable[..., CompletedProcess[str]],
    replica: Callable[..., ReplicaServer],
    db_url: str,
    tmp_path: Path,
) -> None:
    server = replica("perplexity")
    shipped = cli("capture", "perplexity", PROMPT, "--base-url", f"{server.url}/")
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    status, warnings = _last_capture(db_url)
    assert status is CaptureStatus.answered and "sources panel not captured" not in " ".join(warnings)

    folder = _override(tmp_path, "[scraper]\nsources_tab = 'button#no-such-tab'\n")
    mended = cli("capture", "perplexity", PROMPT, "--base-url", f"{server.url}/", "--selectors", str(folder))
    assert mended.returncode == 0, mended.stdout + mended.stderr
    assert "overrides scraper.sources_tab" in mended.stderr
    status, warnings = _last_capture(db_url)
    # The tab was never clicked: the saved DOM has no sources panel, the extractor says so.
    assert status is CaptureStatus.answered
    assert "sources panel not captured; sources derived from the citations" in warnings


def test_an_override_of_the_answer_container_the_page_lacks_fails_the_capture(
    cli: Callable[..., CompletedProcess[str]],
    replica: Callable[..., ReplicaServer],
    db_url: str,
    tmp_path: Path,
) -> None:
    server = replica("perplexity")
    folder = _override(tmp_path, "[scraper]\nanswer = 'div.answer-body'\n")
    result = cli(
        "capture", "perplexity", PROMPT, "--base-url", f"{server.url}/", "--timeout", "4", "--selectors", str(folder)
    )
    assert result.returncode == 1, result.stdout + result.stderr
    with Store.open(db_url) as store:
        record = store.list_captures(engine="perplexity")[-1]
        extraction = store.latest_extraction(record.id)
    # The scraper waited for an answer in a container the page does not have; the page itself was answered.
    assert record.status != CaptureStatus.answered.value
    assert "no answer" in (record.error or "")
    assert extraction is not None and extraction.status is ExtractionStatus.answered
