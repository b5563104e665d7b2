"""End-to-end set-up: real Chromium (pytest-playwright's browser) driving local replicas into a real store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from citewatch.replicas import ReplicaServer, serve
from citewatch.runner import RetryPolicy
from citewatch.scrapers.browser import BrowserOptions, BrowserSession
from citewatch.storage import Store


@pytest.fixture
def fast_retries() -> RetryPolicy:
    """The retry policy users get, with the waits shrunk."""
    return RetryPolicy(max_attempts=3, initial_wait_s=0.05, max_wait_s=0.2)


@pytest.fixture
def session(browser: Browser) -> BrowserSession:
    """citewatch's browser session around the Chromium pytest-playwright launched."""
    return BrowserSession(BrowserOptions(timeout_s=15), browser=browser)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'e2e.db'}") as opened:
        yield opened


@pytest.fixture
def replica() -> Iterator[Callable[..., ReplicaServer]]:
    """Start replicas on free ports; every one is stopped after the test."""
    started: list[ReplicaServer] = []

    def start(engine: str, scenario: str = "normal", **options: object) -> ReplicaServer:
        server = serve(engine, scenario=scenario, **options)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
