"""`citewatch doctor ENGINE`: one live capture, step by step, and a bundle to attach to a bug report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from citewatch.cli._options import EngineArg, SelectorsOpt, saved_session, use_selectors
from citewatch.cli._render import console
from citewatch.config import get_settings
from citewatch.engines import get_engine
from citewatch.models import TraceMode

DEFAULT_PROMPT = "best CRM for SaaS startups"


def doctor(
    engine: EngineArg,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Engine URL to open instead of the real site (a replica).")
    ] = None,
    prompt: Annotated[str, typer.Option(help="The question to ask.")] = DEFAULT_PROMPT,
    out: Annotated[
        Path, typer.Option("--out", help="Folder the bundle is written in (a subfolder and its .zip).")
    ] = Path("citewatch-doctor"),
    headed: Annotated[bool, typer.Option("--headed", help="Show the browser window.")] = False,
    locale: Annotated[str, typer.Option(help="Browser locale (and Google hl).")] = "en-US",
    timeout: Annotated[float | None, typer.Option(help="Seconds allowed for the answer.")] = None,
    selectors: SelectorsOpt = None,
) -> None:
    """Try one capture on ENGINE, report which selectors matched at each step, save a bug-report bundle."""
    use_selectors(selectors)
    # imported when the command runs: other commands should not load Playwright
    from citewatch.doctor import diagnose, readable, zip_bundle
    from citewatch.scrapers.base import Target
    from citewatch.scrapers.browser import BrowserOptions, open_browser

    options = BrowserOptions(
        headless=not headed, storage_state=saved_session(engine), locale=locale, trace=TraceMode.on
    )
    target = Target(
        prompt=prompt,
        base_url=base_url or get_engine(engine).home_url,
        locale=locale,
        timeout_s=timeout or get_settings().capture_timeout_s,
    )
    bundle = out.resolve() / f"{engine}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    with open_browser(options) as session:
        diagnosis = diagnose(session, engine, target, bundle)
    console.print(readable(diagnosis), markup=False, highlight=False, end="", soft_wrap=True)
    console.print(f"bundle: {bundle}/ and {zip_bundle(bundle)}", soft_wrap=True)
    if not diagnosis.answered:
        typer.secho(f"doctor: {diagnosis.verdict()}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
