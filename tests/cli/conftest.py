"""CLI tests run the real `citewatch` command (the `cli` fixture) against a replica and a temporary database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from citewatch.replicas import ReplicaServer, serve


@pytest.fixture(scope="module")
def perplexity() -> Iterator[ReplicaServer]:
    with serve("perplexity", answer_seconds=0.5) as server:
        yield server
