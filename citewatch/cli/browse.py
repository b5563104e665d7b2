"""`citewatch browse`: the store in a browser (Datasette, read-only), with the common questions ready."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from citewatch.cli._options import DbOpt
from citewatch.config import get_settings
from citewatch.errors import ConfigError

INSTALL = "citewatch browse needs Datasette: pip install 'citewatch[browse]'"


def browse(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to serve on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8001,
) -> None:
    """Browse a SQLite store in Datasette, read-only: every table described, canned queries (top cited
    domains per engine and week, captures needing attention, a brand's mentions with their sentences), and
    each capture's screenshot and stored page. PostgreSQL: `citewatch db views` creates the same queries."""
    path = sqlite_path(db or get_settings().db_url)
    try:
        from citewatch import browse as served  # Datasette is an optional extra
    except ModuleNotFoundError as exc:
        raise ConfigError(INSTALL) from exc
    served.serve(path, host=host, port=port)


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL; a clear error for anything else."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() != "sqlite":
        raise ConfigError(
            f"browse serves SQLite stores; on {parsed.get_backend_name()} run `citewatch db views` and query the "
            "citewatch_* views (docs/browse.md)"
        )
    if not parsed.database or parsed.database == ":memory:":
        raise ConfigError("browse needs a SQLite file, not an in-memory database")
    path = Path(parsed.database)
    if not path.is_file():
        raise ConfigError(f"no store at {path}: capture something first, or give --db")
    return path
