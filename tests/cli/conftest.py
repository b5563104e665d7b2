"""CLI tests run the real `citewatch` command in a child process against a temporary database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from citewatch.replicas import ReplicaServer, serve


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    env = {
        **os.environ,
        "COLUMNS": "200",
        "CITEWATCH_DB_URL": db_url,
        "CITEWATCH_CONFIG_DIR": str(tmp_path / "config"),
        "CITEWATCH_MAX_ATTEMPTS": "1",
    }

    def run(
        *args: str, timeout: float = 180, cwd: Path | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "citewatch", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=cwd or tmp_path,
            check=False,
        )

    return run


@pytest.fixture(scope="module")
def perplexity() -> Iterator[ReplicaServer]:
    with serve("perplexity", answer_seconds=0.5) as server:
        yield server
