"""Shared test set-up: where the real saved captures are, and how browser tests launch Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CAPTURES = Path(os.environ.get("CITEWATCH_CAPTURES", ROOT.parent / "shared" / "captures"))
PG_URL = os.environ.get("CITEWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def service_unavailable(reason: str) -> None:
    """Outside CI a missing service skips the test with the reason; in CI (CI=true) it fails it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite fixtures/*/*/expected.json from the current extractors (the tests still fail: review the diff).",
    )


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens")) or os.environ.get("CITEWATCH_UPDATE_GOLDENS") == "1"


@pytest.fixture(scope="session")
def captures_dir() -> Path:
    """The real pages saved from each engine (../shared/captures); tests skip, saying why, without it."""
    if not CAPTURES.is_dir():
        pytest.skip(f"real captures not found at {CAPTURES} (set CITEWATCH_CAPTURES to their folder)")
    return CAPTURES


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches the same system Chromium, with the same flags, as citewatch does."""
    from citewatch.scrapers.browser import find_chromium, launch_args

    return {**browser_type_launch_args, "executable_path": str(find_chromium()), "args": launch_args()}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """Browser tests open the URL of the replica they start. Defined here because pytest-playwright's own
    fallback is a session fixture written as a method, which pytest 9 deprecates (an error under -W error)."""
    return None


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's database or saved sessions."""
    from citewatch.config import get_settings

    monkeypatch.setenv("CITEWATCH_DB_URL", f"sqlite:///{tmp_path / 'citewatch.db'}")
    monkeypatch.setenv("CITEWATCH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CITEWATCH_SELECTORS_DIR", raising=False)
    get_settings.cache_clear()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The real PostgreSQL server, in a fresh schema dropped after the test so runs never collide."""
    admin = create_engine(PG_URL)
    try:
        with admin.connect():
            pass
    except OperationalError as exc:
        admin.dispose()
        service_unavailable(f"PostgreSQL unreachable at {PG_URL}: {str(exc.orig).strip().splitlines()[0]}")
    schema = f"cw_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def redis_url() -> str:
    """The real Redis server, on a database index of its own, emptied first."""
    url = os.environ.get("CITEWATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError as exc:
        service_unavailable(f"Redis unreachable at {url}: {exc}")
    return url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'citewatch.db'}"


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "COLUMNS": "200",
        "CITEWATCH_DB_URL": db_url,
        "CITEWATCH_CONFIG_DIR": str(tmp_path / "config"),
        "CITEWATCH_MAX_ATTEMPTS": "1",
    }


@pytest.fixture
def cli(cli_env: dict[str, str], tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `citewatch ARGS` as users do, in a child process (browsers cannot nest in pytest-playwright's loop)."""

    def run(*args: str, timeout: float = 300, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "citewatch", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=cli_env,
            cwd=tmp_path,
            check=False,
        )

    return run
