"""`citewatch report`: citations, repeatability and brands per prompt × engine, rolled up per engine."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.table import Table

from citewatch.analysis.brands import load_brands
from citewatch.analysis.html_report import render_html
from citewatch.analysis.report import BrandRow, ItemRow, Options, Report, Section, build_report, gc_paused
from citewatch.cli._options import DbOpt, EngineOpt, open_store
from citewatch.cli._render import console
from citewatch.errors import ConfigError
from citewatch.storage.export import replaced_on_success, spreadsheet_safe
from citewatch.storage.queries import RunFilter

DETAIL_GROUPS = 20  # above this many prompt × engine groups the table shows one line per group
GROUP_LINES = 200  # and above this many, only the first ones (CSV and JSON have them all)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


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
    since: Annotated[str | None, typer.Option(help="Window: captures since 7d, 12h or an ISO date.")] = None,
    brands_file: Annotated[
        Path | None,
        typer.Option(
            "--brands", help="Brand file (TOML): mention rate, share of voice, rank, bands, cited × mentioned."
        ),
    ] = None,
    output_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.table,
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
    db: DbOpt = None,
) -> None:
    """Per prompt × engine and per engine: citation rates (95% Wilson CI), citation share, retrieved vs cited,
    repeatability (Jaccard, change rate, persistence, repeat probability, rank stability), SERP overlap, runs
    needed; with --brands: mention rate, share of voice (both variants), rank, bands, cited × mentioned."""
    brand_set = load_brands(brands_file) if brands_file else None
    where = RunFilter(engine=engine, prompt=prompt, since=parse_since(since), campaign=campaign)
    options = Options(
        resamples=bootstrap,
        margin=margin,
        top=top or None,
        geo=geo,
        heatmaps=output_format is ReportFormat.html,
        workers=workers,
    )
    with gc_paused():
        with open_store(db) as store:
            result = build_report(store, where, brand_set, options)
        if output is None:
            _write(result, output_format, typer.get_text_stream("stdout"), to_terminal=True, raw_csv=raw_csv)
            return
        try:
            with replaced_on_success(output) as path, path.open("w", encoding="utf-8", newline="") as stream:
                _write(result, output_format, stream, to_terminal=False, raw_csv=raw_csv)
        except OSError as exc:
            raise ConfigError(f"cannot write {output}: {exc.strerror}") from exc
    typer.echo(
        f"{output_format.value} report of {sum(g.runs for g in result.groups)} runs written to {output}", err=True
    )


def _write(
    result: Report, output_format: ReportFormat, stream: TextIO, *, to_terminal: bool, raw_csv: bool = False
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
        # a file gets plain text at a width wide enough for the tables; a terminal gets the shared console
        print_tables(
            result, console if to_terminal else Console(file=stream, highlight=False, width=200, no_color=True)
        )


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


def _summary_table(title: str, sections: list[Section]) -> Table:
    table = Table(title=title, title_justify="left")
    columns = (
        "engine",
        "prompt(s)",
        "runs",
        "domains",
        "pairwise J",
        "consec. J",
        "change rate",
        "persist. (d)",
        "same set",
        "RBO",
        "cited/retrieved",
        "SERP top 10",
        f"runs for ±{sections[0].margin:.0%}" if sections else "runs needed",
    )
    for column in columns:
        table.add_column(column, overflow="fold")
    for s in sections:
        rep = s.domain_repeatability
        table.add_row(
            s.engine,
            s.prompt if s.prompt is not None else str(s.prompts),
            str(s.runs),
            str(s.domains_cited),
            _num(rep.mean_pairwise_jaccard if rep else None),
            _num(rep.consecutive_jaccard if rep else None),
            _pct(rep.change_rate if rep else None),
            _num(rep.persistence_days if rep else None, 1),
            _pct(rep.exact_repeat_set if rep else None),
            _num(rep.rank_rbo if rep else None),
            _pct(s.retrieved_vs_cited.value) if s.retrieved_vs_cited else "—",
            _pct(s.serp_overlap.value) if s.serp_overlap else "—",
            _needed(s),
        )
    return table


def _items_table(title: str, rows: list[ItemRow], top: int | None) -> Table:
    table = Table(title=title, title_justify="left")
    retrieval = any(r.retrieved is not None for r in rows)
    geo = any(r.pawc is not None for r in rows)
    bootstrap = any(r.share_ci95 is not None for r in rows)
    for column in (
        "cited",
        "runs citing (95% CI)",
        "citation share",
        *(["share 95% CI"] if bootstrap else []),
        *(["PAWC"] if geo else []),
        *(["retrieved", "cited when retrieved"] if retrieval else []),
    ):
        table.add_column(column, overflow="fold")
    for r in rows[:top]:
        cells = [r.item, _rate(r.rate.k, r.rate.n, r.rate.low, r.rate.high), f"{r.citation_share:.1%}"]
        if bootstrap:
            cells.append("—" if r.share_ci95 is None else f"{r.share_ci95[0]:.1%}–{r.share_ci95[1]:.1%}")
        if geo:
            cells.append(_num(r.pawc))
        if retrieval and r.retrieved is not None and r.cited_given_retrieved is not None:
            cited = r.cited_given_retrieved
            cells += [f"{r.retrieved.k}/{r.retrieved.n}", _rate(cited.k, cited.n, cited.low, cited.high)]
        table.add_row(*cells)
    return table


def _ci(interval: tuple[float, float] | None) -> str:
    return "" if interval is None else f" ({interval[0]:.0%}–{interval[1]:.0%})"


def _brands_table(title: str, rows: list[BrandRow]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in (
        "brand",
        "mention rate (95% CI)",
        "SoV by mentions",
        "SoV by answers",
        "avg rank",
        "rank histogram",
        "first mention top/mid/bottom/absent",
        "cited+mentioned / cited only / mentioned only / invisible",
    ):
        table.add_column(column, overflow="fold")
    for b in rows:
        rate = b.mention_rate
        table.add_row(
            f"{b.brand}{' (ours)' if b.ours else ''}",
            _rate(rate.k, rate.n, rate.low, rate.high),
            f"{b.sov_mentions:.0%}{_ci(b.sov_mentions_ci95)}",
            f"{b.sov_answers:.0%}{_ci(b.sov_answers_ci95)}",
            _num(b.average_rank, 1),
            " ".join(f"{rank}:{count}" for rank, count in b.rank_histogram.items()),
            "/".join(str(v) for v in b.position_bands.values()),
            "/".join(str(v) for v in b.cited_mentioned.values()),
        )
    return table


def print_tables(result: Report, console: Console) -> None:
    """Engine roll-ups first; then each prompt × engine in detail, or one line each when there are many."""
    if not result.groups:
        console.print("no answered captures match")
        return
    top = result.top
    console.print(_summary_table("Per engine (rates pooled over prompts, repeatability averaged)", result.engines))
    for s in result.engines:
        console.print(_items_table(f"{s.engine} · most cited domains · {s.runs} runs", s.domains, top))
        if s.brands:
            console.print(_brands_table(f"{s.engine} · brands · {s.runs} runs", s.brands))
    console.print(_summary_table("Per prompt × engine", result.groups[:GROUP_LINES]))
    if len(result.groups) > DETAIL_GROUPS:
        shown = f"the first {GROUP_LINES} shown; " if len(result.groups) > GROUP_LINES else ""
        console.print(
            f"{len(result.groups)} prompt × engine groups ({shown}all in --format csv or json): "
            "narrow with --prompt, --engine or --since for details"
        )
        return
    for s in result.groups:
        head = f"{s.engine} · {s.prompt} · {s.runs} runs"
        console.print(_items_table(f"{head} · domains", s.domains, top))
        console.print(_items_table(f"{head} · URLs", s.urls, top))
        if s.brands:
            console.print(_brands_table(f"{head} · brands", s.brands))


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
    """One row per section summary, per domain, URL and brand: engine roll-ups first, then every group."""
    for s in result.engines:
        yield from _section_rows("engine", s, result.top)
    for s in result.groups:
        yield from _section_rows("group", s, result.top)


def csv_text(result: Report) -> str:
    buffer = io.StringIO()
    _write(result, ReportFormat.csv, buffer, to_terminal=False)
    return buffer.getvalue()
