"""`citewatch report` over 100,000 synthetic captures, on SQLite and on PostgreSQL (goal: under 10 s each).

    python benchmarks/bench_report.py [--captures N] [--prompts P] [--skip-pg] [--pg URL] [--keep DIR]

The store is filled with bulk inserts (SQLAlchemy Core `executemany`, one transaction per table chunk):
P prompts × 4 engines × N / (4P) runs a day apart, each answered with a five-sentence answer citing 3-6
URLs of a skewed pool of domains at sentence ends, listing 0-3 retrieved-but-uncited sources on the engines
that show them, 10 organic results on google_aio, and naming tracked brands in varying order. Every extraction
row carries its JSON record (`data`), as real ones do.

Then it runs `citewatch report` as a user does (a child process: interpreter start and imports included) with
`--format json`, `table`, `html`, and `--brands` (brand mentions are matched again in every answer), each
writing to a file, and prints the wall times. Defaults: 1,000 prompts × 4 engines × 25 runs = 100,000.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from citewatch.analysis.run_sets import json_parts
from citewatch.storage import Store, run_lists
from citewatch.storage import tables as t

GOAL_S = 10.0
PG_URL = os.environ.get("CITEWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ENGINES = ("chatgpt", "gemini", "google_aio", "perplexity")
RETRIEVING = {"chatgpt", "perplexity"}  # engines whose pages list sources they did not cite
BRANDS = ("Acme CRM", "HubSpot", "Pipedrive", "Attio", "Salesforce", "Zoho")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 20_000
BRAND_FILE = """
[[brand]]
name = "Acme CRM"
aliases = ["Acme"]
domains = ["acme-crm.example"]
ours = true

[[brand]]
name = "HubSpot"
domains = ["hubspot.com"]

[[brand]]
name = "Pipedrive"
domains = ["pipedrive.com"]

