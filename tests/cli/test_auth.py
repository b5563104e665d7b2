"""`citewatch auth`: the session is saved readable by its owner only, used by capture, and never printed."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_auth_saves_a_private_session_that_capture_uses(cli, perplexity, tmp_path: Path) -> None:
    # The consent scenario sets a cookie once accepted; `?scenario=` itself leaves one behind too.
    done = cli("auth", "perplexity", "--headless", "--base-url", f"{perplexity.url}/?scenario=consent", stdin="\n")
    assert done.returncode == 0, done.stderr
    state_file = tmp_path / "config" / "auth" / "perplexity.json"
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    cookies = {c["name"]: c["value"] for c in json.loads(state_file.read_text())["cookies"]}
    assert cookies.get("cw_scenario") == "consent"
    assert "session saved to" in done.stdout
    for value in cookies.values():
        assert value not in done.stdout + done.stderr

    captured = cli("capture", "perplexity", "best CRM", "--base-url", f"{perplexity.url}/")
    assert captured.returncode == 0, captured.stdout + captured.stderr
    shown = json.loads(cli("show", "1", "--format", "json").stdout)
    assert shown["capture"]["account"] == "logged_in"
    for value in cookies.values():
        assert value not in captured.stdout + captured.stderr


def test_auth_without_a_display_says_how_to_run_it(cli, cli_env) -> None:
    cli_env.pop("DISPLAY", None)
    cli_env.pop("WAYLAND_DISPLAY", None)
    done = cli("auth", "perplexity", timeout=60)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: no display for the login window: run `xvfb-run -a citewatch auth perplexity`")


def test_auth_with_stdin_closed_ends_with_one_line(cli, perplexity) -> None:
    done = cli("auth", "perplexity", "--headless", "--base-url", f"{perplexity.url}/?scenario=consent", stdin="")
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: standard input is closed"), done.stderr


def test_an_empty_session_is_never_saved(cli, perplexity, tmp_path: Path) -> None:
    done = cli("auth", "perplexity", "--headless", "--base-url", f"{perplexity.url}/", stdin="\n")
    assert done.returncode == 1, done.stdout
    assert "nothing saved" in done.stderr and "now use it" not in done.stdout
    assert not (tmp_path / "config" / "auth" / "perplexity.json").exists()


def test_an_auth_directory_open_to_others_is_tightened_before_a_session_is_written(tmp_path: Path) -> None:
    from citewatch.scrapers.auth import write_private

    auth_dir = tmp_path / "config" / "auth"
    auth_dir.mkdir(parents=True)
    auth_dir.chmod(0o777)
    write_private(auth_dir / "perplexity.json", "{}")
    assert stat.S_IMODE(auth_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((auth_dir / "perplexity.json").stat().st_mode) == 0o600
