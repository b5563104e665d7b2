"""Options shared by several commands, spelled the same everywhere."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from citewatch.config import get_settings
from citewatch.engines import ENGINES
from citewatch.models import TraceMode
from citewatch.storage import Store

# Choices come from the registry, so a new engine appears in every command without touching the CLI.
EngineName = StrEnum("EngineName", [(name, name) for name in sorted(ENGINES)])  # type: ignore[misc]

EngineArg = Annotated[EngineName, typer.Argument(help="Engine name.", show_default=False)]
EngineOpt = Annotated[EngineName | None, typer.Option("--engine", "-e", help="Only this engine.")]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: CITEWATCH_DB_URL or sqlite:///citewatch.db).", show_default=False
    ),
]

SelectorsOpt = Annotated[
    Path | None,
    typer.Option(
        "--selectors",
        help="Folder of ENGINE.toml files overriding the shipped selectors (default: CITEWATCH_SELECTORS_DIR).",
        show_default=False,
    ),
]


TraceOpt = Annotated[
    TraceMode,
    typer.Option(
        "--trace", help="Keep a Playwright trace of each capture: off, on-failure (kept with failed captures) or on."
    ),
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def use_selectors(folder: Path | None) -> None:
    """Check and apply the selector overrides for this command and every process it starts; say what they change."""
    from citewatch import selectors

    if folder is not None:
        os.environ[selectors.ENV_VAR] = str(folder.resolve())  # campaign workers are spawned: they read it too
    configured = os.environ.get(selectors.ENV_VAR)
    for changed in selectors.configure(Path(configured) if configured else None):
        if changed.overridden:
            typer.echo(f"selectors: {changed.override} overrides {', '.join(changed.overridden)}", err=True)


def open_store(db: str | None) -> Store:
    return Store.open(db or get_settings().db_url)


def saved_session(engine: str) -> Path | None:
    """The logged-in session `citewatch auth ENGINE` saved, if any."""
    path = get_settings().auth_dir / f"{engine}.json"
    return path if path.is_file() else None
