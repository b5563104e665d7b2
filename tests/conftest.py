"""Shared test set-up: where the real saved captures are, and how browser tests launch Chromium."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CAPTURES = Path(os.environ.get("CITEWATCH_CAPTURES", ROOT.parent / "shared" / "captures"))


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
    get_settings.cache_clear()
