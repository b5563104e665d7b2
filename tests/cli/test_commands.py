"""The commands a user types, end to end: capture, show, extract, replay, fixtures add, db upgrade, errors."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from citewatch.storage import Store

pytestmark = pytest.mark.browser


def test_capture_prints_the_citation_table_then_show_and_replay(cli, perplexity, tmp_path: Path) -> None:
    captured = cli(
        "capture", "perplexity", "best CRM for SaaS startups", "--repeat", "2", "--base-url", f"{perplexity.url}/"
    )
    assert captured.returncode == 0, captured.stdout + captured.stderr
    assert "capture 1: perplexity · answered" in captured.stdout
    assert "capture 2: perplexity · answered" in captured.stdout
    # repeated captures: one line each, the domains they cited, and the stability line last (no full tables)
    assert "visible" not in captured.stdout
    assert "Cited domains over 2 runs" in captured.stdout and "2/2" in captured.stdout
    assert captured.stdout.index("Cited domains") < captured.stdout.index("Stability over 2 runs")
    assert captured.stdout.rstrip().splitlines()[-1] == "citations of one capture in full: citewatch show ID"

    shown = cli("show", "1")
    assert shown.returncode == 0, shown.stderr
    assert "[1]" in shown.stdout and "Sources" in shown.stdout
    assert (tmp_path / "citewatch-artifacts" / "capture-1.png").read_bytes().startswith(b"\x89PNG")

    as_json = json.loads(cli("show", "1", "--format", "json").stdout)
    assert as_json["capture"]["status"] == "answered"
    assert as_json["extraction"]["citations"][0]["url"].startswith("https://")

    replayed = cli("replay", "--all", "--diff")
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed 2 snapshots: 0 changed, 0 stored" in replayed.stdout

    rendered = cli("replay", "--capture", "1", "--render", str(tmp_path / "offline.png"))
    assert rendered.returncode == 0, rendered.stderr
    assert (tmp_path / "offline.png").read_bytes().startswith(b"\x89PNG")

    added = cli("fixtures", "add", "1", "from-capture", "--root", str(tmp_path / "fx"))
    assert added.returncode == 0, added.stderr
    expected = json.loads((tmp_path / "fx" / "perplexity" / "from-capture" / "expected.json").read_text())
    assert expected["status"] == "answered" and expected["citations"]
    again = cli("fixtures", "add", "1", "from-capture", "--root", str(tmp_path / "fx"))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_a_blocked_capture_exits_non_zero_and_says_why(cli, perplexity) -> None:
    done = cli("capture", "perplexity", "x", "--base-url", f"{perplexity.url}/?scenario=cloudflare")
    assert done.returncode == 1
    assert "blocked" in done.stdout


def _closed_port() -> int:
    """A local port nothing listens on: bound to find a free one, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("base_url", "code", "host"),
    [
        (
            "http://nonexistent.invalid/",
            "net::ERR_NAME_NOT_RESOLVED",
            "nonexistent.invalid",
        ),  # RFC 2606: never resolves
        (None, "net::ERR_CONNECTION_REFUSED", "127.0.0.1:"),
    ],
)
def test_an_unreachable_engine_is_tried_once_and_says_so(
    cli, cli_env, db_url, base_url: str | None, code: str, host: str
) -> None:
    cli_env["CITEWATCH_MAX_ATTEMPTS"] = "3"  # the default: a transient failure would be tried three times
    url = base_url or f"http://127.0.0.1:{_closed_port()}/"
    done = cli("capture", "perplexity", "best CRM", "--repeat", "2", "--base-url", url)
    assert done.returncode == 1
    lines = [line for line in done.stdout.splitlines() if "cannot be reached" in line]
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith(
        f"capture 1: perplexity · error · perplexity cannot be reached from this machine: {host}"
    )
    assert lines[0].endswith(f"({code}); not retried")
    assert "retrying" not in done.stdout + done.stderr and "attempt 2" not in done.stdout
    with Store.open(db_url) as store:
        (capture,) = store.list_captures()  # one attempt, stored as usual; the second repeat is not tried
    assert capture.status == "error" and code in (capture.error or "")


def test_extract_json_is_the_extraction_record(cli, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<html><body><div role="tabpanel" id="r-content-default"><div id="markdown-content-0"><div class="prose">'
        '<p>Answer<span class="citation-nbsp"></span><span class="inline-flex" aria-label="T"><span class="citation '
        'inline" data-pplx-citation-url="https://en.wikipedia.org/wiki/X"><a href="https://en.wikipedia.org/wiki/X">'
        "wikipedia</a></span></span>.</p></div></div></div></body></html>"
    )
    done = cli("extract", "perplexity", str(page), "--format", "json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["status"] == "answered"
    assert record["citations"][0]["domain"] == "wikipedia.org"
    assert record["citations"][0]["label"] == "wikipedia"
    assert record["answer"]["text"] == "Answer."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("extract", "perplexity", "missing.html"), "error: cannot read missing.html"),
        (("show", "42"), "error: no database at "),
        (("replay",), "error: say which captures to replay"),
        (("show", "1", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x"), "error: cannot"),
    ],
)
def test_errors_are_one_line(cli, args: tuple[str, ...], message: str) -> None:
    done = cli(*args)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), done.stderr


def test_an_unknown_capture_id_is_one_line(cli) -> None:
    assert cli("db", "upgrade").returncode == 0
    done = cli("show", "42")
    assert done.returncode == 1 and done.stderr.startswith("error: no capture with id 42"), done.stderr


def test_verbose_shows_the_traceback(cli) -> None:
    done = cli("--verbose", "show", "42")
    assert done.returncode == 1 and "Traceback" in done.stderr


