"""`citewatch report` as users run it: every format, the filters, the output file, clear errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from citewatch.models import CaptureResult, CaptureStatus, Citation, CitationKind, Extraction, ExtractionStatus
from citewatch.storage import Store

Cli = Callable[..., subprocess.CompletedProcess[str]]
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _fill(db_url: str) -> None:
    runs = [("weekly", "crm", ["a.com", "b.com"]), ("weekly", "crm", ["b.com"]), (None, "shoes", ["c.com"])]
    with Store.open(db_url) as store:
        for day, (campaign, prompt, domains) in enumerate(runs):
            run_id = store.start_run(kind="test", campaign=campaign)
            capture_id = store.start_capture(run_id=run_id, prompt=prompt, engine="perplexity")
            when = T0 + timedelta(days=day)
            store.finish_capture(
                capture_id,
                CaptureResult(engine="perplexity", status=CaptureStatus.answered, started_at=when, finished_at=when),
            )
            citations = [
                Citation(
                    position=i, kind=CitationKind.chip, url=f"https://{d}/", canonical_url=f"https://{d}/", domain=d
                )
                for i, d in enumerate(domains, start=1)
            ]
            store.save_extraction(
                capture_id,
                Extraction(
                    engine="perplexity", extractor_version="t/1", status=ExtractionStatus.answered, citations=citations
                ),
            )


def test_every_format(cli: Cli, db_url: str, tmp_path: Path) -> None:
    _fill(db_url)
    table = cli("report")
    assert table.returncode == 0, table.stderr
    assert "Per engine" in table.stdout and "b.com" in table.stdout and "2/2 100%" in table.stdout

    payload = json.loads(cli("report", "--format", "json", "--campaign", "weekly").stdout)
    (group,) = payload["groups"]
    assert (group["prompt"], group["runs"]) == ("crm", 2)
    assert [(d["item"], d["k"], d["n"]) for d in group["domains"]] == [("b.com", 2, 2), ("a.com", 1, 2)]
    assert group["repeatability"]["domains"]["mean_pairwise_jaccard"] == 0.5
    assert payload["filters"]["campaign"] == "weekly"

    rows = list(csv.DictReader(io.StringIO(cli("report", "--format", "csv", "--prompt", "shoes").stdout)))
    assert [(r["level"], r["kind"], r["item"], r["k"], r["n"]) for r in rows] == [
        ("engine", "summary", "", "", ""),
        ("engine", "domain", "c.com", "1", "1"),
        ("engine", "url", "https://c.com/", "1", "1"),
        ("group", "summary", "", "", ""),
        ("group", "domain", "c.com", "1", "1"),
        ("group", "url", "https://c.com/", "1", "1"),
    ]

    brands = tmp_path / "brands.toml"
    brands.write_text('[[brand]]\nname = "Acme"\ndomains = ["a.com"]\n', encoding="utf-8")
    out = tmp_path / "report.html"
    html = cli("report", "--format", "html", "--output", str(out), "--brands", str(brands), "--bootstrap", "50")
    assert html.returncode == 0, html.stderr
    assert "written to" in html.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "Content-Security-Policy" in page and "<svg" in page


def test_errors_are_one_line(cli: Cli, db_url: str, tmp_path: Path) -> None:
    _fill(db_url)
    bad = cli("report", "--since", "soon")
    assert bad.returncode == 1 and bad.stderr.startswith("error: --since takes") and "Traceback" not in bad.stderr
    missing = cli("report", "--brands", str(tmp_path / "none.toml"))
    assert missing.returncode == 1 and "cannot read brand file" in missing.stderr
    empty = cli("report", "--since", "2099-01-01")
    assert empty.returncode == 0 and "no answered captures match" in empty.stdout


def test_a_filter_naming_nothing_stored_is_an_error_naming_what_is(cli: Cli, db_url: str) -> None:
    """`report --campaign weekly-crm` on a store whose campaign is `weekly` wrote a header-only CSV, exit 0."""
    _fill(db_url)
    for args, line in [
        (
            ("--campaign", "weekly-crm"),
            "error: unknown campaign 'weekly-crm'; did you mean weekly? (known: weekly) in ",
        ),
        (("--prompt", "CRM"), "error: unknown prompt 'CRM'; did you mean crm? (known: crm, shoes) in "),
        (("--engine", "Gemini"), "error: no gemini captures in "),
    ]:
        done = cli("report", *args, "--format", "csv")
        assert done.returncode == 1, done.stdout
        assert done.stderr.startswith(line) and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stdout == ""


def test_the_output_suffix_picks_the_format(cli: Cli, db_url: str, tmp_path: Path) -> None:
    _fill(db_url)
    assert cli("report", "-o", str(tmp_path / "r.json")).returncode == 0
    assert json.loads((tmp_path / "r.json").read_text())["filters"]["campaign"] is None
    assert cli("report", "-o", str(tmp_path / "r.csv")).returncode == 0
    assert (tmp_path / "r.csv").read_text().startswith("level,engine,prompt,runs,kind,")
    assert cli("report", "-o", str(tmp_path / "r.html")).returncode == 0
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")
    clash = cli("report", "-o", str(tmp_path / "x.json"), "--format", "html")
    assert clash.returncode == 1 and "--format html does not match" in clash.stderr
    assert not (tmp_path / "x.json").exists()
    assert cli("export", "-t", "citations", "-o", str(tmp_path / "c.parquet")).returncode == 0
    assert (tmp_path / "c.parquet").read_bytes()[:4] == b"PAR1"
    assert cli("export", "-t", "citations", "-o", str(tmp_path / "c.csv")).returncode == 0
    assert (tmp_path / "c.csv").read_text().startswith("capture_id,")
    clash = cli("export", "-o", str(tmp_path / "c.parquet"), "--format", "jsonl")
    assert clash.returncode == 1 and "does not match" in clash.stderr


def test_reading_commands_never_create_a_store(cli: Cli, tmp_path: Path) -> None:
    typo = tmp_path / "citewatch-demo.bd"
    for args in (
        ("report", "--db", f"sqlite:///{typo}"),
        ("export", "--table", "runs", "--db", f"sqlite:///{typo}"),
        ("show", "1", "--db", f"sqlite:///{typo}"),
        ("replay", "--all", "--db", f"sqlite:///{typo}"),
        ("report",),  # the default store, in an empty folder
    ):
        done = cli(*args)
        assert done.returncode == 1, (args, done.stdout)
        assert done.stderr.startswith("error: no database at "), done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert not typo.exists()
    assert not (tmp_path / "citewatch.db").exists()
