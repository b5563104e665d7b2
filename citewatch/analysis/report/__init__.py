"""The report: every metric of docs/metrics.md per prompt × engine (the window is the filter), rolled up per engine.

Reading is streamed. One query lists the answered runs (newest extraction of each answered capture) in
report order, one row per run: its cited URLs, domains, sources and organic results as stored with the
extraction (`run_lists`) or, with brands, gathered in SQL with where each citation sits, along with the
answer's text, blocks and highlighted names picked out of its stored record; each row becomes its
`RunValues` without validating the whole record. A prompt × engine group is summarised
as soon as its last run arrives; an engine roll-up keeps a few compact values per run (cited domains and
URLs, brands named), never ORM rows or whole extractions.

Roll-ups pool the runs of every prompt of an engine for rates and shares (runs citing a domain ÷ all runs of
the engine), and average the per-prompt repeatability values, since two runs of different prompts are not
reruns of each other. Bootstrap intervals of roll-ups resample prompts, not answers, for the same reason.
"""

from citewatch.analysis.report.build import build_report, gc_paused
from citewatch.analysis.report.groups import engine_part, summarise_group
from citewatch.analysis.report.measures import repeatability
from citewatch.analysis.report.reading import iter_runs, lean_values, stored_values
from citewatch.analysis.report.results import (
    HEATMAP_ITEMS,
    BrandRow,
    Change,
    Heatmap,
    ItemRow,
    Options,
    Repeatability,
    Report,
    Run,
    Section,
)

__all__ = [
    "HEATMAP_ITEMS",
    "BrandRow",
    "Change",
    "Heatmap",
    "ItemRow",
    "Options",
    "Repeatability",
    "Report",
    "Run",
    "Section",
    "build_report",
    "engine_part",
    "gc_paused",
    "iter_runs",
    "lean_values",
    "repeatability",
    "stored_values",
    "summarise_group",
]
