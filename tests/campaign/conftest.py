"""Campaign runs are tested as users run them: the `citewatch` command in its own process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from citewatch.replicas import ReplicaServer, serve

CAMPAIGN = """
name = "{name}"
repeats = {repeats}
concurrency = {concurrency}
timeout_s = 30

[[prompts]]
text = "best CRM for SaaS startups"

[[prompts]]
text = "how do heat pumps work"

[engines.perplexity]
base_url = "{url}"

[[locales]]
name = "us"
locale = "en-US"
country = "us"

[[locales]]
name = "uk"
locale = "en-GB"
country = "gb"
timezone = "Europe/London"
"""


@pytest.fixture
def perplexity_replica() -> Iterator[Callable[..., ReplicaServer]]:
    servers: list[ReplicaServer] = []

    def start(scenario: str = "normal", answer_seconds: float = 0.5) -> ReplicaServer:
        server = serve("perplexity", scenario=scenario, answer_seconds=answer_seconds)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def write_campaign(tmp_path: Path) -> Callable[..., Path]:
    def write(url: str, *, name: str = "test", repeats: int = 2, concurrency: int = 1) -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(CAMPAIGN.format(name=name, url=url, repeats=repeats, concurrency=concurrency))
        return path

    return write
