"""`citewatch fixtures add|check`: turn captures into golden cases and hold extractors to their floors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from citewatch.cli._options import DbOpt, SelectorsOpt, open_store, use_selectors
from citewatch.cli._render import console
from citewatch.errors import ConfigError

app = typer.Typer(help="Golden fixtures and the extraction quality gate.", no_args_is_help=True, rich_markup_mode=None)
FIXTURES_ROOT = Path("fixtures")
RootOpt = Annotated[Path, typer.Option("--root", help="The fixtures folder.")]


@app.command()
def add(
    capture_id: Annotated[int, typer.Argument(help="A stored capture.")],
    name: Annotated[str, typer.Argument(help="Case name, kebab-case (e.g. grouped-chips).")],
    root: RootOpt = FIXTURES_ROOT,
    db: DbOpt = None,
) -> None:
    """Copy a stored capture into fixtures/ENGINE/NAME/ with its golden expected.json (review it!)."""
    # imported when the command runs: other commands should not load lxml and the extractors
    import citewatch.quality.gate as gate

    with open_store(db) as store:
        snapshot = store.load_snapshot(capture_id)
    folder = gate.add_fixture(snapshot, name, root)
    console.print(f"wrote {folder}: check expected.json by hand before committing it")


@app.command()
def check(
    root: RootOpt = FIXTURES_ROOT,
    update: Annotated[bool, typer.Option("--update", help="Re-pin the floors to the current scores.")] = False,
    allow_regression: Annotated[
        bool, typer.Option("--allow-regression", help="With --update: allow a floor to go down.")
    ] = False,
    selectors: SelectorsOpt = None,
) -> None:
    """Precision/recall/F1 of citations and sources per engine against the pinned floors (with any overrides)."""
    use_selectors(selectors)
    import citewatch.quality.gate as gate
    import citewatch.quality.real_captures as real_captures
    from citewatch.selectors import override_dir

    if update and override_dir() is not None:
        raise ConfigError("the floors are pinned with the shipped selectors: run --update without overrides")

    scores = gate.evaluate(root)
    table = Table(title="Extraction quality on fixtures", title_justify="left")
    for column in ("engine", "cases", "citations P/R/F1", "sources P/R/F1"):
        table.add_column(column)
    for engine, score in sorted(scores.items()):
        table.add_row(engine, str(score.cases), score.citations.describe(), score.sources.describe())
    console.print(table)
    captures = real_captures.captures_dir(root)
    real = real_captures.evaluate_real(root, captures) if captures.is_dir() else None
    if real is None:
        console.print(f"real captures: skipped, no folder at {captures} (set CITEWATCH_CAPTURES to score them)")
    else:
        table = Table(title=f"Extraction quality on the real captures ({captures})", title_justify="left")
        for column in ("engine", "pages", "must-cite P/R/F1"):
            table.add_column(column)
        for engine, real_score in sorted(real.items()):
            table.add_row(engine, str(real_score.cases), real_score.urls.describe())
        console.print(table)
    if update:
        gate.update_baseline(root, scores, allow_regression=allow_regression, real=real)
        console.print("floors re-pinned" + (" (real-capture floors kept: no captures)" if real is None else ""))
        return
    failures = gate.check_against_baseline(root, scores)
    if real is not None:
        failures += real_captures.check_real(root, real)
    for failure in failures:
        console.print(f"FAIL {failure}", style="red")
    if failures:
        raise typer.Exit(1)
    console.print("all engines at or above their floors")
