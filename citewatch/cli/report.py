"""`citewatch report`: citations, repeatability and brands per prompt × engine, rolled up per engine."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, TextIO

import typer
from rich.console import Console
from rich.table import Table

from citewatch.analysis.brands import brands_from_table, load_brands
from citewatch.analysis.html_report import render_html
from citewatch.analysis.report import (
    BrandRow,
    ItemRow,
    Options,
    Repeatability,
    Report,
    Section,
    build_report,
    gc_paused,
)
from citewatch.cli._options import DbOpt, EngineOpt, check_filters, format_for, open_store
from citewatch.cli._render import console
from citewatch.engines import unknown_choice
from citewatch.errors import ConfigError
from citewatch.storage import Store
from citewatch.storage.context import RunContext, campaign_brands, run_contexts, scope, split_values, stored_locales
from citewatch.storage.db import safe_url
from citewatch.storage.export import replaced_on_success, spreadsheet_safe
from citewatch.storage.queries import RunFilter

DETAIL_GROUPS = 20  # above this many prompt × engine groups the table shows one line per group
GROUP_LINES = 200  # and above this many, only the first ones (CSV and JSON have them all)


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
        splits = [{"value": value, **result.as_json()} for value, result in results]
        stream.write(json.dumps({"by": by.value, "splits": splits}, ensure_ascii=False))
        stream.write("\n")
    elif output_format is ReportFormat.csv:
        writer = csv.DictWriter(stream, fieldnames=(by.value, *CSV_COLUMNS), extrasaction="raise")
        writer.writeheader()
        for value, result in results:
            writer.writerows({by.value: value, **row} for row in csv_rows(result))
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
        # `json.dump` streams through the pure-Python encoder; `dumps` encodes in C, several times faster.
        stream.write(json.dumps(result.as_json(), ensure_ascii=False))
        stream.write("\n")
    elif output_format is ReportFormat.csv:
        writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, extrasaction="raise")
        writer.writeheader()
        rows = csv_rows(result)
        writer.writerows(rows if raw_csv else ({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows))
    elif output_format is ReportFormat.html:
        stream.write(render_html(result))
    else:
        print_tables(result, table_console(stream, to_terminal=to_terminal), wide=wide)


# ------------------------------------------------------------------------------------------------ tables


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _rate(k: int, n: int, low: float, high: float) -> str:
    return f"{k}/{n} {k / n if n else 0:.0%} ({low:.0%}–{high:.0%})"


def _needed(section: Section) -> str:
    if section.runs_needed is None:
        return "—"
    mark = "" if section.enough else " ⚠"
    return f"{section.runs_needed}{mark}"


def table_console(stream: TextIO, *, to_terminal: bool) -> Console:
    """Where the tables go: the shared console on a terminal (its width, colours); anything else (a pipe, a
    file) gets plain text wide enough that no line is wrapped, for grep, cut and spreadsheets."""
    if to_terminal and console.is_terminal:
        return console
    return Console(file=stream, highlight=False, width=PLAIN_WIDTH, no_color=True, color_system=None)


PLAIN_WIDTH = 400  # plain output is never wrapped: its lines are as long as their cells need


@dataclass(frozen=True, slots=True)
class _Column:
    header: str  # at most two short words: a header never takes more than two lines
    cell: Callable[[Section], str]
    wide: bool = False  # shown with --wide only


def _rep(section: Section) -> Repeatability | None:
    return section.domain_repeatability


_SUMMARY_COLUMNS = (
    _Column("runs", lambda s: str(s.runs)),
    _Column("domains", lambda s: str(s.domains_cited)),
    _Column("pairwise J", lambda s: _num(r.mean_pairwise_jaccard if (r := _rep(s)) else None)),
    _Column("consec. J", lambda s: _num(r.consecutive_jaccard if (r := _rep(s)) else None), wide=True),
    _Column("change", lambda s: _pct(r.change_rate if (r := _rep(s)) else None)),
    _Column("persist. (d)", lambda s: _num(r.persistence_days if (r := _rep(s)) else None, 1), wide=True),
    _Column("same set", lambda s: _pct(r.exact_repeat_set if (r := _rep(s)) else None), wide=True),
    _Column("RBO", lambda s: _num(r.rank_rbo if (r := _rep(s)) else None), wide=True),
    _Column(
        "cited of retrieved", lambda s: _pct(s.retrieved_vs_cited.value) if s.retrieved_vs_cited else "—", wide=True
    ),
    _Column("SERP top 10", lambda s: _pct(s.serp_overlap.value) if s.serp_overlap else "—", wide=True),
    _Column("runs needed", _needed),
)


Kind = Literal["name", "text", "value"]


def _fitted_tables(
    title: str,
    columns: Sequence[tuple[str, Kind]],
    rows: Sequence[Sequence[str]],
    *,
    keys: int,
    plain: bool,
    width: int,
) -> list[Table]:
    """Tables that fit `width` columns, headers wrapped between words only, cells never broken inside a word.

    Columns are (header, kind); the first `keys` (engine, prompt, domain …) start every table, and the others
    go into as many tables as the width needs, in order. A "name" (engine, domain, brand) and a "value" (a
    number, a rate with its interval) get a fixed width: their longest cell, and their whole header when the
    headers of their table fit on one line, else their header's longest word (the header then wraps at
    spaces). "text" (a prompt, a URL) takes the width left and wraps between words (a URL folds). `plain`: no
    box drawing, columns aligned with spaces (for pipes and files).
    """
    cells = [max((len(row[i]) for row in rows), default=0) for i in range(len(columns))]
    whole = [max(len(header), cell) for (header, _), cell in zip(columns, cells, strict=True)]
    least = [max([*map(len, header.split()), cell]) for (header, _), cell in zip(columns, cells, strict=True)]
    for i, (_, kind) in enumerate(columns):
        if kind == "text":
            whole[i] = least[i] = TEXT_MIN
    parts: list[list[int]] = []
    used = sum(least[:keys]) + 3 * keys + 1  # a space each side of a cell and a rule between cells
    for i in range(keys, len(columns)):
        if not parts or (len(parts[-1]) > keys and used + least[i] + 3 > width):
            parts.append(list(range(keys)))
            used = sum(least[:keys]) + 3 * keys + 1
        parts[-1].append(i)
        used += least[i] + 3
    tables = []
    for number, part in enumerate(parts or [list(range(keys))]):
        fits = sum(whole[i] + 3 for i in part) + 1 <= width
        table = Table(title=title if not number else f"{title} (continued)", title_justify="left")
        if plain:
            table = Table(title=table.title, title_justify="left", box=None, pad_edge=False, title_style="")
            table.header_style = ""
        for i in part:
            header, kind = columns[i]
            if kind == "text":
                table.add_column(header, ratio=1, min_width=TEXT_MIN, overflow="fold")
            else:
                justify: Literal["left", "right"] = "left" if kind == "name" else "right"
                table.add_column(header, justify=justify, width=whole[i] if fits else least[i], overflow="fold")
        for row in rows:
            table.add_row(*(row[i] for i in part))
        tables.append(table)
    return tables


TEXT_MIN = 10  # a prompt column narrower than this is a column of single words


def _summary_tables(title: str, sections: list[Section], *, wide: bool, plain: bool, width: int) -> list[Table]:
    """The summary in the columns that fit 80 columns; with `wide`, the rest in more tables (every column
    side by side takes about 140), each keyed by engine and prompt again."""
    groups = any(s.prompt is not None for s in sections)
    key: list[tuple[str, Kind]] = [("engine", "name"), ("prompt", "text") if groups else ("prompts", "value")]
    keys = [[s.engine, s.prompt if s.prompt is not None else str(s.prompts)] for s in sections]
    parts = [(title, [c for c in _SUMMARY_COLUMNS if not c.wide])]
    if wide:
        parts.append((f"{title} · more (--wide)", [c for c in _SUMMARY_COLUMNS if c.wide]))
    tables = []
    for part, columns in parts:
        rows = [[*k, *(c.cell(s) for c in columns)] for k, s in zip(keys, sections, strict=True)]
        headers: list[tuple[str, Kind]] = [*key, *((c.header, "value") for c in columns)]
        tables += _fitted_tables(part, headers, rows, keys=2, plain=plain, width=width)
    return tables


def _items_tables(title: str, rows: list[ItemRow], top: int | None, *, plain: bool, width: int) -> list[Table]:
    retrieval = any(r.retrieved is not None for r in rows)
    geo = any(r.pawc is not None for r in rows)
    bootstrap = any(r.share_ci95 is not None for r in rows)
    shown = rows[:top]
    urls = any("/" in r.item for r in shown)  # a URL may be longer than the terminal: it folds
    columns: list[tuple[str, Kind]] = [("cited", "text" if urls else "name")]
    columns += [("runs citing (95% CI)", "value"), ("citation share", "value")]
    columns += [("share 95% CI", "value")] if bootstrap else []
    columns += [("PAWC", "value")] if geo else []
    columns += [("retrieved", "value"), ("cited when retrieved", "value")] if retrieval else []
    cells = []
    for r in shown:
        row = [r.item, _rate(r.rate.k, r.rate.n, r.rate.low, r.rate.high), f"{r.citation_share:.1%}"]
        if bootstrap:
            row.append("—" if r.share_ci95 is None else f"{r.share_ci95[0]:.1%}–{r.share_ci95[1]:.1%}")
        if geo:
            row.append(_num(r.pawc))
        if retrieval:
            retrieved, cited = r.retrieved, r.cited_given_retrieved
            row.append("—" if retrieved is None else f"{retrieved.k}/{retrieved.n}")
            row.append("—" if cited is None else _rate(cited.k, cited.n, cited.low, cited.high))
        cells.append(row)
    return _fitted_tables(title, columns, cells, keys=1, plain=plain, width=width)


def _ci(interval: tuple[float, float] | None) -> str:
    return "" if interval is None else f" ({interval[0]:.0%}–{interval[1]:.0%})"


def _brands_tables(title: str, rows: list[BrandRow], *, wide: bool, plain: bool, width: int) -> list[Table]:
    columns: list[tuple[str, Kind]] = [
        ("brand", "name"),
        ("mention rate (95% CI)", "value"),
        ("SoV mentions", "value"),
        ("SoV answers", "value"),
        ("avg rank", "value"),
    ]
    if wide:  # counts in the order their header names them
        columns += [
            ("rank histogram", "value"),
            ("first mention top/mid/bottom/absent", "value"),
            ("cited+mentioned / cited / mentioned / neither", "value"),
        ]
    cells = []
    for b in rows:
        rate = b.mention_rate
        row = [
            f"{b.brand}{' (ours)' if b.ours else ''}",
            _rate(rate.k, rate.n, rate.low, rate.high),
            f"{_pct(b.sov_mentions)}{_ci(b.sov_mentions_ci95)}",
            f"{_pct(b.sov_answers)}{_ci(b.sov_answers_ci95)}",
            _num(b.average_rank, 1),
        ]
        if wide:
            row += [
                " ".join(f"{rank}:{count}" for rank, count in b.rank_histogram.items()),
                "/".join(str(v) for v in b.position_bands.values()),
                "/".join(str(v) for v in b.cited_mentioned.values()),
            ]
        cells.append(row)
    return _fitted_tables(title, columns, cells, keys=1, plain=plain, width=width)


def print_tables(result: Report, console: Console, *, wide: bool = False) -> None:
    """The prompts where our brand is invisible first, then engine roll-ups; then each prompt × engine in
    detail, or one line each when there are many.

    By default the summaries keep the columns that fit a terminal of 80 columns; `wide` adds the rest
    (consecutive Jaccard, persistence, same set, RBO, cited/retrieved, SERP overlap, brand details) in a
    second table. Off a terminal the tables are plain: no box drawing, columns aligned with spaces."""
    if not result.groups:
        console.print("no answered captures match")
        return
    layout: dict[str, Any] = {"plain": not console.is_terminal, "width": console.width}
    invisible = result.invisible_prompts()
    if invisible:
        ours = next(b.brand for g in result.groups for b in g.brands or [] if b.ours)
        console.print(f"Prompts where {ours} is invisible (named by no engine): {len(invisible)}", markup=False)
        for prompt in invisible:
            console.print(f"  - {prompt}", markup=False, soft_wrap=True)
    top = result.top
    title = "Per engine (rates pooled over prompts, repeatability averaged)"
    console.print(*_summary_tables(title, result.engines, wide=wide, **layout))
    if not wide and not layout["plain"]:
        console.print("more columns: --wide; every value: --format json or csv", style="dim")
    for s in result.engines:
        console.print(*_items_tables(f"{s.engine} · most cited domains · {s.runs} runs", s.domains, top, **layout))
        if s.brands:
            console.print(*_brands_tables(f"{s.engine} · brands · {s.runs} runs", s.brands, wide=wide, **layout))
    console.print(*_summary_tables("Per prompt × engine", result.groups[:GROUP_LINES], wide=wide, **layout))
    if len(result.groups) > DETAIL_GROUPS:
        shown = f"the first {GROUP_LINES} shown; " if len(result.groups) > GROUP_LINES else ""
        console.print(
            f"{len(result.groups)} prompt × engine groups ({shown}all in --format csv or json): "
            "narrow with --prompt, --engine or --since for details"
        )
        return
    for s in result.groups:
        head = f"{s.engine} · {s.prompt} · {s.runs} runs"
        console.print(*_items_tables(f"{head} · domains", s.domains, top, **layout))
        console.print(*_items_tables(f"{head} · URLs", s.urls, top, **layout))
        if s.brands:
            console.print(*_brands_tables(f"{head} · brands", s.brands, wide=wide, **layout))


# --------------------------------------------------------------------------------------------------- CSV

CSV_COLUMNS = (
    "level",  # engine (a roll-up) or group (a prompt × engine)
    "engine",
    "prompt",
    "runs",
    "kind",  # summary, domain, url or brand
    "item",
    "k",
    "n",
    "rate",
    "ci95_low",
    "ci95_high",
    "citation_share",
    "citation_share_ci95_low",
    "citation_share_ci95_high",
    "pawc",
    "retrieved_runs",
    "cited_given_retrieved",
    "sov_mentions",
    "sov_mentions_ci95_low",
    "sov_mentions_ci95_high",
    "sov_answers",
    "sov_answers_ci95_low",
    "sov_answers_ci95_high",
    "average_rank",
    "position_weighted_visibility",
    "mean_pairwise_jaccard",
    "consecutive_jaccard",
    "consecutive_overlap",
    "change_rate",
    "persistence_days",
    "exact_repeat_set",
    "exact_repeat_ordered",
    "rank_rbo",
    "rank_tau",
    "retrieved_vs_cited",
    "serp_overlap",
    "runs_needed",
)


def _f(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _section_rows(level: str, s: Section, top: int | None) -> Iterator[dict[str, Any]]:
    base = {"level": level, "engine": s.engine, "prompt": s.prompt or "", "runs": s.runs}
    rep = s.domain_repeatability
    summary = {**base, "kind": "summary", "runs_needed": s.runs_needed or ""}
    if rep is not None:
        summary.update(
            mean_pairwise_jaccard=_f(rep.mean_pairwise_jaccard),
            consecutive_jaccard=_f(rep.consecutive_jaccard),
            consecutive_overlap=_f(rep.consecutive_overlap),
            change_rate=_f(rep.change_rate),
            persistence_days=_f(rep.persistence_days),
            exact_repeat_set=_f(rep.exact_repeat_set),
            exact_repeat_ordered=_f(rep.exact_repeat_ordered),
            rank_rbo=_f(rep.rank_rbo),
        )
    summary["retrieved_vs_cited"] = _f(s.retrieved_vs_cited.value) if s.retrieved_vs_cited else ""
    summary["serp_overlap"] = _f(s.serp_overlap.value) if s.serp_overlap else ""
    yield summary
    for kind, rows in (("domain", s.domains), ("url", s.urls)):
        for r in rows[:top]:
            yield {
                **base,
                "kind": kind,
                "item": r.item,
                "k": r.rate.k,
                "n": r.rate.n,
                "rate": _f(r.rate.value),
                "ci95_low": _f(r.rate.low),
                "ci95_high": _f(r.rate.high),
                "citation_share": _f(r.citation_share),
                "citation_share_ci95_low": _f(r.share_ci95[0]) if r.share_ci95 else "",
                "citation_share_ci95_high": _f(r.share_ci95[1]) if r.share_ci95 else "",
                "pawc": _f(r.pawc),
                "retrieved_runs": r.retrieved.k if r.retrieved else "",
                "cited_given_retrieved": _f(r.cited_given_retrieved.value) if r.cited_given_retrieved else "",
            }
    brand_rep = s.brand_repeatability
    for b in s.brands or []:
        rate = b.mention_rate
        yield {
            **base,
            "kind": "brand",
            "item": b.brand,
            "k": rate.k,
            "n": rate.n,
            "rate": _f(rate.value),
            "ci95_low": _f(rate.low),
            "ci95_high": _f(rate.high),
            "sov_mentions": _f(b.sov_mentions),
            "sov_mentions_ci95_low": _f(b.sov_mentions_ci95[0]) if b.sov_mentions_ci95 else "",
            "sov_mentions_ci95_high": _f(b.sov_mentions_ci95[1]) if b.sov_mentions_ci95 else "",
            "sov_answers": _f(b.sov_answers),
            "sov_answers_ci95_low": _f(b.sov_answers_ci95[0]) if b.sov_answers_ci95 else "",
            "sov_answers_ci95_high": _f(b.sov_answers_ci95[1]) if b.sov_answers_ci95 else "",
            "average_rank": _f(b.average_rank),
            "position_weighted_visibility": _f(b.position_weighted),
            # the brand list's repeatability, on every brand row of the section
            "mean_pairwise_jaccard": _f(brand_rep.mean_pairwise_jaccard) if brand_rep else "",
            "change_rate": _f(brand_rep.change_rate) if brand_rep else "",
            "exact_repeat_set": _f(brand_rep.exact_repeat_set) if brand_rep else "",
            "exact_repeat_ordered": _f(brand_rep.exact_repeat_ordered) if brand_rep else "",
            "rank_rbo": _f(brand_rep.rank_rbo) if brand_rep else "",
            "rank_tau": _f(brand_rep.rank_tau) if brand_rep else "",
        }


def csv_rows(result: Report) -> Iterator[dict[str, Any]]:
    """One row per prompt where our brand is invisible (kind `invisible`), then per section summary, domain, URL
    and brand: engine roll-ups first, then every group."""
    ours = next((b.brand for g in result.groups for b in g.brands or [] if b.ours), "")
    for prompt in result.invisible_prompts():
        yield {"level": "prompt", "prompt": prompt, "kind": "invisible", "item": ours}
    for s in result.engines:
        yield from _section_rows("engine", s, result.top)
    for s in result.groups:
        yield from _section_rows("group", s, result.top)


def csv_text(result: Report) -> str:
    buffer = io.StringIO()
    _write(result, ReportFormat.csv, buffer, to_terminal=False)
    return buffer.getvalue()
