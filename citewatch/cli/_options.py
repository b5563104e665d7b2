"""Options shared by several commands, spelled the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import click
import typer

from citewatch.config import get_settings
from citewatch.engines import ENGINES
from citewatch.storage import Store

EngineArg = Annotated[
    str, typer.Argument(click_type=click.Choice(sorted(ENGINES)), help="Engine name.", show_default=False)
]
EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", "-e", click_type=click.Choice(sorted(ENGINES)), help="Only this engine."),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: CITEWATCH_DB_URL or sqlite:///citewatch.db).", show_default=False
    ),
]
FormatOpt = Annotated[
    str, typer.Option("--format", "-f", click_type=click.Choice(["table", "json"]), help="Output format.")
]


def open_store(db: str | None) -> Store:
    return Store.open(db or get_settings().db_url)


def saved_session(engine: str) -> Path | None:
    """The logged-in session `citewatch auth ENGINE` saved, if any."""
    path = get_settings().auth_dir / f"{engine}.json"
    return path if path.is_file() else None
