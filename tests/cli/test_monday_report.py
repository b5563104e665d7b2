"""The report an analyst sends on Monday: by country, tag and campaign, the prompts where our brand is invisible
first, the campaign's own brands; and the export and listing commands that go with it."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from citewatch.campaign import expand, parse_campaign
from citewatch.cli.run import run_meta
from citewatch.models import (
    Answer,
    AnswerBlock,
    BlockKind,
    CaptureResult,
    CaptureStatus,
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    Mention,
)
from citewatch.storage import Store

Cli = Callable[..., subprocess.CompletedProcess[str]]
T0 = datetime(2026, 11, 2, 3, tzinfo=UTC)

CAMPAIGN = """
name = "crm-weekly"
[[prompts]]
text = "best CRM for startups"
tags = ["crm", "buyer"]
[[prompts]]
text = "cheapest CRM"
tags = ["price"]
[engines.perplexity]
[[locales]]
name = "us"
country = "us"
[[locales]]
name = "de"
locale = "de-DE"
country = "de"
[brands]
file = "brands.toml"
"""
BRANDS = '[[brand]]\nname = "Acme"\nours = true\n[[brand]]\nname = "HubSpot"\n'
# What each job's answer says: Acme is named only in Germany, on the first prompt.
ANSWERS = {
    ("best CRM for startups", "us"): "HubSpot is the usual pick.",
    ("best CRM for startups", "de"): "Acme and HubSpot both fit.",
    ("cheapest CRM", "us"): "HubSpot has a free tier.",
    ("cheapest CRM", "de"): "HubSpot has a free tier.",
}


def _fill(db_url: str, folder: Path) -> None:
    (folder / "brands.toml").write_text(BRANDS)
    path = folder / "crm.toml"
    path.write_text(CAMPAIGN)
    campaign = parse_campaign(CAMPAIGN, base_dir=folder)
    with Store.open(db_url) as store:
        run_id = store.start_run(
            kind="campaign", campaign="crm-weekly", label="s1", meta=run_meta(campaign, path, "s1")
        )
        for job in expand(campaign, "s1"):
            capture_id = store.start_capture(
                run_id=run_id,
                prompt=job.prompt,
                engine=job.engine,
                locale=job.locale.locale,
                job_key=f"{job.key}#1",
            )
            store.finish_capture(
                capture_id,
                CaptureResult(engine="perplexity", status=CaptureStatus.answered, started_at=T0, finished_at=T0),
            )
            text = ANSWERS[job.prompt, job.locale.name]
            store.save_extraction(
                capture_id,
                Extraction(
                    engine="perplexity",
                    extractor_version="t/1",
                    status=ExtractionStatus.answered,
                    answer=Answer(text=text, blocks=[AnswerBlock(index=0, kind=BlockKind.paragraph, text=text)]),
                    citations=[
                        Citation(
                            position=1,
                            kind=CitationKind.chip,
                            url="https://hubspot.com/",
                            canonical_url="https://hubspot.com/",
                            domain="hubspot.com",
                        )
                    ],
                    mentions=[Mention(text=text.split()[0], block_index=0, char_start=0)],
                ),
            )


def test_filters_by_tag_country_and_locale(cli: Cli, db_url: str, tmp_path: Path) -> None:
    _fill(db_url, tmp_path)
    by_tag = json.loads(cli("report", "--tag", "price", "-f", "json").stdout)
    assert {g["prompt"] for g in by_tag["groups"]} == {"cheapest CRM"}
    assert by_tag["filters"]["tag"] == "price"
    by_country = json.loads(cli("report", "--country", "DE", "-f", "json").stdout)
    assert sum(g["runs"] for g in by_country["groups"]) == 2
    by_locale = json.loads(cli("report", "--locale", "de-DE", "-f", "json").stdout)
    assert sum(g["runs"] for g in by_locale["groups"]) == 2
    unknown = cli("report", "--tag", "prices")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("error: unknown tag 'prices'; did you mean price? (known: buyer, crm, price)")


def test_split_by_country_with_the_campaign_brands_and_invisible_prompts_first(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    _fill(db_url, tmp_path)
    done = cli("report", "--campaign", "crm-weekly", "--by", "country", "-f", "json")
    assert done.returncode == 0, done.stderr
    assert "brands: campaign crm-weekly's own (2 brands)" in done.stderr
    payload = json.loads(done.stdout)
    assert payload["by"] == "country"
    splits = {s["value"]: s for s in payload["splits"]}
    assert set(splits) == {"de", "us"}
    assert splits["us"]["invisible_prompts"] == ["best CRM for startups", "cheapest CRM"]
    assert splits["de"]["invisible_prompts"] == ["cheapest CRM"]
    assert splits["de"]["brands"] == ["Acme", "HubSpot"]
    table = cli("report", "--campaign", "crm-weekly").stdout
    assert table.index("Prompts where Acme is invisible") < table.index("Per engine")
    assert cli("report", "--campaign", "crm-weekly", "-o", str(tmp_path / "r.html")).returncode == 0
    page = (tmp_path / "r.html").read_text()
    assert page.index("<h2>Prompts where Acme is invisible</h2>") < page.index("<h2>Engines</h2>")
    assert "<li>cheapest CRM</li>" in page
    rows = list(
        csv.DictReader(io.StringIO(cli("report", "--campaign", "crm-weekly", "--by", "tag", "-f", "csv").stdout))
    )
    assert {(r["tag"], r["prompt"], r["item"]) for r in rows if r["kind"] == "invisible"} == {
        ("price", "cheapest CRM", "Acme")
    }
    first_of_price = next(r for r in rows if r["tag"] == "price")
    assert first_of_price["kind"] == "invisible"
    assert {r["tag"] for r in rows} == {"buyer", "crm", "price"}


def test_exports_carry_campaign_country_tags_and_matched_brands(cli: Cli, db_url: str, tmp_path: Path) -> None:
    _fill(db_url, tmp_path)
    rows = [json.loads(line) for line in cli("export", "-t", "citations").stdout.splitlines()]
    assert {(r["campaign"], r["country"], r["tags"]) for r in rows} == {
        ("crm-weekly", "us", "crm;buyer"),
        ("crm-weekly", "de", "crm;buyer"),
        ("crm-weekly", "us", "price"),
        ("crm-weekly", "de", "price"),
    }
    mentions = [
        json.loads(line)
        for line in cli("export", "-t", "mentions", "--brands", str(tmp_path / "brands.toml")).stdout.splitlines()
    ]
    assert {(m["text"], m["brand"]) for m in mentions} == {("HubSpot", "HubSpot"), ("Acme", "Acme")}
    for table in ("organic_results", "search_queries"):
        done = cli("export", "-t", table, "-f", "csv")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("capture_id,run_id,engine,prompt,locale,started_at,extractor_version,")


def test_captures_lists_newest_first_and_show_dumps_the_dom(cli: Cli, db_url: str, tmp_path: Path) -> None:
    _fill(db_url, tmp_path)
    listed = [json.loads(line) for line in cli("captures", "--limit", "2", "-f", "json").stdout.splitlines()]
    assert [c["id"] for c in listed] == [4, 3]
    assert cli("captures", "--status", "answerd").stderr.startswith(
        "error: Invalid value for '--status': unknown status 'answerd'; did you mean answered?"
    )
    no_dom = cli("show", "1", "--dom")
    assert no_dom.returncode == 1 and no_dom.stderr.startswith("error: capture 1 has no stored page")
