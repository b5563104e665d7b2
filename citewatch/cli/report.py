"""`citewatch report`: citations, repeatability and brands per prompt × engine, rolled up per engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console

from citewatch.analysis.brands import brands_from_table, load_brands
from citewatch.analysis.report import (
    Options,
    Report,
    build_report,
    gc_paused,
)
from citewatch.analysis.report.render_csv import write_csv, write_csv_splits
from citewatch.analysis.report.render_html import render_html
from citewatch.analysis.report.render_json import write_json, write_json_splits
from citewatch.analysis.report.render_table import print_tables
from citewatch.cli._options import DbOpt, EngineOpt, check_filters, format_for, open_store
from citewatch.cli._render import console
from citewatch.engines import unknown_choice
from citewatch.errors import ConfigError
from citewatch.storage import Store
from citewatch.storage.context import RunContext, campaign_brands, run_contexts, scope, split_values, stored_locales
from citewatch.storage.db import safe_url
from citewatch.storage.export import replaced_on_success, spreadsheet_safe
from citewatch.storage.queries import RunFilter


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


SUFFIXES = {
    ".json": ReportFormat.json,
    ".csv": ReportFormat.csv,
    ".html": ReportFormat.html,
    ".htm": ReportFormat.html,
    ".txt": ReportFormat.table,
}


class SplitBy(StrEnum):
    campaign = "campaign"
    country = "country"
    locale = "locale"
    tag = "tag"


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """`7d`, `12h` or an ISO date/time."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    units = {"d": "days", "h": "hours"}
    if value[-1:] in units and value[:-1].isdigit():
        try:
            return now - timedelta(**{units[value[-1]]: int(value[:-1])})
        except OverflowError as exc:  # further back than datetime reaches (year 1)
            raise ConfigError(f"--since {value} reaches back before year 1") from exc
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"--since takes 7d, 12h or an ISO date, not {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def report(
    campaign: Annotated[str | None, typer.Option(help="Only captures of this campaign (its name).")] = None,
    prompt: Annotated[str | None, typer.Option(help="Only this prompt (exact text).")] = None,
    engine: EngineOpt = None,
    tag: Annotated[str | None, typer.Option(help="Only prompts with this tag in their campaign file.")] = None,
    country: Annotated[
        str | None, typer.Option(help="Only this country (a campaign locale's `country`, or capture --country).")
    ] = None,
    locale: Annotated[
        str | None, typer.Option(help="Only this locale: a browser locale (de-DE) or a campaign locale's name.")
    ] = None,
    by: Annotated[
        SplitBy | None, typer.Option("--by", help="One report per campaign, country, locale or tag, one after another.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Window: captures since 7d, 12h or an ISO date.")] = None,
    brands_file: Annotated[
        Path | None,
        typer.Option(
            "--brands",
            help="Brand file (TOML): mention rate, share of voice, rank, bands, cited × mentioned "
            "(default with --campaign: the campaign's own brands).",
        ),
    ] = None,
    output_format: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: from the -o suffix, else table).", show_default=False
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")] = None,
    top: Annotated[int, typer.Option(min=0, help="Domains and URLs per section (0: all).")] = 10,
    bootstrap: Annotated[
        int,
        typer.Option(
            min=0,
            help="Bootstrap resamples for share-of-voice and citation-share intervals (e.g. 2000; 0: none). "
            "Costs resamples × runs.",
        ),
    ] = 0,
    geo: Annotated[
        bool, typer.Option("--geo", help="GEO position-adjusted word count per cited source (reads every answer).")
    ] = False,
    margin: Annotated[
        float, typer.Option(min=0.01, max=0.5, help="Runs-needed hint: the ± half-width wanted for rates.")
    ] = 0.10,
    raw_csv: Annotated[
        bool,
        typer.Option(
            "--raw-csv", help="CSV cells exactly as stored: no ' before cells a spreadsheet would run as formulas."
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Processes building engines side by side on large reports (default: one per core; Linux)."
        ),
    ] = None,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            help="Table: every column (consecutive Jaccard, persistence, RBO, retrieval, SERP, brand details).",
        ),
    ] = False,
    db: DbOpt = None,
) -> None:
    """Per prompt × engine and per engine: citation rates (95% Wilson CI), citation share, retrieved vs cited,
    repeatability (Jaccard, change rate, persistence, repeat probability, rank stability), SERP overlap, runs
    needed; with --brands: mention rate, share of voice (both variants), rank, bands, cited × mentioned."""
    output_format = format_for(output, output_format, SUFFIXES, ReportFormat.table)
    if by is not None and output_format is ReportFormat.html:
        raise ConfigError("--by writes several reports: use --format table, json or csv (or one HTML per filter)")
    brand_set = load_brands(brands_file) if brands_file else None
    options = Options(
        resamples=bootstrap,
        margin=margin,
        top=top or None,
        geo=geo,
        heatmaps=output_format is ReportFormat.html,
        workers=workers,
    )
    since_at = parse_since(since)  # a bad --since is the user's to fix before any store is looked at
    with gc_paused():
        with open_store(db) as store:
            check_filters(store, campaign=campaign, prompt=prompt, engine=engine)
            contexts = run_contexts(store)
            for what, value in (("tag", tag), ("country", country), ("locale", locale)):
                known = split_values(contexts, what, stored_locales(store, contexts) if what == "locale" else ())
                fold = str.casefold if what == "country" else str  # country codes in any case; tags as written
                if value is not None and fold(value) not in {fold(k) for k in known}:
                    raise ConfigError(f"{unknown_choice(what, value, known)} in {safe_url(store.url)}")
            if brand_set is None and campaign is not None and (table := campaign_brands(store, campaign)):
                brand_set = brands_from_table(table, origin=f"campaign {campaign}'s brands")
                typer.echo(f"brands: campaign {campaign}'s own ({len(brand_set.brand)} brands)", err=True)
            where = RunFilter(
                engine=engine,
                prompt=prompt,
                since=since_at,
                campaign=campaign,
                tag=tag,
                country=country,
                locale=locale,
                scope=scope(contexts, tag=tag, country=country, locale=locale),
            )
            results: list[tuple[str | None, Report]] = []
            if by is None:
                results.append((None, build_report(store, where, brand_set, options)))
            for value in _split_values(store, contexts, by):
                narrowed = _narrowed(where, contexts, by, value) if by is not None else where
                results.append((value, build_report(store, narrowed, brand_set, options)))
        if output is None:
            _write_all(
                results,
                by,
                output_format,
                typer.get_text_stream("stdout"),
                to_terminal=True,
                wide=wide,
                raw_csv=raw_csv,
            )
            return
        try:
            with replaced_on_success(output) as path, path.open("w", encoding="utf-8", newline="") as stream:
                _write_all(results, by, output_format, stream, to_terminal=False, wide=wide, raw_csv=raw_csv)
        except OSError as exc:
            raise ConfigError(f"cannot write {output}: {exc.strerror}") from exc
    runs = sum(g.runs for _, result in results for g in result.groups)
    typer.echo(f"{output_format.value} report of {runs} runs written to {output}", err=True)


