"""`citewatch replay`: re-extract stored snapshots with the current extractors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import track

from citewatch.cli._options import DbOpt, EngineOpt, SelectorsOpt, check_filters, open_store, use_selectors
from citewatch.cli._render import console, errors
from citewatch.errors import ConfigError

if TYPE_CHECKING:
    from citewatch.replay import Change


def replay_command(
    capture: Annotated[int | None, typer.Option("--capture", "-c", help="Only this capture id.")] = None,
    engine: EngineOpt = None,
    all_captures: Annotated[bool, typer.Option("--all", help="Every stored capture.")] = False,
    show_diff: Annotated[bool, typer.Option("--diff", help="Print what changed, URL by URL.")] = False,
    render_to: Annotated[
        Path | None,
        typer.Option("--render", help="Save a screenshot of the stored snapshot (offline) to this PNG path."),
    ] = None,
    selectors: SelectorsOpt = None,
    db: DbOpt = None,
) -> None:
    """Re-run the current extractors over stored snapshots, store new versions, print what changed."""
    use_selectors(selectors)
    # imported when the command runs: other commands should not load Playwright, lxml and the extractors
    from citewatch.replay import render, replay

    if [capture is not None, engine is not None, all_captures].count(True) != 1:
        raise ConfigError("say which captures to replay: exactly one of --capture ID, --engine E or --all")
    with open_store(db) as store:
        check_filters(store, engine=engine)
        if render_to is not None:
            if capture is None:
                raise ConfigError("--render needs --capture ID")
            rendered = render(store, capture, render_to)
            console.print(f"rendered capture {capture} offline to {rendered.path}")
            if not rendered.styled:
                console.print("note: this capture kept no stylesheets, so the render is unstyled")
            return
        ids = [capture] if capture is not None else [c.id for c in store.list_captures(engine=engine)]
        changes = list(track(replay(store, ids), total=len(ids), description="replaying", console=console))
    failed = [c for c in changes if c.error]
    changed = [c for c in changes if c.changed]
    stored = sum(c.stored for c in changes)
    console.print(
        f"replayed {len(changes) - len(failed)} snapshots: {len(changed)} changed, {stored} stored"
        + (f", {len(failed)} failed" if failed else "")
    )
    for change in changed:
        _print_change(change, detailed=show_diff)
    for change in failed:
        errors.print(f"capture {change.capture_id} failed: {change.error}", markup=False)
    if failed:
        raise typer.Exit(1)


def _print_change(change: Change, *, detailed: bool) -> None:
    head = f"capture {change.capture_id} ({change.engine}, {change.previous_version} -> {change.version})"
    if change.status:
        head += f": status {change.status[0]} -> {change.status[1]}"
    console.print(head)
    counts = (
        f"  citations +{len(change.citations_added)} -{len(change.citations_removed)}, "
        f"sources +{len(change.sources_added)} -{len(change.sources_removed)}"
        + (", answer text changed" if change.answer_changed else "")
    )
    console.print(counts)
    if detailed:
        for label, urls, sign in (
            ("citation", change.citations_added, "+"),
            ("citation", change.citations_removed, "-"),
            ("source", change.sources_added, "+"),
            ("source", change.sources_removed, "-"),
        ):
            for url in urls:
                console.print(f"  {sign} {label} {url}", markup=False)
