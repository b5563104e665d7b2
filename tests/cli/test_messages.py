"""What the command says when it is used wrongly: one line, the closest name, help that reads as written."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from citewatch.quality.gate import PAGE

Cli = Callable[..., subprocess.CompletedProcess[str]]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_an_engine_typo_is_one_line_with_the_closest_engine(cli: Cli) -> None:
    done = cli("capture", "perplexty", "best CRM")
    assert done.returncode == 2
    line = _one_error_line(done)
    assert "unknown engine 'perplexty'; did you mean perplexity?" in line
    assert "(see `citewatch capture --help`)" in line


def test_engine_names_are_case_insensitive(cli: Cli) -> None:
    page = next((FIXTURES / "perplexity").glob(f"*/{PAGE}"))
    done = cli("extract", "Perplexity", str(page), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert '"engine":"perplexity"' in done.stdout.replace(" ", "")


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_an_empty_prompt_is_refused_before_any_browser_starts(cli: Cli, prompt: str) -> None:
    done = cli("capture", "perplexity", prompt, timeout=30)
    assert done.returncode == 2
    assert "a prompt needs some text" in _one_error_line(done)


def test_version_and_verbose_after_the_command(cli: Cli, tmp_path: Path) -> None:
    version = cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("citewatch 0.")
    bad_db = f"sqlite:///{tmp_path / 'nowhere' / 'x.db'}"
    quiet = cli("export", "--db", bad_db)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    loud = cli("export", "--db", bad_db, "--verbose")
    assert loud.returncode == 1 and "Traceback" in loud.stderr, loud.stderr


def test_help_shows_brackets_literally_and_no_type_noise(cli: Cli) -> None:
    done = cli("show", "--help")
    assert done.returncode == 0
    assert "answer with [n] markers" in done.stdout
    assert "<bool>" not in done.stdout
    assert "<bool>" not in cli("capture", "--help").stdout


def test_a_retry_warning_is_printed_once_on_stderr(cli: Cli, cli_env: dict[str, str]) -> None:
    cli_env["CITEWATCH_MAX_ATTEMPTS"] = "2"
    done = cli("capture", "perplexity", "best CRM", "--base-url", "http://127.0.0.1:9/", "--timeout", "5")
    assert done.returncode == 1
    assert done.stderr.count("attempt 1 failed") == 1, done.stderr
    assert "attempt 1 failed" not in done.stdout


def test_a_database_password_is_never_printed(cli: Cli) -> None:
    url = "postgresql+nosuchdriver://cw:db-secret@db-host/citewatch"
    for args in (("db", "upgrade", "--db", url), ("report", "--db", url)):
        done = cli(*args)
        assert done.returncode == 1
        assert "db-secret" not in done.stdout + done.stderr
        assert "cw:***@db-host" in _one_error_line(done)
