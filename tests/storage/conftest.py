"""One storage suite, two back ends: SQLite (a temp file) and the real PostgreSQL server.

PostgreSQL gets a fresh schema per test (dropped afterwards), so runs never collide. Outside CI an
unreachable server skips those tests with the reason; in CI (CI=true) it fails them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from citewatch.storage import Store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened
