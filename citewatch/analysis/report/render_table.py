"""The report as text tables (rich): engine roll-ups, then each prompt × engine, fitted to the console's width;
plain (no box drawing, aligned with spaces) off a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

from citewatch.analysis.report.cells import decimals, percent
from citewatch.analysis.report.results import BrandRow, ItemRow, Repeatability, Report, Section

DETAIL_GROUPS = 20  # above this many prompt × engine groups the table shows one line per group

GROUP_LINES = 200  # and above this many, only the first ones (CSV and JSON have them all)


def _rate(k: int, n: int, low: float, high: float) -> str:
    return f"{k}/{n} {k / n if n else 0:.0%} ({low:.0%}–{high:.0%})"


def _needed(section: Section) -> str:
    if section.runs_needed is None:
        return "—"
    mark = "" if section.enough else " ⚠"
    return f"{section.runs_needed}{mark}"


Kind = Literal["name", "text", "value"]


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
    _Column("pairwise J", lambda s: decimals(r.mean_pairwise_jaccard if (r := _rep(s)) else None)),
    _Column("consec. J", lambda s: decimals(r.consecutive_jaccard if (r := _rep(s)) else None), wide=True),
    _Column("change", lambda s: percent(r.change_rate if (r := _rep(s)) else None)),
    _Column("persist. (d)", lambda s: decimals(r.persistence_days if (r := _rep(s)) else None, 1), wide=True),
    _Column("same set", lambda s: percent(r.exact_repeat_set if (r := _rep(s)) else None), wide=True),
    _Column("RBO", lambda s: decimals(r.rank_rbo if (r := _rep(s)) else None), wide=True),
    _Column(
        "cited of retrieved", lambda s: percent(s.retrieved_vs_cited.value) if s.retrieved_vs_cited else "—", wide=True
    ),
    _Column("SERP top 10", lambda s: percent(s.serp_overlap.value) if s.serp_overlap else "—", wide=True),
    _Column("runs needed", _needed),
)


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
            row.append(decimals(r.pawc))
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
            f"{percent(b.sov_mentions)}{_ci(b.sov_mentions_ci95)}",
            f"{percent(b.sov_answers)}{_ci(b.sov_answers_ci95)}",
            decimals(b.average_rank, 1),
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
