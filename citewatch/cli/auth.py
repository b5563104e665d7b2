"""`citewatch auth ENGINE`: log in once in a visible browser and keep the session privately."""

from __future__ import annotations

from typing import Annotated

import typer

from citewatch.cli._options import EngineArg
from citewatch.cli._render import console
from citewatch.config import get_settings
from citewatch.engines import get_engine


def auth(
    engine: EngineArg,
    base_url: Annotated[str | None, typer.Option("--base-url", help="Open this URL instead of the real site.")] = None,
    headless: Annotated[
        bool, typer.Option("--headless", help="No window: only to re-save a session that is already logged in.")
    ] = False,
) -> None:
    """Open ENGINE in a browser window; log in, then press Enter. The session is saved with mode 0600."""
    # imported when the command runs: other commands should not load Playwright
    from citewatch.scrapers.auth import save_session

    path = get_settings().auth_dir / f"{engine}.json"
    label = get_engine(engine).label
    if not headless:
        console.print(f"Log in to {label} in the browser window, then press Enter here.")
    save_session(engine, path, base_url=base_url, wait=input, headless=headless)
    console.print(f"session saved to {path} (readable by you only); captures of {engine} now use it")
