"""A failed capture keeps its Playwright trace with its artifacts; `--trace` decides which captures keep one."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from playwright.sync_api import Browser

from citewatch.models import TraceMode
from citewatch.replicas import ReplicaServer
from citewatch.runner import RetryPolicy, capture_with_retries
from citewatch.scrapers import tracing
from citewatch.scrapers.base import Target
from citewatch.scrapers.browser import BrowserOptions, BrowserSession
from citewatch.storage import Store

pytestmark = pytest.mark.browser
ONCE = RetryPolicy(max_attempts=1)


def _capture(browser: Browser, store: Store, server: ReplicaServer, mode: TraceMode) -> tuple[set[str], list[str]]:
    session = BrowserSession(BrowserOptions(timeout_s=15, trace=mode), browser=browser)
    target = Target(prompt="best CRM for SaaS startups", base_url=f"{server.url}/", timeout_s=20)
    summary = capture_with_retries(
        store, session, "perplexity", target, run_id=store.start_run(kind="test"), policy=ONCE
    )
    record = store.get_capture(summary.capture_id)
    if "trace" in record.artifacts:
        with zipfile.ZipFile(io.BytesIO(store.artifact_bytes(record.artifacts["trace"]))) as trace:
            assert any(name.endswith(".trace") for name in trace.namelist())
    return set(record.artifacts), record.warnings


@pytest.mark.parametrize(
    ("scenario", "mode", "kept"),
    [
        ("cloudflare", TraceMode.on_failure, True),
        ("broken", TraceMode.on_failure, True),
        ("normal", TraceMode.on_failure, False),
        ("normal", TraceMode.on, True),
        ("cloudflare", TraceMode.off, False),
    ],
)
def test_the_trace_mode_decides_which_captures_keep_a_trace(
    browser: Browser, store: Store, replica: Callable[..., ReplicaServer], scenario: str, mode: TraceMode, kept: bool
) -> None:
    artifacts, warnings = _capture(browser, store, replica("perplexity", scenario, answer_seconds=0.5), mode)
    assert ("trace" in artifacts) is kept
    assert {"dom", "screenshot"} <= artifacts and not [w for w in warnings if "trace" in w]


def test_a_trace_over_the_cap_is_left_out_and_the_capture_says_so(
    browser: Browser, store: Store, replica: Callable[..., ReplicaServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracing, "MAX_TRACE_BYTES", 1000)
    artifacts, warnings = _capture(browser, store, replica("perplexity", "cloudflare"), TraceMode.on_failure)
    assert "trace" not in artifacts and {"dom", "screenshot"} <= artifacts
    assert any(w.startswith("trace of ") and "not kept: over the 0.0 MB cap" in w for w in warnings), warnings


def test_capture_trace_on_keeps_it_and_show_writes_it_out(
    cli: Callable[..., CompletedProcess[str]], replica: Callable[..., ReplicaServer], tmp_path: Path
) -> None:
    server = replica("perplexity", answer_seconds=0.5)
    captured = cli("capture", "perplexity", "best CRM", "--base-url", f"{server.url}/", "--trace", "on")
    assert captured.returncode == 0, captured.stdout + captured.stderr
    shown = cli("show", "1", "--screenshot-dir", str(tmp_path / "out"))
    assert shown.returncode == 0, shown.stdout + shown.stderr
    trace = tmp_path / "out" / "capture-1-trace.zip"
    assert f"trace: {trace}" in shown.stdout and zipfile.is_zipfile(trace)
