"""Options shared by several commands, spelled the same everywhere."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from citewatch.config import get_settings
from citewatch.engines import ENGINES, unknown_engine_message
from citewatch.storage import Store


def engine_name(value: str | None) -> str | None:
    """An engine named in any case (`Perplexity`); a typo is one line with the closest name."""
    if value is None:
        return None
    name = value.strip().lower()
    if name not in ENGINES:
        raise typer.BadParameter(unknown_engine_message(value))
    return name


# Names come from the registry, so a new engine appears in every command without touching the CLI.
_ENGINES_HELP = f"Engine: {', '.join(sorted(ENGINES))}."
EngineArg = Annotated[
    str, typer.Argument(help=_ENGINES_HELP, metavar="ENGINE", callback=engine_name, show_default=False)
]
EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", "-e", help=f"Only this engine. {_ENGINES_HELP}", metavar="ENGINE", callback=engine_name),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: CITEWATCH_DB_URL or sqlite:///citewatch.db).", show_default=False
    ),
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def open_store(db: str | None) -> Store:
    return Store.open(db or get_settings().db_url)


def saved_session(engine: str) -> Path | None:
    """The logged-in session `citewatch auth ENGINE` saved, if any."""
    path = get_settings().auth_dir / f"{engine}.json"
    return path if path.is_file() else None