def _narrowed(where: RunFilter, contexts: dict[int, RunContext], by: SplitBy, value: str) -> RunFilter:
    """`where` with one more filter: the split's value."""
    if by is SplitBy.campaign:
        return replace(where, campaign=value)
    tag = value if by is SplitBy.tag else where.tag
    country = value if by is SplitBy.country else where.country
    locale = value if by is SplitBy.locale else where.locale
    found = scope(contexts, tag=tag, country=country, locale=locale)
    return replace(where, tag=tag, country=country, locale=locale, scope=found)


def _split_values(store: Store, contexts: dict[int, RunContext], by: SplitBy | None) -> list[str]:
    if by is None:
        return []
    if by is SplitBy.campaign:
        return sorted({c.campaign for c in contexts.values() if c.campaign})
    return split_values(contexts, by.value, stored_locales(store, contexts) if by is SplitBy.locale else ())


def _write_all(
    results: list[tuple[str | None, Report]],
    by: SplitBy | None,
    output_format: ReportFormat,
    stream: TextIO,
    *,
    to_terminal: bool,
    wide: bool = False,
    raw_csv: bool = False,
) -> None:
    """One report as it always was; split reports one after another, each named by its value."""
    if by is None:
        _write(results[0][1], output_format, stream, to_terminal=to_terminal, wide=wide, raw_csv=raw_csv)
    elif output_format is ReportFormat.json:
        write_json_splits(by.value, results, stream)
    elif output_format is ReportFormat.csv:
        write_csv_splits(by.value, results, stream)
    else:
        out = table_console(stream, to_terminal=to_terminal)
        for value, result in results:
            out.rule(f"{by.value} = {value}", align="left")
            print_tables(result, out, wide=wide)


def _write(
    result: Report,
    output_format: ReportFormat,
    stream: TextIO,
    *,
    to_terminal: bool,
    wide: bool = False,
    raw_csv: bool = False,
) -> None:
    if output_format is ReportFormat.json:
        write_json(result, stream)
    elif output_format is ReportFormat.csv:
        write_csv(result, stream, cell=None if raw_csv else spreadsheet_safe)
    elif output_format is ReportFormat.html:
        stream.write(render_html(result))
    else:
        print_tables(result, table_console(stream, to_terminal=to_terminal), wide=wide)


# ------------------------------------------------------------------------------------------------ tables


def table_console(stream: TextIO, *, to_terminal: bool) -> Console:
    """Where the tables go: the shared console on a terminal (its width, colours); anything else (a pipe, a
    file) gets plain text wide enough that no line is wrapped, for grep, cut and spreadsheets."""
    if to_terminal and console.is_terminal:
        return console
    return Console(file=stream, highlight=False, width=PLAIN_WIDTH, no_color=True, color_system=None)


PLAIN_WIDTH = 400  # plain output is never wrapped: its lines are as long as their cells need
