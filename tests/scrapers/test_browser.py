"""Finding Chromium: the order users are promised, and one clear message when there is none."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserType

from citewatch.config import get_settings
from citewatch.errors import BrowserNotFound
from citewatch.scrapers import browser
from citewatch.scrapers.auth import write_private


@pytest.fixture
def no_env_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CITEWATCH_CHROMIUM", raising=False)
    get_settings.cache_clear()


def test_configured_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\n")
    monkeypatch.setenv("CITEWATCH_CHROMIUM", str(fake))
    get_settings.cache_clear()
    assert browser.find_chromium() == fake


def test_configured_path_that_does_not_exist_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEWATCH_CHROMIUM", str(tmp_path / "missing"))
    get_settings.cache_clear()
    with pytest.raises(BrowserNotFound, match="does not exist"):
        browser.find_chromium()


def test_system_chromium_on_path_comes_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env_chromium: None
) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert browser.find_chromium() == fake


def test_nothing_found_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env_chromium: None
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "none"))
    with pytest.raises(BrowserNotFound, match="apt-get install -y chromium"):
        browser.find_chromium()


def test_launch_flags_keep_chromium_quiet_on_a_closed_network() -> None:
    args = browser.launch_args()
    for flag in ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"):
        assert flag in args


def _renderer_disabled_features(browser_type: BrowserType, **launch: Any) -> set[str]:
    """The features a renderer of a newly launched browser runs without: Chromium hands them down on its command
    line, once every --disable-features given to the browser has been resolved."""
    before = set(_descendants())
    launched = browser_type.launch(**launch)
    try:
        launched.new_page().goto("about:blank")
        features: set[str] = set()
        for pid in set(_descendants()) - before:
            for arg in _cmdline(pid):
                if arg.startswith("--disable-features=") and "--type=renderer" in _cmdline(pid):
                    features |= set(arg.split("=", 1)[1].split(","))
        return features
    finally:
        launched.close()


def _descendants() -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
    found, todo = [], [os.getpid()]
    while todo:
        current = todo.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found += children
        todo += children
    return found


def _cmdline(pid: int) -> list[str]:
    try:  # Chromium rewrites its children's argv into one space-separated string
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().split()
    except OSError:
        return []


@pytest.mark.browser
def test_launch_flags_keep_every_feature_playwright_disables(
    browser_type: BrowserType, browser_type_launch_args: dict[str, Any]
) -> None:
    """Ours replace Playwright's --disable-features: they must repeat its list (read again on each upgrade)."""
    executable = browser_type_launch_args["executable_path"]
    playwright_own = _renderer_disabled_features(browser_type, executable_path=executable)
    ours = _renderer_disabled_features(browser_type, executable_path=executable, args=browser.launch_args())
    assert playwright_own, "no renderer seen: the test cannot tell which features Playwright disables"
    assert playwright_own <= ours
    if browser._disabled_features():
        assert set(browser.UNUSED_FEATURES) <= ours


def test_sessions_are_written_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "auth" / "chatgpt.json"
    write_private(path, '{"cookies": []}')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    write_private(path, '{"cookies": [1]}')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == '{"cookies": [1]}'


def test_playwright_download_is_the_last_resort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env_chromium: None
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    old = tmp_path / "pw" / "chromium-1100" / "chrome-linux" / "chrome"
    new = tmp_path / "pw" / "chromium-1200" / "chrome-linux64" / "chrome"
    for path in (old, new):
        path.parent.mkdir(parents=True)
        path.write_text("")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "pw"))
    assert browser.find_chromium() == new


def test_only_network_errors_that_mean_no_route_are_unreachable() -> None:
    from citewatch.scrapers.steps import unreachable_code

    assert (
        unreachable_code("Page.goto: net::ERR_NAME_NOT_RESOLVED at http://x.invalid/") == "net::ERR_NAME_NOT_RESOLVED"
    )
    assert unreachable_code("net::ERR_INTERNET_DISCONNECTED at https://www.perplexity.ai/") == (
        "net::ERR_INTERNET_DISCONNECTED"
    )
    assert unreachable_code("net::ERR_ADDRESS_UNREACHABLE") == "net::ERR_ADDRESS_UNREACHABLE"
    assert unreachable_code("net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/") == "net::ERR_CONNECTION_REFUSED"
    # a connection that broke or timed out may well work on the next attempt: those stay transient
    assert unreachable_code("net::ERR_CONNECTION_RESET at https://www.perplexity.ai/") is None
    assert unreachable_code("net::ERR_TIMED_OUT") is None
    assert unreachable_code("Timeout 30000ms exceeded") is None