def test_unknown_engine_is_rejected_with_the_choices(cli) -> None:
    done = cli("extract", "bing", "x.html")
    assert done.returncode == 2
    assert "perplexity" in done.stderr


def test_db_upgrade_is_repeatable(cli) -> None:
    for _ in range(2):
        done = cli("db", "upgrade")
        assert done.returncode == 0 and "is up to date" in done.stdout


def test_schedule_prints_cron_and_systemd(cli, tmp_path: Path) -> None:
    campaign = tmp_path / "c.toml"
    campaign.write_text('name = "crm"\nschedule = "30 6 * * 1-5"\n[[prompts]]\ntext = "x"\n[engines.perplexity]\n')
    done = cli("schedule", str(campaign))
    assert done.returncode == 0, done.stderr
    assert "30 6 * * 1-5 cd " in done.stdout and " run " in done.stdout
    assert "CRON_TZ=UTC\n30 6 * * 1-5 cd " in done.stdout
    assert "OnCalendar=Mon..Fri *-*-* 6:30:00 UTC" in done.stdout
    assert "citewatch-crm.timer" in done.stdout


def test_schedule_fires_in_the_campaign_time_zone_and_keeps_the_store(cli, tmp_path: Path) -> None:
    campaign = tmp_path / "c.toml"
    campaign.write_text(
        'name = "crm"\nschedule = "0 3 * * 1"\ntimezone = "Europe/Berlin"\n[[prompts]]\ntext = "x"\n'
        "[engines.perplexity]\n"
    )
    done = cli("schedule", str(campaign), "--db", "postgresql+psycopg://cw:db-secret@db-host/citewatch")
    assert done.returncode == 0, done.stderr
    assert "CRON_TZ=Europe/Berlin\n0 3 * * 1 cd " in done.stdout
    assert "OnCalendar=Mon *-*-* 3:0:00 Europe/Berlin" in done.stdout
    assert done.stdout.count("--db postgresql+psycopg://cw@db-host/citewatch") == 2  # crontab and ExecStart
    assert "db-secret" not in done.stdout
    assert "~/.pgpass" in done.stdout


def test_export_streams_csv_and_jsonl(cli, perplexity, tmp_path: Path) -> None:
    assert cli("capture", "perplexity", "best CRM", "--base-url", f"{perplexity.url}/").returncode == 0
    csv_out = cli("export", "--table", "citations", "--format", "csv")
    assert csv_out.returncode == 0, csv_out.stderr
    header, *rows = csv_out.stdout.strip().splitlines()
    assert header.startswith("capture_id,run_id,engine,prompt,locale,started_at,extractor_version,position,kind")
    assert rows and all(row.startswith("1,1,perplexity,best CRM,") for row in rows)
    assert f"exported {len(rows)} citations rows" in csv_out.stderr
    done = cli("export", "--table", "captures", "--output", str(tmp_path / "captures.jsonl"))
    assert done.returncode == 0
    (line,) = (tmp_path / "captures.jsonl").read_text().splitlines()
    assert json.loads(line)["status"] == "answered"


def test_replica_command_serves_until_interrupted(cli_env) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "citewatch", "replica", "perplexity", "--port", "0", "--scenario", "cloudflare"],
        env=cli_env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = child.stdout.readline()
        assert "perplexity replica (cloudflare) at http://127.0.0.1:" in first
        url = first.split(" at ")[1].split()[0]
        with pytest.raises(urllib.error.HTTPError) as wall:
            urllib.request.urlopen(url + "/", timeout=10)  # noqa: S310 - a loopback URL this test started
        assert wall.value.code == 403
        wall.value.close()
    finally:
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=20) == 0
        child.stdout.close()


def test_export_parquet_keeps_the_column_types(cli, perplexity, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    assert cli("capture", "perplexity", "best CRM", "--base-url", f"{perplexity.url}/").returncode == 0
    done = cli("export", "--table", "captures", "--format", "parquet", "--output", str(tmp_path / "c.parquet"))
    assert done.returncode == 0, done.stderr
    table = pq.read_table(tmp_path / "c.parquet")
    assert table.num_rows == 1
    assert str(table.schema.field("started_at").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("answer_seconds").type) == "double"
    assert table.column("status").to_pylist() == ["answered"]
    assert cli("export", "--format", "parquet").returncode == 1


def test_demo_captures_every_engine_and_ends_with_the_stability_summary(cli, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    done = cli("demo", "--db-path", str(db), timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Stability over 3 runs: mean pairwise Jaccard of cited domains" in done.stdout
    tour = [line for line in done.stdout.splitlines() if "answered" in line]
    for engine in ("chatgpt", "gemini", "google_aio", "google_ai_mode"):
        assert any(f" {engine} " in line for line in tour), done.stdout
    assert "9 captures stored in" in done.stdout
    # the report in every format, on what the replicas answered (Perplexity's sources varying between runs)
    reported = cli("report", "--db", f"sqlite:///{db}", "--format", "json")
    assert reported.returncode == 0, reported.stderr
    payload = json.loads(reported.stdout)
    engines = {"chatgpt", "gemini", "google_aio", "google_ai_mode", "perplexity"}
    assert {e["engine"] for e in payload["engines"]} == engines
    (crm,) = [g for g in payload["groups"] if g["prompt"] == "best CRM for SaaS startups"]
    assert crm["runs"] == 3 and crm["domains"] and crm["repeatability"]["domains"]["mean_pairwise_jaccard"] < 1
    for output_format in ("table", "csv", "html"):
        out = tmp_path / f"report.{output_format}"
        done = cli("report", "--db", f"sqlite:///{db}", "--format", output_format, "--output", str(out))
        assert done.returncode == 0 and "best CRM for SaaS startups" in out.read_text(encoding="utf-8"), done.stderr
