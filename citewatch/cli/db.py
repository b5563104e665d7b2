"""`citewatch db upgrade`: create or migrate the database schema."""

from __future__ import annotations

import typer

from citewatch.cli._options import DbOpt
from citewatch.cli._render import console
from citewatch.config import get_settings
from citewatch.storage import upgrade as upgrade_schema
from citewatch.storage.db import check_integrity

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(db: DbOpt = None) -> None:
    """Create the schema or migrate it to the newest version (safe to run again)."""
    url = db or get_settings().db_url
    upgrade_schema(url)
    check_integrity(url)
    console.print(f"database at {url} is up to date")