[[brand]]
name = "Attio"
domains = ["attio.com"]
"""


def _domains() -> list[str]:
    return [f"site{i}.example" for i in range(200)] + ["hubspot.com", "pipedrive.com", "acme-crm.example"]


def _answer(rng: random.Random, cited: list[str]) -> tuple[str, list[dict[str, Any]], list[tuple[int, str]]]:
    """Five sentences in two blocks, brands in a random order, a marker after some sentences."""
    names = rng.sample(BRANDS, rng.randint(0, 4))
    sentences = [
        f"For a small sales team {names[0] if names else 'a simple tool'} is often the first choice today.",
        "Pricing varies between plans and the number of seats you need.",
        f"Reviewers also mention {', '.join(names[1:]) or 'several alternatives'} for reporting and pipelines.",
        "Integrations with email and calendars matter most for startups.",
        "Compare trial periods before committing to an annual plan.",
    ]
    first = " ".join(sentences[:3])
    second = " ".join(sentences[3:])
    text_ = f"{first}\n\n{second}"
    ends = [text_.index(s) + len(s) for s in sentences]
    markers = [(ends[i % len(ends)], url) for i, url in enumerate(cited)]
    blocks = [
        {"index": 0, "kind": "paragraph", "text": first},
        {"index": 1, "kind": "paragraph", "text": second},
    ]
    return text_, blocks, markers


def generate(url: str, captures: int, prompts: int, seed: int = 0) -> None:
    """Fill an empty store with `captures` answered captures (ids are assigned here, inserts are bulk)."""
    rng = random.Random(seed)
    pool = _domains()
    weights = [1 / (i + 1) for i in range(len(pool))]  # a few domains are cited everywhere, most rarely
    per_group = max(1, captures // (prompts * len(ENGINES)))
    with Store.open(url) as store, store.engine.begin() as connection:
        connection.execute(insert(t.Run), [{"id": 1, "kind": "campaign", "campaign": "bench", "meta": {}}])
        connection.execute(
            insert(t.Prompt),
            [
                {"id": p + 1, "text": f"best crm for team {p}", "text_sha256": sha256(f"p{p}".encode()).hexdigest()}
                for p in range(prompts)
            ],
        )
        rows: dict[type[t.Base], list[dict[str, Any]]] = {
            t.Capture: [],
            t.ExtractionRow: [],
            t.CitationRow: [],
            t.SourceRow: [],
            t.OrganicResultRow: [],
            t.RunListsRow: [],
        }
        ids = {"capture": 0, "citation": 0, "source": 0, "organic": 0}

        def flush(force: bool = False) -> None:
            if force or len(rows[t.Capture]) >= CHUNK:
                for table, batch in rows.items():
                    if batch:
                        connection.execute(insert(table), batch)
                    batch.clear()

        for p in range(prompts):
            for engine in ENGINES:
                for r in range(per_group):
                    if ids["capture"] >= captures:
                        break
                    ids["capture"] += 1
                    capture_id = ids["capture"]
                    when = T0 + timedelta(days=r, minutes=rng.randint(0, 600))
                    rows[t.Capture].append(
                        {
                            "id": capture_id,
                            "run_id": 1,
                            "prompt_id": p + 1,
                            "engine": engine,
                            "status": "answered",
                            "started_at": when,
                            "finished_at": when,
                            "timings": {},
                            "warnings": [],
                        }
                    )
                    cited = list(dict.fromkeys(rng.choices(pool, weights, k=rng.randint(3, 6))))
                    urls = [f"https://{d}/page{rng.randint(1, 3)}" for d in cited]
                    answer, blocks, markers = _answer(rng, urls)
                    citations = [
                        {
                            "position": i,
                            "kind": "footnote",
                            "label": str(i),
                            "url": u,
                            "canonical_url": u,
                            "domain": u.split("/")[2],
                            "block_index": 0 if at < answer.index("\n") else 1,
                            "char_start": at,
                        }
                        for i, (at, u) in enumerate(markers, start=1)
                    ]
                    extra = (
                        [f"https://{d}/more" for d in rng.sample(pool, rng.randint(0, 3))]
                        if engine in RETRIEVING
                        else []
                    )
                    sources = [
                        {
                            "position": i,
                            "kind": "listed",
                            "url": u,
                            "canonical_url": u,
                            "domain": u.split("/")[2],
                            "cited": u in urls,
                        }
                        for i, u in enumerate(urls + extra, start=1)
                    ]
                    organic = (
                        [
                            {"position": i, "url": u, "canonical_url": u, "domain": u.split("/")[2]}
                            for i, u in enumerate(
                                list(dict.fromkeys(urls[:2] + [f"https://{d}/" for d in rng.sample(pool, 10)]))[:10],
                                start=1,
                            )
                        ]
                        if engine == "google_aio"
                        else []
                    )
                    data = {
                        "engine": engine,
                        "extractor_version": "bench/1",
                        "status": "answered",
                        "warnings": [],
                        "answer": {"text": answer, "blocks": blocks},
                        "citations": citations,
                        "sources": sources,
                        "mentions": [],
                        "search_queries": [],
                        "related_questions": [],
                        "organic_results": organic,
                    }
                    rows[t.ExtractionRow].append(
                        {
                            "id": capture_id,
                            "capture_id": capture_id,
                            "extractor_version": "bench/1",
                            "status": "answered",
                            "warnings": [],
                            "answer_text": answer,
                            "data": data,
                        }
                    )
                    rows[t.RunListsRow].append(run_lists.row(capture_id, json_parts(data).sets()))
                    for table, items, key in (
                        (t.CitationRow, citations, "citation"),
                        (t.SourceRow, sources, "source"),
                        (t.OrganicResultRow, organic, "organic"),
                    ):
                        for item in items:
                            ids[key] += 1
                            rows[table].append({"id": ids[key], "extraction_id": capture_id, **item})
                    flush()
        flush(force=True)
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    admin = create_engine(url)
    schema = f"cw_bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def time_report(url: str, out: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "citewatch", "report", "--db", url, "--output", str(out), *args],
        check=True,
        env={**os.environ, "COLUMNS": "160"},
    )
    return time.perf_counter() - start


def bench(label: str, url: str, work: Path, captures: int, prompts: int) -> list[tuple[str, str, float]]:
    start = time.perf_counter()
    generate(url, captures, prompts)
    print(f"{label}: {captures:,} captures generated in {time.perf_counter() - start:.1f} s", flush=True)
    brands = work / "brands.toml"
    brands.write_text(BRAND_FILE, encoding="utf-8")
    results = []
    for name, args in (
        ("json", ("--format", "json")),
        ("table", ("--format", "table")),
        ("html", ("--format", "html")),
        ("json --brands", ("--format", "json", "--brands", str(brands))),
    ):
        seconds = time_report(url, work / f"report-{label}-{name.split()[0]}.out", *args)
        results.append((label, name, seconds))
        print(f"{label}: report --format {name}: {seconds:.2f} s", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=100_000)
    parser.add_argument("--prompts", type=int, default=1_000)
    parser.add_argument("--pg", default=PG_URL, help="PostgreSQL server (a scratch schema is created and dropped)")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--keep", type=Path, help="Keep the SQLite store and the reports in this folder")
    args = parser.parse_args()
    results: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        sqlite = work / "bench-report.db"
        sqlite.unlink(missing_ok=True)
        results += bench("sqlite", f"sqlite:///{sqlite}", work, args.captures, args.prompts)
        if not args.skip_pg:
            with pg_schema(args.pg) as url:
                results += bench("postgresql", url, work, args.captures, args.prompts)
    print(f"\n{'back end':<12} {'report':<16} {'seconds':>8}  goal < {GOAL_S:.0f} s")
    for label, name, seconds in results:
        print(f"{label:<12} {name:<16} {seconds:>8.2f}  {'ok' if seconds < GOAL_S else 'SLOW'}")
    return 0 if all(seconds < GOAL_S for _, name, seconds in results if "brands" not in name) else 1


if __name__ == "__main__":
    sys.exit(main())
