"""The report page's charts, drawn as inline SVG (no script): citation rates with their intervals, share of
voice, stability lines and heat maps. Every value a capture chose goes through `cells.esc`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from citewatch.analysis.metrics import wilson_interval
from citewatch.analysis.report.cells import clip, esc
from citewatch.analysis.report.results import BrandRow, Heatmap, ItemRow, Section

PALETTE = ("#2563eb", "#ea580c", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#4b5563")

LABEL_W = 180  # room for labels left of a bar chart


def _svg(width: int, height: int, body: Iterable[str], label: str) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(label)}">{"".join(body)}</svg>'
    )


def _axis(x0: int, x1: int, y: int) -> list[str]:
    """A 0–100 % axis along the bottom of a bar chart."""
    parts = []
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = x0 + (x1 - x0) * tick
        parts.append(f'<line x1="{x:.1f}" y1="8" x2="{x:.1f}" y2="{y}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{x:.1f}" y="{y + 14}" text-anchor="middle" class="muted">{tick:.0%}</text>')
    return parts


def citation_chart(section: Section, limit: int = 12) -> str:
    """Citation rate of the most cited domains, a bar each, with its 95 % Wilson interval as a whisker."""
    rows: Sequence[ItemRow] = section.domains[:limit]
    width, bar_h, gap = 500, 16, 8
    x0, x1 = LABEL_W, width - 70
    height = 12 + len(rows) * (bar_h + gap) + 24 + NOTE_H
    parts = _axis(x0, x1, height - 22 - NOTE_H)
    parts.append(_note(width, height, f"n = {section.runs} runs · bar: share of runs citing · whisker: 95% CI"))
    for i, row in enumerate(rows):
        y = 10 + i * (bar_h + gap)
        scale = x1 - x0
        bar = max(scale * row.rate.value, 1.0)
        low, high = x0 + scale * row.rate.low, x0 + scale * row.rate.high
        mid = y + bar_h / 2
        parts += [
            f'<text x="{x0 - 8}" y="{mid + 4:.1f}" text-anchor="end"><title>{esc(row.item)}</title>'
            f"{esc(clip(row.item, 24))}</text>",
            f'<rect x="{x0}" y="{y}" width="{bar:.1f}" height="{bar_h}" rx="2" fill="{PALETTE[0]}" opacity="0.8">'
            f"<title>{esc(row.item)}: {row.rate.k}/{row.rate.n} runs, 95% CI {row.rate.low:.0%}–{row.rate.high:.0%}"
            "</title></rect>",
            f'<line x1="{low:.1f}" y1="{mid:.1f}" x2="{high:.1f}" y2="{mid:.1f}" stroke="#111827" stroke-width="1.5"/>',
            f'<line x1="{low:.1f}" y1="{y + 3}" x2="{low:.1f}" y2="{y + bar_h - 3}" stroke="#111827"/>',
            f'<line x1="{high:.1f}" y1="{y + 3}" x2="{high:.1f}" y2="{y + bar_h - 3}" stroke="#111827"/>',
            f'<text x="{x1 + 8}" y="{mid + 4:.1f}" class="muted">{row.rate.k}/{row.rate.n}</text>',
        ]
    return _svg(width, height, parts, f"Citation rate per domain, {section.engine}, n = {section.runs} runs")


def share_of_voice_chart(section: Section) -> str:
    """Both share-of-voice variants of every brand, side by side (bootstrap whiskers when computed)."""
    brands = section.brands or []
    width, bar_h, gap = 520, 14, 10
    x0, x1 = LABEL_W - 60, width - 50
    height = 12 + len(brands) * (2 * bar_h + gap) + 24 + NOTE_H
    parts = _axis(x0, x1, height - 22 - NOTE_H)
    scale = x1 - x0
    answers = brands[0].answers_naming_any if brands else 0
    bootstrapped = any(b.sov_mentions_ci95 is not None for b in brands)
    whiskers = "95% bootstrap CI" if bootstrapped else "95% Wilson CI"
    parts.append(_note(width, height, f"n = {section.runs} answers, {answers} naming a brand · whisker: {whiskers}"))
    for i, brand in enumerate(brands):
        y = 10 + i * (2 * bar_h + gap)
        label = f"{brand.brand}{' (ours)' if brand.ours else ''}"
        parts.append(
            f'<text x="{x0 - 8}" y="{y + bar_h + 4}" text-anchor="end"><title>{esc(label)}</title>'
            f"{esc(clip(label, 16))}</text>"
        )
        for j, (value, interval, variant) in enumerate(
            (
                (brand.sov_mentions, brand.sov_mentions_ci95, "by mentions"),
                (brand.sov_answers, answers_interval(brand), "by answers"),
            )
        ):
            top = y + j * bar_h
            if value is None:  # no answer named a tracked brand: no bar, no share
                parts.append(f'<text x="{x1 + 6}" y="{top + bar_h - 3}" class="muted small">—</text>')
                continue
            parts.append(
                f'<rect x="{x0}" y="{top}" width="{max(scale * value, 1.0):.1f}" height="{bar_h - 1}" rx="2" '
                f'fill="{PALETTE[j]}"><title>{esc(label)}: share of voice {variant} {value:.1%}</title></rect>'
            )
            if interval is not None:
                mid = top + bar_h / 2
                parts.append(
                    f'<line x1="{x0 + scale * interval[0]:.1f}" y1="{mid:.1f}" x2="{x0 + scale * interval[1]:.1f}" '
                    f'y2="{mid:.1f}" stroke="#111827"/>'
                )
            parts.append(f'<text x="{x1 + 6}" y="{top + bar_h - 3}" class="muted small">{value:.0%}</text>')
    return _svg(width, height, parts, f"Share of voice per brand, {section.engine}, n = {section.runs} answers")


def answers_interval(brand: BrandRow) -> tuple[float, float] | None:
    """Share of voice by answers is k answers naming the brand of n naming any: its bootstrap interval when
    computed, else its Wilson interval (answers taken as independent); None when no answer names any."""
    if brand.sov_answers_ci95 is not None:
        return brand.sov_answers_ci95
    if not brand.answers_naming_any:
        return None
    p = wilson_interval(brand.mention_rate.k, brand.answers_naming_any)
    return p.low, p.high


NOTE_H = 16  # room under a chart for the line saying its n and what its whiskers are


def _note(width: int, height: int, text: str) -> str:
    return f'<text x="{width - 4}" y="{height - 4}" text-anchor="end" class="muted small">{esc(text)}</text>'


def line_chart(series: Mapping[str, Sequence[tuple[str, float, int]]], label: str, x_title: str) -> str:
    """One line per engine over shared x labels (run numbers or days); y is a 0–1 similarity averaged over n
    pairs of consecutive runs at each point (the chart says the range of n)."""
    xs = sorted({x for points in series.values() for x, _, _ in points}, key=_x_key)
    width, height, left, right, top, bottom = 560, 230 + NOTE_H, 44, 16, 12, 42 + NOTE_H
    if not xs:
        return _svg(
            width, 40, ['<text x="8" y="24" class="muted">no prompt has two runs yet: nothing to compare</text>'], label
        )
    pairs = [n for points in series.values() for _, _, n in points]
    spread = str(min(pairs)) if min(pairs) == max(pairs) else f"{min(pairs)}–{max(pairs)}"
    label = f"{label}, n = {spread} pairs of consecutive runs per point"
    span = max(len(xs) - 1, 1)
    position = {x: left + (width - left - right) * i / span for i, x in enumerate(xs)}
    plot_h = height - top - bottom
    parts = []
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="muted">{tick:.2f}</text>')
    dates = all(len(x) == 10 and x[4] == "-" for x in xs)  # ISO days: "01-31" under the axis, the year below
    drawn = -1e9
    for x in xs:
        if position[x] - drawn < 48:  # keep tick labels apart
            continue
        drawn = position[x]
        parts.append(
            f'<text x="{position[x]:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="muted">'
            f"{esc(x[5:] if dates else x)}</text>"
        )
    if dates:
        x_title = f"{x_title}, {xs[0][:4]}" + (f"–{xs[-1][:4]}" if xs[-1][:4] != xs[0][:4] else "")
    parts.append(
        f'<text x="{(left + width - right) / 2:.1f}" y="{height - 6 - NOTE_H}" text-anchor="middle" class="muted">'
        f"{esc(x_title)}</text>"
    )
    parts.append(_note(width, height, f"each point: mean over n = {spread} pairs of consecutive runs"))
    for index, (engine, points) in enumerate(sorted(series.items())):
        colour = PALETTE[index % len(PALETTE)]
        coords = " ".join(f"{position[x]:.1f},{top + plot_h * (1 - v):.1f}" for x, v, _ in points)
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        if len(points) == 1:
            x, v, _ = points[0]
            parts.append(f'<circle cx="{position[x]:.1f}" cy="{top + plot_h * (1 - v):.1f}" r="3" fill="{colour}"/>')
        parts.append(f"<title>{esc(engine)}</title>")
    return _svg(width, height, parts, label)


def _x_key(x: str) -> tuple[int, str]:
    return (int(x), "") if x.isdigit() else (0, x)


def legend(names: Iterable[str]) -> str:
    items = "".join(
        f'<span><span class="swatch" style="background:{PALETTE[i % len(PALETTE)]}"></span>{esc(name)}</span>'
        for i, name in enumerate(names)
    )
    return f'<div class="legend">{items}</div>'


def heatmap_chart(heatmap: Heatmap) -> str:
    """Rows: the group's most cited domains; columns: its newest runs, oldest left; a filled cell = cited."""
    cell, label_w, top = 14, LABEL_W, 8
    columns = len(heatmap.runs)
    width = label_w + max(columns * cell, 320) + 10
    height = top + len(heatmap.domains) * cell + 22
    parts = []
    for row, domain in enumerate(heatmap.domains):
        y = top + row * cell
        parts.append(
            f'<text x="{label_w - 8}" y="{y + cell - 3}" text-anchor="end"><title>{esc(domain)}</title>'
            f"{esc(clip(domain, 24))}</text>"
        )
        for column, cited in enumerate(run[row] for run in heatmap.cells):
            when = heatmap.runs[column].strftime("%Y-%m-%d %H:%M")
            fill = PALETTE[0] if cited else "#f3f4f6"
            parts.append(
                f'<rect x="{label_w + column * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" rx="2" '
                f'fill="{fill}"><title>{esc(domain)} · run {column + 1} ({when}) · '
                f"{'cited' if cited else 'not cited'}</title></rect>"
            )
    if heatmap.runs:
        y = top + len(heatmap.domains) * cell + 14
        first, last = day_label(heatmap.runs[0]), day_label(heatmap.runs[-1])
        span = first if first == last else f"{first} → {last}"
        parts.append(f'<text x="{label_w}" y="{y}" class="muted">n = {columns} runs, oldest left: {span}</text>')
    return _svg(width, height, parts, f"Sources cited per run, {heatmap.engine}, n = {columns} runs")


def day_label(when: datetime) -> str:
    return when.strftime("%Y-%m-%d")
