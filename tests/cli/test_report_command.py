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
    empty = cli("report", "--engine", "gemini")
    assert empty.returncode == 0 and "no answered captures match" in empty.stdout
