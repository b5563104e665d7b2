"""`citewatch doctor` against the replica scenarios of every engine, in real Chromium."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from citewatch.replicas import ReplicaServer

pytestmark = pytest.mark.browser

# (engine, scenario, the verdict's status, a role whose selector the report must show as matched)
SCENARIOS = [
    ("perplexity", "normal", "answered", "sources"),
    ("perplexity", "consent", "answered", "consent"),
    ("perplexity", "cloudflare", "blocked", "cloudflare"),
    ("perplexity", "login", "login_required", "login_wall"),
    ("perplexity", "broken", "incomplete", "failure"),
    ("chatgpt", "normal", "answered", "answer"),
    ("chatgpt", "consent", "answered", "consent"),
    ("chatgpt", "cloudflare", "blocked", "input"),
    ("chatgpt", "login", "login_required", "input"),
    ("chatgpt", "broken", "error", "input"),
    ("gemini", "normal", "answered", "answer"),
    ("gemini", "consent", "answered", "consent"),
    ("gemini", "captcha", "captcha", "captcha"),
    ("gemini", "login", "login_required", "login_wall"),
    ("gemini", "broken", "incomplete", "failure"),
    # Google has no Cloudflare or login wall: its bot wall is the /sorry/ "unusual traffic" page, and a results
    # page without an overview is an answer of its own. Consent is shared by both Google engines (_google.toml).
    ("google_aio", "normal", "answered", "sources"),
    ("google_aio", "layout_2025_07", "answered", "citations"),
    ("google_aio", "captcha", "captcha", "captcha"),
    ("google_aio", "overview_failed", "error", "failure"),
    ("google_aio", "no_overview", "no_answer", "input"),
    ("google_ai_mode", "consent", "answered", "consent"),
    ("google_ai_mode", "broken", "incomplete", "failure"),
]


def _bundle(tmp_path: Path) -> Path:
    bundles = [p for p in (tmp_path / "bundle").iterdir() if p.is_dir()]
    assert len(bundles) == 1
    return bundles[0]


@pytest.mark.parametrize(("engine", "scenario", "status", "role"), SCENARIOS, ids=lambda v: str(v))
def test_doctor_reports_every_scenario_and_saves_a_bundle(
    cli: Callable[..., CompletedProcess[str]],
    replica: Callable[..., ReplicaServer],
    tmp_path: Path,
    engine: str,
    scenario: str,
    status: str,
    role: str,
) -> None:
    server = replica(engine, scenario, answer_seconds=0.5)
    result = cli("doctor", engine, "--base-url", f"{server.url}/", "--timeout", "20", "--out", str(tmp_path / "bundle"))
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == (0 if status == "answered" else 1), output
    assert f"verdict: {engine}: {status}" in result.stdout
    if status != "answered":
        assert result.stderr.strip().splitlines()[-1].startswith(f"doctor: {engine}: {status}")

    bundle = _bundle(tmp_path)
    assert {"page.html", "screenshot.png", "trace.zip", "steps.json", "steps.txt"} <= {p.name for p in bundle.iterdir()}
    assert bundle.with_suffix(".zip").is_file()
    with zipfile.ZipFile(bundle / "trace.zip") as trace:
        assert any(name.endswith(".trace") for name in trace.namelist())  # what `playwright show-trace` reads
    log = json.loads((bundle / "steps.json").read_text(encoding="utf-8"))
    assert log["engine"] == engine and status in (log["capture_status"], log["page_status"])
    assert [step["step"] for step in log["steps"]][:1] == ["open"] and log["steps"][-1]["step"] == "artifacts"
    matched = {name for step in log["steps"] for name, m in step["matches"].items() if m["count"]} | set(log["shown"])
    assert role in matched, (role, matched)
    versions = log["versions"]
    assert versions["extractor"].startswith(f"{engine}/") and versions["chromium"] and versions["playwright"]
    assert versions["selectors_overridden"] is False


def test_doctor_says_which_selector_an_override_broke(
    cli: Callable[..., CompletedProcess[str]], replica: Callable[..., ReplicaServer], tmp_path: Path
) -> None:
    server = replica("perplexity", answer_seconds=0.5)
    folder = tmp_path / "selectors"
    folder.mkdir()
    (folder / "perplexity.toml").write_text("[scraper]\nanswer = 'div.answer-body'\n", encoding="utf-8")
    result = cli(
        "doctor", "perplexity", "--base-url", f"{server.url}/", "--timeout", "3", "--out", str(tmp_path / "bundle"),
        "--selectors", str(folder),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    never = next(line for line in result.stdout.splitlines() if line.startswith("never matched: "))
    assert "answer" in never.removeprefix("never matched: ").split(", ")
    log = json.loads((_bundle(tmp_path) / "steps.json").read_text(encoding="utf-8"))
    assert log["selectors"]["answer"] == "div.answer-body"
    assert log["versions"]["selectors_overridden"] is True
    assert log["versions"]["selectors_override"] == str(folder.resolve() / "perplexity.toml")
