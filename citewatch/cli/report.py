"""`citewatch report`: how stable each engine's citations are, per prompt, with intervals."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from citewatch.analysis import metrics
from citewatch.analysis.brands import load_brands
from citewatch.analysis.report import BrandRow, brand_visibility, stability
from citewatch.cli._options import DbOpt, EngineOpt, open_store
from citewatch.cli._render import console
from citewatch.errors import ConfigError

CSV_COLUMNS = (
    "engine",
    "prompt",
    "runs",
    "mean_pairwise_jaccard",
    "change_rate",
    "domain",
    "runs_citing",
    "rate",
    "ci95_low",
    "ci95_high",
)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """`7d`, `12h` or an ISO date/time."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    units = {"d": "days", "h": "hours"}
    if value[-1:] in units and value[:-1].isdigit():
        return now - timedelta(**{units[value[-1]]: int(value[:-1])})
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"--since takes 7d, 12h or an ISO date, not {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def report(
    engine: EngineOpt = None,
    prompt: Annotated[str | None, typer.Option(help="Only this prompt (exact text).")] = None,
    since: Annotated[str | None, typer.Option(help="Only captures since: 7d, 12h or an ISO date.")] = None,
    top: Annotated[int, typer.Option(min=1, help="Domains shown per prompt in the table.")] = 10,
    brands_file: Annotated[
        Path | None,
        typer.Option("--brands", help="Brand file (TOML): add mention rate, share of voice and rank per brand."),
    ] = None,
    output_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.table,
    db: DbOpt = None,
) -> None:
    """Per engine and prompt: runs, mean pairwise Jaccard of cited domains, change rate, citation rates (95% CI)."""
    brand_set = load_brands(brands_file) if brands_file else None
    start = parse_since(since)
    with open_store(db) as store:
        groups = list(stability(store, engine=engine, prompt=prompt, since=start))
        visibility = (
            [
                row
                for v in brand_visibility(store, brand_set, engine=engine, prompt=prompt, since=start)
                for row in v.rows(brand_set)
            ]
            if brand_set
            else []
        )
    if output_format is ReportFormat.json:
        payload = {"stability": [g.summary() for g in groups], "brands": [row.as_json() for row in visibility]}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if output_format is ReportFormat.csv and visibility:  # with --brands, the CSV is one row per brand
        brand_writer = csv.DictWriter(sys.stdout, fieldnames=list(visibility[0].as_json()))
        brand_writer.writeheader()
        brand_writer.writerows(row.as_json() for row in visibility)
        return
    if output_format is ReportFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(CSV_COLUMNS)
        for g in groups:
            jaccard, change = metrics.mean_pairwise_jaccard(g.runs), metrics.change_rate(g.runs)
            for d in g.domains():
                rate = d.rate
                writer.writerow(
                    [
                        g.engine,
                        g.prompt,
                        g.n,
                        f"{jaccard:.4f}",
                        f"{change:.4f}",
                        d.domain,
                        rate.k,
                        f"{rate.value:.4f}",
                        f"{rate.low:.4f}",
                        f"{rate.high:.4f}",
                    ]
                )
        return
    if not groups:
        console.print("no answered captures match")
        return
    for g in groups:
        title = (
            f"{g.engine} · {g.prompt} · {g.n} runs · mean pairwise Jaccard {metrics.mean_pairwise_jaccard(g.runs):.2f}"
            f" · change rate {metrics.change_rate(g.runs):.2f}"
        )
        table = Table(title=title, title_justify="left")
        for column in ("domain", "runs", "rate", "95% CI"):
            table.add_column(column)
        for d in g.domains()[:top]:
            table.add_row(d.domain, f"{d.rate.k}/{g.n}", f"{d.rate.value:.0%}", f"{d.rate.low:.0%}–{d.rate.high:.0%}")
        console.print(table)
    if visibility:
        _print_brands(visibility)


def _print_brands(rows: list[BrandRow]) -> None:
    """One table per engine and prompt; mentions in an absence context are left out."""
    groups: dict[tuple[str, str], list[BrandRow]] = {}
    for row in rows:
        groups.setdefault((row.engine, row.prompt), []).append(row)
    for (engine, prompt), group in groups.items():
        table = Table(title=f"Brands · {engine} · {prompt} · {group[0].runs} runs", title_justify="left")
        for column in ("brand", "mention rate (95% CI)", "SoV mentions", "SoV answers", "avg rank"):
            table.add_column(column)
        for row in group:
            rate = row.mention_rate
            table.add_row(
                f"{row.brand}{' (ours)' if row.ours else ''}",
                f"{rate.value:.0%} ({rate.low:.0%}–{rate.high:.0%})",
                f"{row.sov_mentions:.0%}",
                f"{row.sov_answers:.0%}",
                "—" if row.average_rank is None else f"{row.average_rank:.1f}",
            )
        console.print(table)
