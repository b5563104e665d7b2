"""`citewatch report`: how stable each engine's citations are, per prompt, with intervals."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from citewatch.analysis import metrics
from citewatch.analysis.report import stability
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
    output_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.table,
    db: DbOpt = None,
) -> None:
    """Per engine and prompt: runs, mean pairwise Jaccard of cited domains, change rate, citation rates (95% CI)."""
    with open_store(db) as store:
        groups = list(stability(store, engine=engine, prompt=prompt, since=parse_since(since)))
    if output_format is ReportFormat.json:
        typer.echo(json.dumps([g.summary() for g in groups], indent=2, ensure_ascii=False))
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
