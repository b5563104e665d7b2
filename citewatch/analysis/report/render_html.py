"""The report as one self-contained HTML file: inline CSS, charts drawn here as inline SVG, no script at all.

Everything a capture put into the report (prompts, domains, URLs, brand names) is text an engine or a web page
chose, so every value goes through `html.escape` on its way into markup, and a Content-Security-Policy meta
tag (`default-src 'none'`) tells the browser to run no script and fetch nothing, even if something slipped
through. The file opens offline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from citewatch.analysis.metrics import Proportion
from citewatch.analysis.report.cells import clip, decimals, esc, percent
from citewatch.analysis.report.html_charts import (
    answers_interval,
    citation_chart,
    day_label,
    heatmap_chart,
    legend,
    line_chart,
    share_of_voice_chart,
)
from citewatch.analysis.report.results import HEATMAP_ITEMS, Change, ItemRow, Report, Section

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
HEATMAPS = 6  # groups shown as heat maps: those with the most runs
GROUP_ROWS = 500  # rows of the per-group table before it says how many more there are
SUMMARY_DOMAINS = 5  # top domains per engine in the summary
PROMPT_SECTIONS = 100  # prompts with a section of their own (the index lists them all up to GROUP_ROWS)
CHANGED_DOMAINS = 6  # newly cited / no longer cited domains named per engine

CSS = """
:root { color-scheme: light; --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
h4 { font-size: 13px; margin: 4px 0 6px; }
.meta, .note { color: var(--muted); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 16px; }
.card.wide { grid-column: 1 / -1; display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-start; }
.card.wide > h3 { flex-basis: 100%; margin-bottom: 0; }
.card.wide > .table-wrap { flex: 1 1 520px; }
.card.wide > .table-wrap.full { flex-basis: 100%; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; font-size: 12px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { min-width: 10em; max-width: 360px; overflow-wrap: anywhere; }
td.key { white-space: nowrap; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: var(--ink); }
svg .muted { fill: var(--muted); }
svg .small { font-size: 11px; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; color: var(--muted); margin: 4px 0; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
.summary { display: grid; grid-template-columns: 1fr; gap: 16px; }
.pair { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.pair > .table-wrap { flex: 1 1 auto; }
.summary .card h3 { margin-top: 0; }
.figures { display: flex; flex-wrap: wrap; gap: 4px 20px; margin: 0 0 8px; }
.figure b { font-size: 18px; display: block; }
.figure span { color: var(--muted); font-size: 12px; }
.ci { color: var(--muted); white-space: nowrap; }
.index ol { columns: 2; column-gap: 32px; padding-left: 20px; }
.index li { break-inside: avoid; margin: 2px 0; }
.prompt { break-inside: avoid-page; }
.prompt h3 { font-size: 16px; }
a { color: #1d4ed8; }
.top { font-size: 12px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  .card, .table-wrap { break-inside: avoid; overflow: visible; border-color: #d1d5db; }
  .cards, .summary { display: block; }
  .cards > .card, .summary > .card { margin-bottom: 10px; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  table { font-size: 10px; }
  td.text { max-width: none; }
  .top { display: none; }
  a { color: inherit; text-decoration: none; }
}
"""


# ------------------------------------------------------------------------------------------------ tables


def _table(headers: Sequence[str], rows: Iterable[Sequence[tuple[str, str]]], wrap: str = "table-wrap") -> str:
    """Cells are (css class, already escaped html)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{v}</td>' for c, v in row) + "</tr>" for row in rows)
    return f'<div class="{wrap}"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _summary_rows(sections: Iterable[Section]) -> Iterable[Sequence[tuple[str, str]]]:
    for s in sections:
        rep = s.domain_repeatability
        enough = "" if s.enough in (None, True) else " ⚠"
        yield (
            ("key", esc(s.engine)),
            ("text", esc(s.prompt if s.prompt is not None else f"{s.prompts} prompts")),
            ("num", str(s.runs)),
            ("num", str(s.domains_cited)),
            ("num", decimals(rep.mean_pairwise_jaccard if rep else None)),
            ("num", percent(rep.change_rate if rep else None)),
            ("num", decimals(rep.persistence_days if rep else None, 1)),
            ("num", percent(rep.exact_repeat_set if rep else None)),
            ("num", decimals(rep.rank_rbo if rep else None)),
            ("num", percent(s.retrieved_vs_cited.value) if s.retrieved_vs_cited else "—"),
            ("num", percent(s.serp_overlap.value) if s.serp_overlap else "—"),
            ("num", f"{s.runs_needed or '—'}{enough}"),
        )


SUMMARY_HEADERS = (
    "engine",
    "prompt",
    "runs",
    "domains",
    "mean pairwise Jaccard",
    "change rate",
    "persistence (days)",
    "same set twice",
    "rank stability (RBO)",
    "cited / retrieved",
    "SERP top-10 overlap",
    "runs needed",
)


def _domain_rows(rows: Sequence[ItemRow], *, geo: bool) -> Iterable[Sequence[tuple[str, str]]]:
    for r in rows:
        share_ci = "" if r.share_ci95 is None else f" ({r.share_ci95[0]:.1%}–{r.share_ci95[1]:.1%})"
        yield (
            ("text", esc(r.item)),
            ("num", f"{r.rate.k}/{r.rate.n}"),
            ("num", f"{r.rate.value:.0%} ({r.rate.low:.0%}–{r.rate.high:.0%})"),
            ("num", f"{r.citation_share:.1%}{share_ci}"),
            *((("num", decimals(r.pawc)),) if geo else ()),
        )


def _brand_table(section: Section) -> str:
    rows = []
    for b in section.brands or []:
        rate = b.mention_rate
        rows.append(
            (
                ("text", esc(f"{b.brand}{' (ours)' if b.ours else ''}")),
                ("num", f"{rate.value:.0%} ({rate.low:.0%}–{rate.high:.0%}), n={rate.n}"),
                ("num", percent(b.sov_mentions)),
                ("num", percent(b.sov_answers)),
                ("num", decimals(b.average_rank, 1)),
                ("text", esc(" · ".join(f"{k}: {v}" for k, v in b.rank_histogram.items()))),
                ("text", esc(" · ".join(f"{k}: {v}" for k, v in b.position_bands.items()))),
                ("text", esc(" · ".join(f"{k.replace('_', ' ')}: {v}" for k, v in b.cited_mentioned.items()))),
            )
        )
    headers = (
        "brand",
        "mention rate (95% CI)",
        "SoV by mentions",
        "SoV by answers",
        "avg rank",
        "rank histogram",
        "first mention band",
        "cited × mentioned",
    )
    return _table(headers, rows, "table-wrap full")


# ------------------------------------------------------------------------------------------------ summary


def _interval(p: Proportion) -> str:
    """k/n, the rate and its 95 % Wilson interval, for a cell."""
    return f'{p.k}/{p.n} · {p.value:.0%} <span class="ci">({p.low:.0%}–{p.high:.0%})</span>'


def _share(value: float | None, interval: tuple[float, float] | None) -> str:
    if value is None:
        return "—"
    ci = "" if interval is None else f' <span class="ci">({interval[0]:.0%}–{interval[1]:.0%})</span>'
    return f"{value:.0%}{ci}"


def _figure(value: str, label: str) -> str:
    return f'<div class="figure"><b>{value}</b><span>{esc(label)}</span></div>'


def _changes(change: Change | None) -> str:
    """One paragraph: what the newest run of each prompt cites that the run before did not, and the reverse."""
    if change is None or not change.compared:
        return '<p class="note">What changed: no prompt has two runs yet, so there is nothing to compare.</p>'

    def named(counts: Counter[str]) -> str:
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:CHANGED_DOMAINS]
        listed = ", ".join(f"{esc(d)}" + (f" ({n} prompts)" if n > 1 else "") for d, n in top)
        more = len(counts) - len(top)
        return (listed + (f" and {more} more" if more > 0 else "")) or "none"

    return (
        f"<p><b>What changed</b> (each prompt’s newest run against the run before, {change.compared} "
        f"prompt{'s' if change.compared != 1 else ''} with two runs or more): {change.changed} cited another set "
        f"of domains. Newly cited: {named(change.gained)}. No longer cited: {named(change.lost)}.</p>"
    )


def _summary_card(report: Report, s: Section) -> str:
    rep = s.domain_repeatability
    span = ""
    if s.first and s.last:
        span = (
            day_label(s.first)
            if day_label(s.first) == day_label(s.last)
            else f"{day_label(s.first)} – {day_label(s.last)}"
        )
    figures = [
        _figure(str(s.runs), "runs"),
        _figure(str(s.prompts), "prompts"),
        _figure(str(s.domains_cited), "domains cited"),
        _figure(decimals(rep.mean_pairwise_jaccard if rep else None), "pairwise Jaccard"),
        _figure(percent(rep.change_rate if rep else None), "change rate"),
    ]
    parts = [f'<div class="card"><h3>{esc(s.engine)}</h3><p class="meta">{esc(span)}</p>']
    parts.append(f'<div class="figures">{"".join(figures)}</div>')
    tables = []
    if s.brands:
        rows = [
            (
                ("text", esc(f"{b.brand}{' (ours)' if b.ours else ''}")),
                ("num", _interval(b.mention_rate)),
                ("num", _share(b.sov_mentions, b.sov_mentions_ci95)),
                ("num", _share(b.sov_answers, answers_interval(b))),
            )
            for b in s.brands
        ]
        tables.append(_table(("brand", "named in (95% CI)", "SoV by mentions", "SoV by answers (95% CI)"), rows))
    domains = [(("text", esc(d.item)), ("num", _interval(d.rate))) for d in s.domains[:SUMMARY_DOMAINS]]
    tables.append(_table(("top cited domains", "runs citing (95% CI)"), domains))
    parts.append(f'<div class="pair">{"".join(tables)}</div>')
    parts.append(_changes(report.changes.get(s.engine)))
    parts.append("</div>")
    return "".join(parts)


def _summary(report: Report) -> list[str]:
    sov = ""
    if report.brands:
        bootstrapped = any(b.sov_mentions_ci95 is not None for s in report.engines for b in s.brands or [])
        sov = " Share of voice by answers is shown with its 95 % Wilson interval (answers counted as independent); " + (
            "by mentions with its bootstrap interval."
            if bootstrapped
            else "run with --bootstrap 2000 for bootstrap intervals of both variants."
        )
    return [
        '<h2 id="summary">Summary</h2>',
        '<p class="note">Per engine: how many runs this report rests on, which domains it cites most (share of '
        "runs citing each, with its 95 % Wilson interval: small n gives wide intervals), how alike reruns of the "
        f"same prompt are (— with a single run per prompt), and what changed in the newest runs.{sov}</p>",
        '<div class="summary">',
        *(_summary_card(report, s) for s in report.engines),
        "</div>",
    ]


# ------------------------------------------------------------------------------------------------ prompts


def _prompt_ids(report: Report) -> dict[str, str]:
    """An anchor per prompt, in report order of first appearance."""
    ids: dict[str, str] = {}
    for group in report.groups:
        if group.prompt is not None and group.prompt not in ids:
            ids[group.prompt] = f"prompt-{len(ids) + 1}"
    return ids


def _index(report: Report, ids: Mapping[str, str]) -> list[str]:
    engines: dict[str, list[str]] = {}
    for group in report.groups:
        engines.setdefault(group.prompt or "", []).append(f"{group.engine} {group.runs}")
    items = []
    for number, (prompt, anchor) in enumerate(ids.items(), start=1):
        target = f'<a href="#{anchor}">{esc(clip(prompt, 120))}</a>' if number <= PROMPT_SECTIONS else esc(prompt)
        items.append(f'<li>{target} <span class="ci">({esc(", ".join(engines[prompt]))} runs)</span></li>')
    more = ""
    if len(ids) > PROMPT_SECTIONS:
        more = f'<p class="note">The first {PROMPT_SECTIONS} prompts have a section; all are in --format csv.</p>'
    return ['<div class="index"><h2 id="prompts">Prompts</h2>', f"<ol>{''.join(items)}</ol>", more, "</div>"]


def _prompt_sections(report: Report, ids: Mapping[str, str]) -> list[str]:
    by_prompt: dict[str, list[Section]] = {}
    for group in report.groups:
        by_prompt.setdefault(group.prompt or "", []).append(group)
    # the groups with the most runs get their heat map (a page of hundreds would be too heavy to open)
    shown = sorted(report.heatmaps, key=lambda h: -len(h.runs))[:HEATMAPS]
    heatmaps = {(h.engine, h.prompt): h for h in shown}
    out = ['<h2 id="per-prompt">Per prompt</h2>']
    for prompt, anchor in list(ids.items())[:PROMPT_SECTIONS]:
        out.append(f'<section class="prompt" id="{anchor}"><h3>{esc(prompt)}</h3>')
        rows = []
        for g in by_prompt[prompt]:
            rep = g.domain_repeatability
            top = ", ".join(f"{esc(d.item)} {d.rate.k}/{d.rate.n}" for d in g.domains[:3]) or "—"
            rows.append(
                (
                    ("key", esc(g.engine)),
                    ("num", str(g.runs)),
                    ("num", decimals(rep.mean_pairwise_jaccard if rep else None)),
                    ("num", percent(rep.change_rate if rep else None)),
                    ("text", top),
                )
            )
        out.append(_table(("engine", "runs", "pairwise J", "change rate", "most cited (runs citing of n)"), rows))
        for g in by_prompt[prompt]:
            heatmap = heatmaps.get((g.engine, prompt))
            if heatmap is not None and len(heatmap.runs) > 1:
                out.append(
                    f'<div class="card"><h4>{esc(g.engine)} · which of the {HEATMAP_ITEMS} most cited domains each '
                    f"run cited</h4>{heatmap_chart(heatmap)}</div>"
                )
        out.append('<p class="top"><a href="#prompts">↑ prompts</a> · <a href="#summary">↑ summary</a></p></section>')
    return out


# ------------------------------------------------------------------------------------------------ page


def render_html(report: Report) -> str:
    """The whole report page."""
    runs = sum(s.runs for s in report.engines)
    filters = ", ".join(f"{k} = {v}" for k, v in report.filters.items() if v) or "all answered captures"
    when = [s.first for s in report.engines if s.first] + [s.last for s in report.engines if s.last]
    span = f"{day_label(min(when))} – {day_label(max(when))}" if when else "no runs"
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>citewatch report</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<h1>citewatch report</h1>",
        f'<p class="meta">{runs} runs · {len(report.groups)} prompt × engine groups · {esc(span)} · {esc(filters)}</p>',
    ]
    if not report.groups:
        out.append('<p class="note">No answered captures match.</p></main></body></html>')
        return "\n".join(out)
    ids = _prompt_ids(report)
    out += _summary(report)
    invisible = report.invisible_prompts()
    if invisible:
        ours = next(b.brand for g in report.groups for b in g.brands or [] if b.ours)
        out.append(f"<h2>Prompts where {esc(ours)} is invisible</h2>")
        out.append('<p class="note">No engine names the brand in any run of these prompts.</p>')
        out.append("<ul>" + "".join(f"<li>{esc(prompt)}</li>" for prompt in invisible) + "</ul>")
    out += _index(report, ids)
    out += [
        "<h2>Engines</h2>",
        '<p class="note">Rates pool the runs of every prompt; repeatability values are means over prompts. '
        "Intervals are 95 % Wilson intervals. “Runs needed” is for ± "
        f"{report.engines[0].margin:.0%} at the shown rate nearest 50 % (⚠: not reached).</p>",
        _table(SUMMARY_HEADERS, _summary_rows(report.engines)),
        "<h2>Citation frequency per domain</h2>",
        '<p class="note">Share of runs citing each domain; the whisker is its 95 % Wilson interval.</p>',
        '<div class="cards">',
    ]
    for s in report.engines:
        out.append(f'<div class="card wide"><h3>{esc(s.engine)} · {s.runs} runs</h3>{citation_chart(s)}')
        out.append(
            _table(
                ("domain", "runs", "rate (95% CI)", "citation share", *(("PAWC",) if report.geo else ())),
                _domain_rows(s.domains[: report.top], geo=report.geo),
            )
            + "</div>"
        )
    out.append("</div>")
    if report.brands:
        out += [
            "<h2>Brand share of voice per engine</h2>",
            legend(["by mentions (brand ÷ all tracked mentions)", "by answers (answers naming it ÷ naming any)"]),
            '<div class="cards">',
        ]
        for s in report.engines:
            out.append(
                f'<div class="card wide"><h3>{esc(s.engine)} · {s.runs} answers</h3>{share_of_voice_chart(s)}'
                f"{_brand_table(s)}</div>"
            )
        out.append("</div>")
    engines = sorted(report.by_run)
    by_run = {e: [(str(i), v, n) for i, v, n in report.by_run[e]] for e in engines}
    by_day = {e: [(d, v, n) for d, v, n in report.by_day[e]] for e in engines}
    out += [
        "<h2>Stability</h2>",
        '<p class="note">Jaccard similarity of the cited domains of each run and the run before it (same prompt '
        "and engine), averaged per engine: 1 = the same domains again, 0 = none in common.</p>",
        legend(engines),
        '<div class="cards">',
        f'<div class="card"><h3>Over runs</h3>{line_chart(by_run, "Stability over runs", "run number")}</div>',
        f'<div class="card"><h3>Over time</h3>{line_chart(by_day, "Stability over time", "day (UTC)")}</div>',
        "</div>",
    ]
    out.append("<h2>Prompts × engines</h2>")
    out.append(_table(SUMMARY_HEADERS, _summary_rows(report.groups[:GROUP_ROWS])))
    if len(report.groups) > GROUP_ROWS:
        out.append(
            f'<p class="note">{len(report.groups) - GROUP_ROWS} more groups: narrow with --prompt, --engine or '
            "--since, or use --format csv.</p>"
        )
    out += _prompt_sections(report, ids)
    out.append("</main></body></html>")
    return "\n".join(out)
