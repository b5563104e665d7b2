"""Exports and reports of hostile page content: spreadsheets never run a cell, failed exports keep the old
file, bad output paths are one line."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from citewatch.models import (
    Citation,
    CitationKind,
    Extraction,
    ExtractionStatus,
    Source,
    SourceKind,
)

FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def hostile_store(db_url: str, store_capture) -> str:
    store_capture(
        db_url,
        prompt="=1+1",
        extraction=Extraction(
            engine="perplexity",
            extractor_version="test",
            status=ExtractionStatus.answered,
            citations=[
                Citation(
                    position=i,
                    kind=CitationKind.footnote,
                    url=f"https://site{i}.example/",
                    canonical_url=f"https://site{i}.example/",
                    domain=f"site{i}.example",
                    title=title,
                    label="-0.5",
                )
                for i, title in enumerate(FORMULAS, start=1)
            ],
            sources=[
                Source(
                    position=1,
                    kind=SourceKind.listed,
                    url="https://site1.example/",
                    canonical_url="https://site1.example/",
                    domain="site1.example",
                    title=FORMULAS[0],
                    cited=True,
                )
            ],
        ),
    )
    return db_url


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_export_csv_neutralises_formulas_unless_raw(cli, hostile_store) -> None:
    done = cli("export", "--table", "citations", "--format", "csv")
    assert done.returncode == 0, done.stderr
    found = cells(done.stdout)
    assert not [c for c in found if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and c != "-0.5")], found
    assert "'" + FORMULAS[0] in found and "'=1+1" in found, "the text is kept, behind a '"
    assert "-0.5" in found, "a plain number stays a number"
    raw = cli("export", "--table", "citations", "--format", "csv", "--raw-csv")
    assert raw.returncode == 0 and FORMULAS[0] in cells(raw.stdout)


def test_report_csv_neutralises_formulas_unless_raw(cli, hostile_store) -> None:
    done = cli("report", "--format", "csv", "--top", "0")
    assert done.returncode == 0, done.stderr
    found = cells(done.stdout)
    assert "'=1+1" in found and "=1+1" not in found, "the prompt cell"
    raw = cli("report", "--format", "csv", "--raw-csv")
    assert raw.returncode == 0 and "=1+1" in cells(raw.stdout)


def test_a_failed_export_leaves_the_existing_file_as_it_was(cli, hostile_store, tmp_path: Path) -> None:
    target = tmp_path / "existing.csv"
    target.write_text("precious,data\n1,2\n")
    with sqlite3.connect(hostile_store.removeprefix("sqlite:///")) as connection:
        connection.execute("DROP TABLE citations")  # the store opens, the export's query then fails
    done = cli("export", "--format", "csv", "-o", str(target))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "no such table" in done.stderr, done.stderr
    assert target.read_text() == "precious,data\n1,2\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".existing")] == [], "no temporary left"


@pytest.mark.parametrize("where", ["missing/dir/out.csv", "."])
def test_export_to_a_missing_directory_or_onto_a_directory_is_one_line(
    cli, hostile_store, tmp_path: Path, where
) -> None:
    done = cli("export", "--format", "csv", "-o", str(tmp_path / where))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "cannot write" in done.stderr, done.stderr


def test_list_separators_in_stored_urls_cannot_corrupt_a_report(cli, db_url: str, store_capture) -> None:
    odd = "https://sep.example/a\x1e1\x1fb"
    store_capture(  # an extractor that stored a URL raw, separators and all
        db_url,
        extraction=Extraction(
            engine="perplexity",
            extractor_version="test",
            status=ExtractionStatus.answered,
            citations=[
                Citation(position=1, kind=CitationKind.footnote, url=odd, canonical_url=odd, domain="x\x1f.example"),
                Citation(position=2, kind=CitationKind.footnote, url="https://b.example/", domain="b.example"),
            ],
        ),
    )
    brands = Path(__file__).resolve().parent.parent.parent / "examples" / "brands.toml"
    done = cli("report", "--brands", str(brands), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "https://sep.example/a%1E1%1Fb" in done.stdout
